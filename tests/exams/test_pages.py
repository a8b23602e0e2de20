"""Exam pages render for their audience, keep keys off the student's screens, and the create form works."""
from __future__ import annotations

from tests.conftest import PASSWORD

from .conftest import single_choice


def _login(app, username):
    client = app.test_client()
    resp = client.post("/login", data={"username": username, "password": PASSWORD})
    assert resp.status_code == 302
    return client


def test_student_pages_list_take_and_review(app, world, bank, make_exam):
    ids = [bank.q(single_choice(1)), bank.q(single_choice(2))]
    exam = make_exam(ids, title="Ôn tập chương I", review="after_close")
    client = _login(app, "hs.anh")
    listing = client.get("/exams/")
    assert listing.status_code == 200 and "Ôn tập chương I" in listing.get_data(as_text=True)
    take = client.get(f"/exams/{exam['id']}/take")
    html = take.get_data(as_text=True)
    assert take.status_code == 200 and "take.js" in html and "<script>" not in html
    assert 'data-exam-id="%d"' % exam["id"] in html
    attempt = world.as_("student").post(f"/exams/{exam['id']}/attempts").get_json()
    world.as_("student").post(f"/attempts/{attempt['id']}/submit")
    review = client.get(f"/exams/attempts/{attempt['id']}").get_data(as_text=True)
    assert "sau khi bài kiểm tra đóng" in review and "Lời giải" not in review and "Đáp án:" not in review
    assert _login(app, "hs.bao").get(f"/exams/attempts/{attempt['id']}").status_code == 404
    assert client.get("/exams/new").status_code == 404


def test_teacher_pages_create_results_statistics(app, world, bank, make_exam):
    ids = bank.choices(3)
    client = _login(app, "gv.lan")
    form = client.get("/exams/new")
    assert form.status_code == 200 and "Mẫu đề 2025" in form.get_data(as_text=True)
    created = client.post("/exams/new", data={
        "title": "Kiểm tra nhanh", "subject": "toan", "grade": "10", "class_ids": [str(world.klass)],
        "mode": "exam", "duration_minutes": "10", "max_attempts": "1", "review": "immediately", "counted": "best",
        "build": "questions", "section_title": "Phần I", "points_per_question": "1", "scoring": "proportional",
        "question_ids": ", ".join(map(str, ids))})
    assert created.status_code == 302, created.get_data(as_text=True)
    exam_id = int(created.headers["Location"].rstrip("/").split("/")[-2])
    bad = client.post("/exams/new", data={"title": "Thiếu lớp", "subject": "toan", "grade": "10", "build": "blueprint",
                                          "points_per_question": "1", "count_van_dung": "5"})
    assert bad.status_code == 422
    attempt = world.as_("student").post(f"/exams/{exam_id}/attempts").get_json()
    world.as_("student").put(f"/attempts/{attempt['id']}/answers", json={"answers": {str(ids[0]): "b"}})
    world.as_("student").post(f"/attempts/{attempt['id']}/submit")
    results = client.get(f"/exams/{exam_id}/results").get_data(as_text=True)
    assert "Lê Minh Anh" in results and "3,3" in results and "format=csv" in results
    stats = client.get(f"/exams/{exam_id}/statistics")
    assert stats.status_code == 200 and "<svg" in stats.get_data(as_text=True)
    assert "Kiểm tra nhanh" in client.get("/exams/").get_data(as_text=True)
    assert _login(app, "gv.minh").get(f"/exams/{exam_id}/results").status_code == 404
    review = client.get(f"/exams/attempts/{attempt['id']}").get_data(as_text=True)
    assert "Đáp án:" in review
