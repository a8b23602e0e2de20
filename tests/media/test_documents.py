"""PDF e-textbooks: the reader copy (object streams), page count and search text made by processing; range requests."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from lms.core.db import db
from tests.media.conftest import needs_pdftoppm
from tests.media.conftest_app import asset_row, fs_storage, tmp_files, upload  # noqa: F401  (fixtures)
from tests.pdfs import make_text_pdf

needs_qpdf = pytest.mark.skipif(shutil.which("qpdf") is None, reason="qpdf not installed")

BOOK = make_text_pdf(["Chuong 1\nQuang hop o la cay", "Chuong 2\nchlorophyll xylophone", "Het"], picture_bytes=20_000)


def _packed(data: bytes, tmp_path) -> bool:
    """A sound PDF whose page dictionaries sit in object streams (qpdf --show-xref: "compressed; stream=")."""
    path = tmp_path / "check.pdf"
    path.write_bytes(data)
    if subprocess.run(["qpdf", "--check", str(path)], capture_output=True).returncode != 0:
        return False
    pages = subprocess.run(["qpdf", "--show-pages", str(path)], capture_output=True, text=True).stdout
    numbers = [line.split(": ")[1].split()[0] for line in pages.splitlines() if line.startswith("page ")]
    xref = dict(line.split(": ", 1) for line in subprocess.run(
        ["qpdf", "--show-xref", str(path)], capture_output=True, text=True).stdout.splitlines() if ": " in line)
    return bool(numbers) and all(xref.get(f"{n}/0", "").startswith("compressed") for n in numbers)


@needs_pdftoppm
@needs_qpdf
def test_processing_a_pdf_makes_the_reader_copy_its_page_count_and_text(world, fs_storage, app, tmp_path):
    from media import documents

    resp = upload(world.as_("teacher"), BOOK, "sach-giao-khoa.pdf")
    asset_id = resp.get_json()["id"]
    row = asset_row(app, asset_id)
    assert row.status == "ready" and row.pages == 3 and row.thumbnail_key
    assert not _packed(BOOK, tmp_path)  # the upload is not: the copy below is the processing's work
    assert _packed(fs_storage.get_bytes(documents.reader_key(asset_id)), tmp_path)
    text = fs_storage.get_bytes(documents.text_key(asset_id)).decode("utf-8")
    assert "Quang hop o la cay" in text and "xylophone" in text
    assert world.as_("teacher").get(f"/media/{asset_id}").get_json()["pages"] == 3
    assert not tmp_files(app)


@needs_pdftoppm
@needs_qpdf
def test_the_reader_url_answers_range_requests_with_206(world, fs_storage, app, client):
    import media.api as media_api

    asset_id = upload(world.as_("teacher"), BOOK, "sach.pdf").get_json()["id"]
    with app.test_request_context():
        url = media_api.reader_source_url(asset_id)
    assert "/reader/document.pdf" in url
    whole = client.get(url)
    assert whole.status_code == 200 and whole.headers["Accept-Ranges"] == "bytes"
    size = len(whole.data)
    first = client.get(url, headers={"Range": "bytes=0-1023"})
    assert first.status_code == 206 and first.data == whole.data[:1024] and first.data.startswith(b"%PDF")
    assert first.headers["Content-Range"] == f"bytes 0-1023/{size}" and first.headers["Accept-Ranges"] == "bytes"
    tail = client.get(url, headers={"Range": f"bytes={size - 100}-"})
    assert tail.status_code == 206 and tail.data == whole.data[-100:]
    beyond = client.get(url, headers={"Range": f"bytes={size + 10}-"})
    assert beyond.status_code == 416 and beyond.headers["Content-Range"] == f"bytes */{size}"
    assert client.get(url.replace("sig=", "sig=x")).status_code == 403


@needs_pdftoppm
def test_without_qpdf_the_reader_loads_the_original_and_search_still_gets_the_text(world, fs_storage, app,
                                                                                monkeypatch):
    import media.api as media_api
    from media.processing import pdfs

    real_which = shutil.which
    monkeypatch.setattr(pdfs.shutil, "which", lambda name: None if name == "qpdf" else real_which(name))
    asset_id = upload(world.as_("teacher"), BOOK, "sach.pdf").get_json()["id"]
    row = asset_row(app, asset_id)
    assert row.status == "ready" and row.pages is None
    with app.test_request_context():
        assert media_api.reader_source_url(asset_id).split("?")[0].endswith(row.object_key.split("/")[-1])
        assert "xylophone" in media_api.document_text(asset_id)


def test_reader_and_text_are_only_for_ready_pdfs(world, fs_storage, app):
    import media.api as media_api
    from tests.media.conftest import make_pdf

    asset_id = upload(world.as_("teacher"), make_pdf(), "trang.pdf").get_json()["id"]
    with app.app_context():
        from media.models import MediaAsset

        db.session.get(MediaAsset, asset_id).status = "processing"
        db.session.commit()
        assert media_api.reader_source_url(asset_id) is None and media_api.document_text(asset_id) == ""
        assert media_api.reader_source_url(999_999) is None and media_api.document_text(999_999) == ""


@needs_pdftoppm
@needs_qpdf
def test_reprocess_pdfs_gives_older_pdfs_their_reader_copy_and_text(world, fs_storage, app, tmp_path):
    from media import documents
    from media.models import MediaAsset

    asset_id = upload(world.as_("teacher"), BOOK, "cu.pdf").get_json()["id"]
    # As a PDF processed before the reader existed: no copy, no text, no page count.
    fs_storage.delete_prefix(f"assets/{asset_id}/reader/")
    with app.app_context():
        db.session.get(MediaAsset, asset_id).pages = None
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["media", "reprocess-pdfs"])
    assert result.exit_code == 0, result.output
    assert "PDFs reprocessed: 1, failed: 0" in result.output
    assert asset_row(app, asset_id).pages == 3
    assert _packed(fs_storage.get_bytes(documents.reader_key(asset_id)), tmp_path)
    assert b"xylophone" in fs_storage.get_bytes(documents.text_key(asset_id))
