"""The student's home page: exams to sit next (soonest deadline first, in Vietnam time) and recent results."""
from datetime import datetime, timedelta, timezone

from tests.conftest import PASSWORD


def _login(app, username):
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
    return client


def test_home_lists_open_exams_by_deadline_and_recent_results(app, world, bank, make_exam):
    ids = bank.choices(4)
    soon = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(hours=3)
    later = make_exam(ids, title="Kiểm tra cuối tuần", closes_at=(soon + timedelta(days=3)).isoformat())
    urgent = make_exam(ids, title="Kiểm tra 15 phút gấp", closes_at=soon.isoformat())
    done = make_exam(ids, title="Bài đã làm", max_attempts=1)
    student = world.as_("student")
    attempt = student.post(f"/exams/{done['id']}/attempts").get_json()
    student.put(f"/attempts/{attempt['id']}/answers", json={"answers": {str(ids[0]): "b"}})
    student.post(f"/attempts/{attempt['id']}/submit")

    html = _login(app, "hs.anh").get("/dashboard").get_data(as_text=True)
    assert "Bài kiểm tra cần làm" in html
    assert html.index("Kiểm tra 15 phút gấp") < html.index("Kiểm tra cuối tuần")
    local = (soon + timedelta(hours=7)).strftime("%H:%M %d/%m/%Y")  # Asia/Ho_Chi_Minh is UTC+7
    assert local in html and "Sắp hết hạn" in html and "UTC" not in html
    results = html[html.index("Kết quả gần đây"):]
    assert "Bài đã làm" in results and f"/exams/attempts/{attempt['id']}" in results and "2,5 điểm" in results
    assert "Bài đã làm" not in html[:html.index("Kết quả gần đây")]  # no attempts left: not in the to-do list
    assert f"/exams/{urgent['id']}/start" in html and f"/exams/{later['id']}/start" in html


def test_instructions_before_the_timer_starts(app, world, bank, make_exam):
    ids = bank.choices(3)
    exam = make_exam(ids, title="Kiểm tra 15 phút", duration_minutes=15, max_attempts=1)
    client = _login(app, "hs.anh")
    html = client.get(f"/exams/{exam['id']}/start").get_data(as_text=True)
    assert "Quy định làm bài" in html and "15 phút" in html and "3 câu" in html and "Đã làm 0/1 lượt" in html
    assert f"/exams/{exam['id']}/take" in html and "Bắt đầu làm bài" in html
    assert world.as_("student").get("/exams/assigned").get_json()["items"][0]["open_attempt_id"] is None  # no timer yet
    attempt = world.as_("student").post(f"/exams/{exam['id']}/attempts").get_json()
    resp = client.get(f"/exams/{exam['id']}/start")  # a running attempt goes straight back to the paper
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/exams/{exam['id']}/take")
    world.as_("student").post(f"/attempts/{attempt['id']}/submit")
    html = client.get(f"/exams/{exam['id']}/start").get_data(as_text=True)
    assert "dùng hết số lượt" in html and f"/exams/attempts/{attempt['id']}" in html
    assert _login(app, "hs.ngoai").get(f"/exams/{exam['id']}/start").status_code == 404
    assert _login(app, "gv.lan").get(f"/exams/{exam['id']}/start").status_code == 404


def test_review_marks_chosen_and_correct_options_in_the_list(app, world, bank, make_exam):
    from .conftest import tf_group

    ids = bank.choices(2) + [bank.q(tf_group(9))]
    exam = make_exam(ids, review="immediately", max_attempts=1)
    student = world.as_("student")
    attempt = student.post(f"/exams/{exam['id']}/attempts").get_json()
    student.put(f"/attempts/{attempt['id']}/answers", json={"answers": {
        str(ids[0]): "b", str(ids[1]): "c", str(ids[2]): {"a": True, "b": True, "c": True, "d": False}}})
    student.post(f"/attempts/{attempt['id']}/submit")
    html = _login(app, "hs.anh").get(f"/exams/attempts/{attempt['id']}").get_data(as_text=True)
    assert html.count('class="opt-chosen opt-correct"') == 1  # question 1: chose B, B is right
    assert html.count('class="opt-chosen opt-wrong"') == 1  # question 2: chose C, wrong
    assert html.count('class=" opt-correct"') == 1  # question 2: B is the right one
    assert "Em chọn" in html and "Đáp án đúng" in html and "Đáp án: Sai" in html
    assert html.count('class="opt-wrong"') == 1  # statement b: said Đúng, it is Sai

    hidden = make_exam(ids[:1], title="Chưa đóng", review="after_submit", max_attempts=1)
    attempt = student.post(f"/exams/{hidden['id']}/attempts").get_json()
    student.put(f"/attempts/{attempt['id']}/answers", json={"answers": {str(ids[0]): "c"}})
    student.post(f"/attempts/{attempt['id']}/submit")
    html = _login(app, "hs.anh").get(f"/exams/attempts/{attempt['id']}").get_data(as_text=True)
    assert "Em chọn" in html and "Đáp án đúng" not in html and "opt-correct" not in html and "opt-wrong" not in html
