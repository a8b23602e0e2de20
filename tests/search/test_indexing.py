"""Indexing follows the database: signals enqueue a job after commit, the job upserts or deletes."""
from __future__ import annotations

import threading

from lms.core.db import db
from lms.search import service
from lms.search.documents import Allow
from lms.search.whoosh_backend import SearchIndex
from lms.search.tasks import index_object

from .conftest import hits, make_question, search


def test_new_question_is_searchable_right_after_its_create_request_commits(world, search_index):
    teacher = world.as_("teacher")
    qid = make_question(teacher, "<p>Tìm nghiệm của phương trình bậc hai</p>")
    body = search(teacher, q="phuong trinh bac hai")
    assert hits(body) == [("question", qid)]
    assert "<mark>" in body["items"][0]["snippet"]


def test_edit_and_delete_are_reflected_after_commit(world, search_index):
    teacher = world.as_("teacher")
    qid = make_question(teacher, "<p>Tính đạo hàm của hàm số</p>")
    resp = teacher.patch(f"/questions/{qid}", json={"stem": "<p>Tính tích phân xác định</p>"})
    assert resp.status_code == 200, resp.get_json()
    assert search(teacher, q="dao ham")["total"] == 0
    assert hits(search(teacher, q="tich phan")) == [("question", qid)]
    assert teacher.delete(f"/questions/{qid}").status_code == 204
    assert search(teacher, q="tich phan")["total"] == 0


def test_signal_in_a_rolled_back_transaction_indexes_nothing(app, world, search_index):
    from question_bank.signals import question_changed

    teacher = world.as_("teacher")
    qid = make_question(teacher, "<p>Câu hỏi về logarit</p>")
    search_index.delete([f"question:{qid}"])
    with app.app_context():
        question_changed.send(None, question_id=qid)
        db.session.rollback()  # the change never happened: the queued job must be dropped
    assert search(teacher, q="logarit")["total"] == 0
    with app.app_context():
        question_changed.send(None, question_id=qid)
        db.session.commit()
    assert search(teacher, q="logarit")["total"] == 1


def test_index_job_is_idempotent_and_removes_what_is_gone(app, world, search_index):
    teacher = world.as_("teacher")
    qid = make_question(teacher, "<p>Xác suất của biến cố</p>")
    with app.app_context():
        index_object.run_now("question", qid)
        index_object.run_now("question", qid)
        assert service.get_index().doc_count() == 1
        index_object.run_now("question", 999_999)  # never existed: nothing to add, nothing fails
        assert service.get_index().doc_count() == 1
    assert teacher.delete(f"/questions/{qid}").status_code == 204
    with app.app_context():
        search_index.upsert([{"type": "question", "obj_id": qid, "title": "còn sót lại"}])
        change = service.index_objects("question", [qid])
        assert (change.upserted, change.deleted) == (0, 1)
        assert service.get_index().doc_count() == 0


def test_explanations_are_searched_for_staff_but_never_shown_in_snippets(world, search_index):
    teacher = world.as_("teacher")
    qid = make_question(teacher, "<p>Cho tam giác vuông</p>", explanation="<p>Áp dụng định lí Pythagore</p>")
    body = search(teacher, q="pythagore")
    assert hits(body) == [("question", qid)]
    assert "Pythagore" not in body["items"][0]["snippet"]


def test_answer_keys_never_reach_the_index(world, search_index):
    teacher = world.as_("teacher")
    qid = make_question(teacher, "<p>Di sản thiên nhiên nào ở Quảng Ninh?</p>", type="short_answer",
                        options=None, answers=[{"text": "Vịnh Hạ Long"}])
    assert hits(search(teacher, q="quang ninh")) == [("question", qid)]
    # Even the owner, who may search teacher-only text, cannot find a question by its accepted answer.
    assert search(teacher, q="vinh ha long")["total"] == 0


def test_two_writers_on_one_index_queue_instead_of_failing(app, world, search_index):
    # A second index object stands in for a worker process writing at the same time: on the same directory
    # (whoosh) or the same database through its own session (postgres).
    if isinstance(search_index, SearchIndex):
        other = SearchIndex(search_index.path, lock_timeout=30)
    else:
        other = service.open_backend(app)
    errors = []

    def write(index, start):
        try:
            for i in range(start, start + 5):
                index.upsert([{"type": "lecture", "obj_id": i, "title": f"Bài {i}"}])
        except Exception as exc:  # pragma: no cover - the assertion below reports it
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(search_index, 1)),
               threading.Thread(target=write, args=(other, 100))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    other.close()
    assert errors == []
    assert search_index.search(None, allow=Allow.everything(), per_page=20).total == 10
