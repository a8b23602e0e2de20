"""Review policies never let a submitted attempt teach the key while the exam is open to others (issue 12),
and the student's exam list (GET /exams/assigned) in its contract shape, per role."""
from __future__ import annotations

from datetime import timedelta

import pytest

from lms.core.db import utcnow

from .conftest import close_exam, single_choice
from .test_key_leak import leaks

#: What a student may see after submitting, while the exam is open and once it has closed.
EXPECTED = {"immediately": ("full", "full"), "after_submit": ("score", "full"),
            "after_close": ("none", "full"), "never": ("score", "score")}
#: Per-question marks that give the key away when they sit next to the student's own answer.
MARKS = {"correct", "points_earned", "correct_answer", "explanation"}


def _open_until():
    return (utcnow() + timedelta(days=2)).isoformat()


@pytest.mark.parametrize("review", sorted(EXPECTED))
def test_each_policy_shows_what_it_promises(app, world, bank, make_exam, review):
    ids = [bank.q(single_choice(i)) for i in range(1, 4)]
    exam = make_exam(ids, review=review, closes_at=_open_until())
    student = world.as_("student")
    attempt = student.post(f"/exams/{exam['id']}/attempts").get_json()
    student.put(f"/attempts/{attempt['id']}/answers", json={"answers": {str(ids[0]): "b", str(ids[1]): "a"}})
    submitted = student.post(f"/attempts/{attempt['id']}/submit").get_json()
    while_open, after_close = EXPECTED[review]
    doc = student.get(f"/attempts/{attempt['id']}").get_json()
    assert doc["review"] == while_open
    # The student always sees the paper and their own answers.
    assert doc["answers"] == {str(ids[0]): "b", str(ids[1]): "a"} and len(doc["questions"]) == 3
    if while_open == "full":
        assert all("correct_answer" in q for q in doc["questions"])
    else:
        assert not any(MARKS & set(q) for q in doc["questions"]), doc["questions"]
        assert leaks(doc) == []
    shows_score = while_open in ("score", "full")
    assert (submitted["score"] == "1.00") if shows_score else submitted["score"] is None
    assert ("score" in doc) == shows_score
    page = student._client.get(f"/exams/attempts/{attempt['id']}",
                               headers={"Authorization": f"Bearer {student.token}"})
    html = page.get_data(as_text=True)
    if while_open != "full":
        assert "Đáp án:" not in html and "review-ok" not in html and "review-bad" not in html
        assert "Em trả lời" in html and "Lời giải" not in html
    close_exam(app, exam["id"])
    closed = student.get(f"/attempts/{attempt['id']}").get_json()
    assert closed["review"] == after_close
    if after_close == "full":
        assert [q["correct"] for q in closed["questions"]].count(True) == 1
    else:
        assert leaks(closed) == []


def test_first_attempt_does_not_teach_the_second(app, world, bank, make_exam):
    ids = [bank.q(single_choice(i, correct="c")) for i in range(1, 5)]
    exam = make_exam(ids, review="after_submit", max_attempts=2, counted="best", closes_at=_open_until())
    student = world.as_("student")
    first = student.post(f"/exams/{exam['id']}/attempts").get_json()
    # Guess differently on each question: a per-question mark would say which guesses hit.
    student.put(f"/attempts/{first['id']}/answers",
                json={"answers": {str(q): letter for q, letter in zip(ids, "abcd")}})
    result = student.post(f"/attempts/{first['id']}/submit").get_json()
    assert result["score"] == "1.00" and result["score_10"] == "2.5"
    review = student.get(f"/attempts/{first['id']}").get_json()
    assert review["review"] == "score" and leaks(review) == []
    second = student.post(f"/exams/{exam['id']}/attempts")
    assert second.status_code == 201 and leaks(second.get_json()) == []
    listed = student.get("/exams/assigned").get_json()["items"][0]
    assert listed["attempts_used"] == 2 and listed["open_attempt_id"] == second.get_json()["id"]
    assert listed["last_attempt"]["id"] == first["id"] and listed["last_attempt"]["score_10"] == "2.5"
    assert listed["last_attempt"]["review"] == "score"
    # A classmate still sitting it learns nothing from the first student either.
    assert student.get(f"/attempts/{first['id']}").get_json()["questions"][0].keys().isdisjoint(MARKS)


def test_assigned_list_has_the_contract_shape(app, world, bank, make_exam):
    ids = [bank.q(single_choice(i)) for i in range(1, 3)]
    hidden = make_exam(ids, title="Giữa kì", review="after_close", closes_at=_open_until())
    shown = make_exam(ids, title="15 phút", review="after_submit", max_attempts=3)
    make_exam(ids, title="Chưa làm", review="immediately")
    student = world.as_("student")
    for exam in (hidden, shown):
        attempt = student.post(f"/exams/{exam['id']}/attempts").get_json()
        student.put(f"/attempts/{attempt['id']}/answers", json={"answers": {str(ids[0]): "b"}})
        student.post(f"/attempts/{attempt['id']}/submit")
    resp = student.get("/exams/assigned")
    assert resp.status_code == 200, resp.get_json()
    items = {row["title"]: row for row in resp.get_json()["items"]}
    assert set(items) == {"Giữa kì", "15 phút", "Chưa làm"}
    for row in items.values():
        assert {"id", "title", "opens_at", "closes_at", "attempts_used", "max_attempts", "last_attempt"} <= set(row)
    assert items["Chưa làm"]["attempts_used"] == 0 and items["Chưa làm"]["last_attempt"] is None
    assert items["15 phút"]["max_attempts"] == 3 and items["15 phút"]["attempts_used"] == 1
    assert items["15 phút"]["last_attempt"]["score_10"] == "5.0"
    assert items["15 phút"]["last_attempt"]["status"] == "graded"
    # after_close: the score is not released before the exam closes, then it is.
    assert items["Giữa kì"]["last_attempt"]["score_10"] is None
    close_exam(app, hidden["id"])
    again = {row["title"]: row for row in student.get("/exams/assigned").get_json()["items"]}
    assert again["Giữa kì"]["last_attempt"]["score_10"] == "5.0"
    # The page built on it still renders.
    page = student._client.get("/exams/", headers={"Authorization": f"Bearer {student.token}"})
    assert page.status_code == 200 and "15 phút" in page.get_data(as_text=True)


def test_assigned_list_per_role(app, world, bank, make_exam):
    ids = [bank.q(single_choice(1))]
    make_exam(ids, title="Bài của lớp")
    own = world.as_("student").get("/exams/assigned")
    assert own.status_code == 200 and [r["title"] for r in own.get_json()["items"]] == ["Bài của lớp"]
    assert world.as_("student").get(f"/exams/assigned?student_id={world.student}").status_code == 200
    # Another student's list is not theirs to read; an outsider has nothing assigned.
    assert world.as_("student").get(f"/exams/assigned?student_id={world.student2}").status_code == 404
    assert world.as_("outsider").get("/exams/assigned").get_json() == {"items": []}
    # The student's teacher sees what the student sees; another teacher does not.
    teacher = world.as_("teacher").get(f"/exams/assigned?student_id={world.student}")
    assert teacher.status_code == 200 and teacher.get_json() == own.get_json()
    assert world.as_("teacher").get("/exams/assigned").status_code == 404
    assert world.as_("teacher2").get(f"/exams/assigned?student_id={world.student}").status_code == 404
    assert world.as_("teacher").get(f"/exams/assigned?student_id={world.teacher2}").status_code == 404
    for role in ("admin", "department"):
        resp = world.as_(role).get("/exams/assigned")
        assert resp.status_code == 403 and resp.headers["Content-Type"].startswith("application/problem+json")
    assert world.as_("anonymous").get("/exams/assigned").status_code == 401
    assert world.as_("student").get("/exams/assigned?student_id=99999999999999").status_code in (404, 422)


def test_teacher_form_says_what_each_policy_shows(app, world):
    from .test_pages_teacher import _login

    page = _login(app, "gv.lan").get("/exams/new").get_data(as_text=True)
    assert 'aria-describedby="review-help"' in page and "Học sinh thấy gì sau khi nộp bài" in page
    for option in ("immediately", "after_submit", "after_close", "never"):
        assert f'<option value="{option}"' in page
    # after_submit: why there is no per-question mark while the exam is open.
    assert "chính là đáp án" in page and "Sau giờ đóng bài thấy" in page
    assert "không bao giờ thấy đáp án" in page  # never
