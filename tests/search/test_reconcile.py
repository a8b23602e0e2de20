"""``flask search rebuild`` and ``flask search reconcile`` (and the periodic job) repair the index."""
from __future__ import annotations

import pytest

from lms.search import service
from lms.search.documents import Allow
from lms.search.tasks import reconcile_index

from .conftest import hits, make_lecture, make_question, search


@pytest.fixture
def content(world, search_index):
    """Two questions and a lecture, created (and so indexed) through the API."""
    teacher = world.as_("teacher")
    return {
        "q1": make_question(teacher, "<p>Nguyên hàm của hàm đa thức</p>"),
        "q2": make_question(teacher, "<p>Thể tích khối chóp</p>"),
        "lecture": make_lecture(teacher, "Ứng dụng tích phân"),
    }


def _keys(index):
    return set(index.doc_versions())


def _damage(index, content):
    """Lose one document, make one stale and add one for an object that does not exist."""
    index.delete([f"question:{content['q1']}"])
    index.upsert([{"type": "question", "obj_id": content["q2"], "title": "Tiêu đề cũ", "body": "khối lập phương",
                   "status": "published", "visibility": "shared", "audience": "staff",
                   "updated_at": "2020-01-01T00:00:00+00:00"}])
    index.upsert([{"type": "lecture", "obj_id": 999_999, "title": "Bài giảng đã xoá", "visibility": "shared",
                   "status": "published"}])


def test_reconcile_fixes_missing_stale_and_extra_documents(app, world, content, search_index):
    _damage(search_index, content)
    result = app.test_cli_runner().invoke(args=["search", "reconcile"])
    assert result.exit_code == 0, result.output
    assert "missing 1, stale 1, extra 1" in result.output
    assert f"question:{content['q1']}" in result.output and "lecture:999999" in result.output
    assert _keys(search_index) == {f"question:{content['q1']}", f"question:{content['q2']}",
                                   f"lecture:{content['lecture']}"}
    teacher = world.as_("teacher")
    assert hits(search(teacher, q="the tich khoi chop")) == [("question", content["q2"])]
    assert search(teacher, q="lap phuong")["total"] == 0
    # Nothing left to fix: the stamps compare equal whatever time zone the database answered in.
    again = app.test_cli_runner().invoke(args=["search", "reconcile"])
    assert "missing 0, stale 0, extra 0" in again.output


def test_reconcile_removes_a_deleted_question_whose_job_was_lost(app, world, content, search_index):
    teacher = world.as_("teacher")
    doc = next(d for d in _documents(app, "question") if d["obj_id"] == content["q1"])
    assert teacher.delete(f"/questions/{content['q1']}").status_code == 204
    search_index.upsert([doc])  # as if the delete's indexing job never ran
    assert search(teacher, q="nguyen ham")["total"] == 1
    with app.app_context():
        reconcile_index.run_now()
    assert search(teacher, q="nguyen ham")["total"] == 0


def _documents(app, type_):
    with app.app_context():
        return [doc for batch in service.iter_batches(type_) for doc in batch]


def test_rebuild_clears_and_reindexes_everything_in_batches(app, content, search_index):
    _damage(search_index, content)
    result = app.test_cli_runner().invoke(args=["search", "rebuild", "--batch-size", "1"])
    assert result.exit_code == 0, result.output
    assert "question: 2 indexed" in result.output and "lecture: 1 indexed" in result.output
    assert "rebuilt: 1 lectures, 2 questions; 3 documents in the index" in result.output
    assert _keys(search_index) == {f"question:{content['q1']}", f"question:{content['q2']}",
                                   f"lecture:{content['lecture']}"}
    titles = {item["title"] for item in search_index.search(None, allow=Allow.everything()).items}
    assert "Tiêu đề cũ" not in titles and "Thể tích khối chóp" in titles


def test_rebuild_refuses_a_bad_batch_size(app, search_index):
    result = app.test_cli_runner().invoke(args=["search", "rebuild", "--batch-size", "0"])
    assert result.exit_code != 0
    assert "batch-size" in result.output


def test_reconcile_fills_an_empty_index(app, content, search_index):
    search_index.clear()  # a fresh install, or an index directory that was lost
    with app.app_context():
        from lms.search.reconcile import reconcile

        report = reconcile()
    assert sorted(report.missing) == sorted([f"question:{content['q1']}", f"question:{content['q2']}",
                                             f"lecture:{content['lecture']}"])
    assert (report.stale, report.extra) == ([], [])
    assert search_index.doc_count() == 3
