"""Students never lose their score: every submitted attempt links to its review, and the teacher's explicit
“Công bố điểm” makes the exam's gradebook column visible in “Điểm của tôi”. Linking an exam to the gradebook
respects the Thông tư 22 column counts (a new column that does not fit is a 422; an existing column can be
picked instead)."""
from __future__ import annotations

import pytest

from tests.exams.conftest import exam_body, make_question, single_choice


@pytest.fixture
def questions(app, world):
    return [make_question(app, world.teacher, single_choice(i)) for i in range(1, 5)]


def _exam(world, questions, **overrides):
    body = exam_body(world, questions, gradebook={"column_kind": "tx", "semester": 1}, **overrides)
    resp = world.as_("teacher").post("/exams", json=body)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def _sit(world, exam_id, answers, who="student"):
    client = world.as_(who)
    attempt = client.post(f"/exams/{exam_id}/attempts").get_json()
    client.put(f"/attempts/{attempt['id']}/answers", json={"answers": answers})
    assert client.post(f"/attempts/{attempt['id']}/submit").status_code == 200
    return attempt["id"]


def _my_exam_columns(world):
    me = world.as_("student").get(f"/gradebook/students/{world.student}").get_json()
    return [c for s in me["subjects"] for sem in s["semesters"].values() for c in sem["columns"] if c["exam_id"]]


def test_exam_card_links_every_submitted_attempt_with_the_score_the_policy_allows(world, questions):
    exam = _exam(world, questions, max_attempts=1, review="after_submit")
    attempt_id = _sit(world, exam["id"], {str(q): "b" for q in questions[:3]})
    card = next(e for e in world.as_("student").get("/exams/assigned").get_json()["items"] if e["id"] == exam["id"])
    assert card["attempts_used"] == 1 and card["open_attempt_id"] is None
    assert [(a["id"], a["status"], a["score_10"]) for a in card["attempts"]] == [(attempt_id, "graded", "7.5")]
    assert card["last_attempt"]["id"] == attempt_id and card["scores_released"] is False
    assert world.as_("student").get(f"/attempts/{attempt_id}").status_code == 200

    hidden = _exam(world, questions, title="Kiểm tra chờ đóng", review="after_close")
    _sit(world, hidden["id"], {str(questions[0]): "b"})
    card = next(e for e in world.as_("student").get("/exams/assigned").get_json()["items"] if e["id"] == hidden["id"])
    assert card["attempts"][0]["score_10"] is None and card["attempts"][0]["review"] == "none"


def test_release_scores_shows_the_exam_column_in_the_students_gradebook(world, questions):
    exam = _exam(world, questions)
    attempt_id = _sit(world, exam["id"], {str(q): "b" for q in questions})
    assert _my_exam_columns(world) == []  # unreleased: the student does not see it yet

    teacher = world.as_("teacher")
    resp = teacher.post(f"/exams/{exam['id']}/release", json={})
    assert resp.status_code == 200 and resp.get_json()["scores_released_at"]
    columns = _my_exam_columns(world)
    assert [(c["title"], c["value"], c["attempt_id"]) for c in columns] == [("Kiểm tra 15 phút", "10.0", attempt_id)]
    card = next(e for e in world.as_("student").get("/exams/assigned").get_json()["items"] if e["id"] == exam["id"])
    assert card["scores_released"] is True

    # Withdrawing hides it again; a later save of the exam does not undo a release.
    assert teacher.post(f"/exams/{exam['id']}/release", json={"released": False}).status_code == 200
    assert _my_exam_columns(world) == []
    teacher.post(f"/exams/{exam['id']}/release", json={"released": True})
    assert teacher.patch(f"/exams/{exam['id']}", json={"title": "Kiểm tra 15 phút (sửa)"}).status_code == 200
    assert [c["title"] for c in _my_exam_columns(world)] == ["Kiểm tra 15 phút (sửa)"]


@pytest.mark.parametrize("who,status", [("student", 403), ("admin", 403), ("department", 403), ("anonymous", 401),
                                        ("teacher2", 404)])
def test_only_the_exams_teacher_releases_scores(world, questions, who, status):
    exam = _exam(world, questions)
    assert world.as_(who).post(f"/exams/{exam['id']}/release", json={}).status_code == status
    assert _my_exam_columns(world) == []


def test_release_is_a_422_for_a_bad_body(world, questions):
    exam = _exam(world, questions)
    assert world.as_("teacher").post(f"/exams/{exam['id']}/release", json={"released": "maybe"}).status_code == 422


def _manual_columns(world, kind, count, semester=1):
    teacher = world.as_("teacher")
    ids = []
    for n in range(count):
        resp = teacher.post("/gradebook/columns", json={"class_id": world.klass, "subject": "toan",
                                                        "semester": semester, "kind": kind, "title": f"{kind} {n + 1}"})
        assert resp.status_code == 201, resp.get_json()
        ids.append(resp.get_json()["id"])
    return ids


def test_linking_an_exam_to_a_full_book_is_a_422_naming_the_rule(world, questions):
    _manual_columns(world, "tx", 4)  # Toán 10: 105 periods a year -> 4 ĐĐGtx per semester
    resp = world.as_("teacher").post("/exams", json=exam_body(world, questions,
                                                              gradebook={"column_kind": "tx", "semester": 1}))
    assert resp.status_code == 422
    message = resp.get_json()["errors"]["gradebook"][0]
    assert "4 cột ĐĐGtx" in message and "Thông tư 22" in message and "10A1" in message
    book = world.as_("teacher").get(f"/gradebook?class_id={world.klass}&subject=toan&semester=1").get_json()
    assert len(book["columns"]) == 4  # nothing half-written
    assert world.as_("teacher").get("/exams").get_json()["total"] == 0

    _manual_columns(world, "gk", 1)
    resp = world.as_("teacher").post("/exams", json=exam_body(world, questions,
                                                              gradebook={"column_kind": "gk", "semester": 1}))
    assert resp.status_code == 422 and "1 cột ĐĐGgk" in resp.get_json()["errors"]["gradebook"][0]


def test_exam_fills_a_picked_existing_column(world, questions):
    tx = _manual_columns(world, "tx", 4)
    body = exam_body(world, questions, gradebook={"column_kind": "tx", "semester": 1,
                                                  "columns": {str(world.klass): tx[1]}})
    resp = world.as_("teacher").post("/exams", json=body)
    assert resp.status_code == 201, resp.get_json()
    exam = resp.get_json()
    _sit(world, exam["id"], {str(q): "b" for q in questions[:2]})
    book = world.as_("teacher").get(f"/gradebook?class_id={world.klass}&subject=toan&semester=1").get_json()
    assert len(book["columns"]) == 4
    picked = next(c for c in book["columns"] if c["id"] == tx[1])
    assert picked["exam_id"] == exam["id"] and picked["title"] == "tx 2"  # the teacher's name is kept
    row = next(r for r in book["rows"] if r["student_id"] == world.student)
    assert row["scores"][str(tx[1])] == "5.0"

    # A column of another kind or already fed by another exam cannot be picked.
    gk = _manual_columns(world, "gk", 1)[0]
    bad = exam_body(world, questions, gradebook={"column_kind": "tx", "semester": 1, "columns": {str(world.klass): gk}})
    assert world.as_("teacher").post("/exams", json=bad).status_code == 422
    taken = exam_body(world, questions, gradebook={"column_kind": "tx", "semester": 1,
                                                   "columns": {str(world.klass): tx[1]}})
    resp = world.as_("teacher").post("/exams", json=taken)
    assert resp.status_code == 422 and "bài kiểm tra khác" in resp.get_json()["errors"]["gradebook"][0]


def _login(app, username):
    from tests.conftest import PASSWORD

    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
    return client


def test_pages_link_the_attempt_and_release_the_scores(app, world, questions):
    exam = _exam(world, questions, max_attempts=1)
    attempt_id = _sit(world, exam["id"], {str(q): "b" for q in questions[:3]})
    student = _login(app, "hs.anh")
    card = student.get("/exams/").get_data(as_text=True)
    assert f'/exams/attempts/{attempt_id}' in card and "Xem bài làm lượt 1" in card and "7,5 điểm" in card
    assert "Kiểm tra 15 phút" not in student.get("/gradebook/me").get_data(as_text=True)

    teacher = _login(app, "gv.lan")
    page = teacher.get(f"/exams/{exam['id']}/results").get_data(as_text=True)
    assert "Chưa công bố" in page and "Công bố điểm" in page
    resp = teacher.post(f"/exams/{exam['id']}/release", data={"released": "1"})
    assert resp.status_code == 302
    assert "Đã công bố" in teacher.get(f"/exams/{exam['id']}/results").get_data(as_text=True)
    mine = student.get("/gradebook/me").get_data(as_text=True)
    assert "Kiểm tra 15 phút" in mine and f'/exams/attempts/{attempt_id}' in mine
    assert _login(app, "gv.minh").post(f"/exams/{exam['id']}/release", data={"released": "1"}).status_code == 404


def test_exam_form_picks_a_column_or_shows_the_rule(app, world, questions):
    tx = _manual_columns(world, "tx", 4)
    teacher = _login(app, "gv.lan")
    form = {"title": "Kiểm tra 15 phút lần 3", "subject": "toan", "grade": "10", "class_ids": str(world.klass),
            "mode": "exam", "max_attempts": "1", "review": "after_submit", "counted": "best",
            "gradebook_kind": "tx", "semester": "1", "build": "questions", "section_title": "Phần I",
            "points_per_question": "1", "scoring": "proportional",
            "question_ids": ",".join(map(str, questions))}
    resp = teacher.post("/exams/new", data=form)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "4 cột ĐĐGtx" in html and "Thông tư 22" in html
    resp = teacher.post("/exams/new", data={**form, f"gradebook_column_{world.klass}": str(tx[2])})
    assert resp.status_code == 302
    book = world.as_("teacher").get(f"/gradebook?class_id={world.klass}&subject=toan&semester=1").get_json()
    assert [c["exam_id"] is not None for c in book["columns"]] == [False, False, True, False]


def test_gradebook_grid_shows_class_summary_charts(app, world):
    tx = _manual_columns(world, "tx", 4) + _manual_columns(world, "gk", 1) + _manual_columns(world, "ck", 1)
    teacher = world.as_("teacher")
    for column, (a, b) in zip(tx, [("8", "5"), ("7.5", "4"), ("9", "6"), ("6", "5"), ("7", "4.5"), ("8.5", "3")]):
        resp = teacher.put(f"/gradebook/columns/{column}/scores",
                           json={"scores": {str(world.student): a, str(world.student2): b}})
        assert resp.status_code == 200, resp.get_json()
    html = _login(app, "gv.lan").get(f"/gradebook/grid?class_id={world.klass}&subject=toan&semester=1") \
        .get_data(as_text=True)
    assert "Thống kê của lớp" in html and 'data-testid="gb-bands-chart"' in html
    # 7,8 (the DOMAIN.md example) falls in 6,5 – dưới 8,0; 4,2 in 3,5 – dưới 5,0.
    assert "6,5 – dưới 8,0: 1" in html and "3,5 – dưới 5,0: 1" in html
    assert "Điểm trung bình của lớp theo từng cột điểm" in html and "6,5" in html  # (8 + 5) / 2

