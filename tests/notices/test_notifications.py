"""In-app notices from the lower packages' signals: an exam assigned, a score released, a lecture or a question
reviewed; once each; marking read; nobody reads another's notice."""
from tests.exams.conftest import single_choice
from tests.question_bank.helpers import create


def _kinds(client):
    return [(n["kind"], n["title"]) for n in client.get("/notifications").get_json()["items"]]


def test_exam_assigned_once_to_students_and_parents(world, app):
    from tests.exams.conftest import make_question

    qid = make_question(app, world.teacher, single_choice(1))
    body = {"title": "Kiểm tra 15 phút", "subject": "toan", "grade": 10, "class_ids": [world.klass], "mode": "exam",
            "duration_minutes": 15, "review": "after_submit", "max_attempts": 1,
            "sections": [{"title": "Trắc nghiệm", "points_per_question": "1", "scoring": "proportional",
                          "question_ids": [qid]}]}
    exam = world.as_("teacher").post("/exams", json=body).get_json()
    renamed = world.as_("teacher").patch(f"/exams/{exam['id']}", json={"title": "Kiểm tra 15 phút (sửa)"})
    assert renamed.status_code == 200
    for who in ("student", "student2", "parent"):
        assert _kinds(world.as_(who)) == [("exam_assigned", "Bài kiểm tra mới: Kiểm tra 15 phút")], who
    assert _kinds(world.as_("outsider")) == []


def test_score_released_notifies_when_the_column_is_released(world):
    teacher = world.as_("teacher")
    column = teacher.post("/gradebook/columns", json={"class_id": world.klass, "subject": "toan", "semester": 1,
                                                      "kind": "tx", "title": "Kiểm tra miệng"}).get_json()["id"]
    teacher.put(f"/gradebook/columns/{column}/scores", json={"scores": {str(world.student): 8}})
    assert _kinds(world.as_("student")) == []  # entering scores is not releasing them
    teacher.patch(f"/gradebook/columns/{column}", json={"released": True})
    teacher.patch(f"/gradebook/columns/{column}", json={"released": False})
    teacher.patch(f"/gradebook/columns/{column}", json={"released": True})
    expected = [("score_released", "Đã công bố điểm Toán (HKI): Kiểm tra miệng")]
    assert _kinds(world.as_("student")) == expected and _kinds(world.as_("parent")) == expected


def test_lecture_and_question_reviews_notify_the_author(world):
    teacher, dept = world.as_("teacher"), world.as_("department")
    lecture = teacher.post("/lectures", json={"title": "Hàm số", "subject": "toan", "grade": 10,
                                              "description": "<p>Đồ thị</p>", "visibility": "shared"}).get_json()["id"]
    teacher.post(f"/lectures/{lecture}/submit")
    dept.post(f"/lectures/{lecture}/review", json={"decision": "reject", "comment": "Thiếu nguồn"})
    qid = create(teacher)["id"]
    teacher.post(f"/questions/{qid}/submit", json={})
    assert dept.post(f"/questions/{qid}/review", json={"decision": "approve"}).status_code == 200
    kinds = _kinds(teacher)
    assert ("lecture_reviewed", "Bài giảng “Hàm số” cần chỉnh sửa (bị trả lại)") in kinds
    assert any(k == "question_reviewed" and t.endswith("đã được xuất bản") for k, t in kinds)


def test_mark_read_is_the_owners_only(world):
    world.as_("teacher").post("/announcements", json={"title": "Thông báo", "class_ids": [world.klass]})
    note = world.as_("student").get("/notifications").get_json()["items"][0]
    assert world.as_("student2").post(f"/notifications/{note['id']}/read").status_code == 404
    resp = world.as_("student").post(f"/notifications/{note['id']}/read")
    assert resp.status_code == 200 and resp.get_json()["read"] is True
    assert world.as_("student").get("/notifications").get_json()["unread"] == 0
    assert world.as_("student").post("/notifications/999999/read").status_code == 404
