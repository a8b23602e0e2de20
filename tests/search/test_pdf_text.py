"""A lecture is found by what its PDFs say: their pdftotext text is part of the lecture's search document
(on either backend: whoosh under SQLite, PostgreSQL full-text under TEST_DATABASE_URL)."""
from __future__ import annotations

import shutil

import pytest

from tests.media.conftest_app import fs_storage, upload  # noqa: F401  (fixture)
from tests.pdfs import make_text_pdf

from .conftest import hits, make_lecture, search

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
                                reason="poppler-utils is needed to read PDFs")

BOOK = make_text_pdf(["Sinh hoc 6", "Chuong 3: Quang hop\nLa cay chua chlorophyll", "On tap"])


def _lecture_with(client, media_id, title="Bài 12: Lá cây"):
    lecture_id = make_lecture(client, title, publish=False)
    resp = client.patch(f"/lectures/{lecture_id}", json={"media_ids": [media_id]})
    assert resp.status_code == 200, resp.get_json()
    assert client.post(f"/lectures/{lecture_id}/submit").status_code == 200
    return lecture_id


def test_a_lecture_is_found_by_a_word_only_its_pdf_contains(world, search_index, fs_storage):
    teacher = world.as_("teacher")
    assert search(teacher, q="chlorophyll")["total"] == 0
    pdf = upload(teacher, BOOK, "sinh-hoc-6.pdf").get_json()["id"]
    lecture_id = _lecture_with(teacher, pdf)
    other = make_lecture(teacher, "Bài 13: Rễ cây")
    body = search(teacher, q="chlorophyll")
    assert hits(body) == [("lecture", lecture_id)]
    assert hits(search(world.as_("student"), q="quang hợp")) == [("lecture", lecture_id)]  # diacritics folded
    assert ("lecture", other) not in hits(search(teacher, q="chlorophyll"))


def test_pdfs_processed_before_the_reader_become_searchable_after_reprocess_pdfs(world, search_index, fs_storage,
                                                                                  app):
    from media import documents

    teacher = world.as_("teacher")
    pdf = upload(teacher, BOOK, "cu.pdf").get_json()["id"]
    fs_storage.delete(documents.text_key(pdf))  # as stored before text extraction existed
    lecture_id = _lecture_with(teacher, pdf)
    assert search(teacher, q="chlorophyll")["total"] == 0

    result = app.test_cli_runner().invoke(args=["media", "reprocess-pdfs"])
    assert result.exit_code == 0 and "PDFs reprocessed: 1" in result.output, result.output
    # media_ready -> the lecture changed -> re-indexed (in the transaction on postgres, by a job on whoosh)
    assert hits(search(teacher, q="chlorophyll")) == [("lecture", lecture_id)]
