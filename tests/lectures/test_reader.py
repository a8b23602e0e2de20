"""The e-textbook reader page and reading progress: the remembered page, the last page completing the PDF."""
import html
import re
import shutil

import pytest

from lms.core.db import db
from tests.media.conftest_app import fs_storage, upload  # noqa: F401  (fixture)
from tests.pdfs import make_text_pdf

pytestmark = pytest.mark.skipif(shutil.which("qpdf") is None or shutil.which("pdftoppm") is None,
                                reason="qpdf and poppler-utils are needed to process PDFs")

BOOK = make_text_pdf(["Bai 1\nPhan so", "Bai 2\nSo thap phan", "Bai 3\nTi so phan tram"])


@pytest.fixture
def book(world, fs_storage):
    return upload(world.as_("teacher"), BOOK, "sach-toan-6.pdf").get_json()["id"]


def _reader_attrs(text: str) -> dict:
    tag = re.search(r'<article class="reader"[^>]*>', text, re.S).group(0)
    return {name: html.unescape(value) for name, value in re.findall(r'data-([\w-]+)="([^"]*)"', tag)}


def test_class_student_opens_the_reader_at_the_remembered_page_and_outsiders_get_404(world, login, make_lecture,
                                                                                     asset, book):
    video = asset(world.teacher, duration_s=60.0, hls=True)
    lecture = make_lecture(visibility="class", class_ids=[world.klass], submit=True,
                           attachments=[{"media_id": video, "title": "Video"},
                                        {"media_id": book, "title": "Sách giáo khoa Toán 6"}])
    student = login("hs.anh")
    detail = student.get(f"/lectures/{lecture['id']}").get_data(as_text=True)
    assert f'href="/lectures/{lecture["id"]}/documents/{book}"' in detail
    assert f'href="/api/v1/media/{book}/file"' in detail  # the download stays

    reader = f"/lectures/{lecture['id']}/documents/{book}"
    resp = student.get(reader)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Sách giáo khoa Toán 6" in page and "<script>" not in page
    attrs = _reader_attrs(page)
    assert attrs["page"] == "1" and attrs["pages"] == "3" and attrs["track"] == "true"
    assert re.match(rf"/api/v1/media/{book}/o/reader/document.pdf\?exp=\d+&sig=", attrs["src"])
    assert attrs["pdfjs"].startswith("/static/vendor/pdfjs/pdf.min.mjs?v=")
    assert attrs["worker"].startswith("/static/vendor/pdfjs/pdf.worker.min.mjs?v=")
    assert f'rel="modulepreload" href="{html.escape(attrs["worker"])}"' in page

    saved = world.as_("student").put(f"/lectures/{lecture['id']}/progress", json={"media_id": book, "position_s": 2})
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["position_s"] == 2 and saved.get_json()["completed"] is False
    assert _reader_attrs(student.get(reader).get_data(as_text=True))["page"] == "2"
    # Another student of the class starts at page 1: the page is remembered per student.
    assert _reader_attrs(login("hs.bao").get(reader).get_data(as_text=True))["page"] == "1"

    assert login("hs.ngoai").get(reader).status_code == 404
    assert student.get(f"/lectures/{lecture['id']}/documents/{video}").status_code == 404
    stranger = upload(world.as_("teacher"), BOOK, "khac.pdf").get_json()["id"]
    assert student.get(f"/lectures/{lecture['id']}/documents/{stranger}").status_code == 404


def test_the_last_page_completes_the_pdf_and_counts_toward_the_lecture(world, make_lecture, asset, book):
    video = asset(world.teacher, duration_s=60.0, hls=True)
    lecture = make_lecture(visibility="class", class_ids=[world.klass], media_ids=[video, book], submit=True)
    student = world.as_("student")
    path = f"/lectures/{lecture['id']}/progress"

    last = student.put(path, json={"media_id": book, "position_s": 99}).get_json()
    assert last["position_s"] == 3 and last["completed"] is True and last["watched_ratio"] == 1.0
    assert last["lecture_completed"] is False  # the video is still unwatched
    back = student.put(path, json={"media_id": book, "position_s": 1}).get_json()
    assert back["position_s"] == 1 and back["completed"] is True  # completion is kept; the reader reopens at 1

    report = world.as_("teacher").get(f"{path}?class_id={world.klass}").get_json()
    mine = next(i for i in report["items"] if i["student_id"] == world.student)
    assert mine["documents"] == [{"media_id": book, "page": 1, "pages": 3, "completed": True}]
    assert mine["completed"] is False
    other = next(i for i in report["items"] if i["student_id"] != world.student)
    assert other["documents"] == [{"media_id": book, "page": 1, "pages": 3, "completed": False}]


def test_a_lecture_of_pdfs_only_is_completed_by_reading_them_to_the_end(world, make_lecture, book):
    lecture = make_lecture(visibility="class", class_ids=[world.klass], media_ids=[book], submit=True)
    student = world.as_("student")
    path = f"/lectures/{lecture['id']}/progress"
    halfway = student.put(path, json={"media_id": book, "position_s": 2}).get_json()
    assert halfway["lecture_completed"] is False and halfway["lecture_watched_ratio"] == 0.0
    done = student.put(path, json={"media_id": book, "position_s": 3}).get_json()
    assert done["lecture_completed"] is True and done["lecture_watched_ratio"] == 1.0
    assert student.put(path, json={"media_id": book}).status_code == 422
    assert student.put(path, json={"media_id": book, "position_s": -1}).status_code == 422


def test_a_teacher_previewing_the_reader_is_not_tracked(world, login, make_lecture, book, app):
    from media.models import MediaAsset

    lecture = make_lecture(visibility="class", class_ids=[world.klass], media_ids=[book], submit=True)
    attrs = _reader_attrs(login("gv.lan").get(f"/lectures/{lecture['id']}/documents/{book}").get_data(as_text=True))
    assert attrs["track"] == "false" and attrs["page"] == "1"
    with app.app_context():
        db.session.get(MediaAsset, book).status = "processing"
        db.session.commit()
    page = login("hs.anh").get(f"/lectures/{lecture['id']}/documents/{book}").get_data(as_text=True)
    assert "Tài liệu đang được xử lý" in page and "data-src" not in page
