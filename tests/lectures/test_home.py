"""The student's home page: “Xem tiếp” with the resume position, and lectures set for the class."""
from tests.conftest import PASSWORD


def _login(app, username):
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
    return client


def test_home_lists_lectures_to_watch_and_continue_watching_with_position(app, world, make_lecture, asset):
    video = asset(world.teacher, duration_s=600.0)
    started = make_lecture(title="Hàm số bậc hai", visibility="class", class_ids=[world.klass], media_ids=[video],
                           submit=True)
    fresh = make_lecture(title="Mệnh đề và tập hợp", visibility="class", class_ids=[world.klass],
                         media_ids=[asset(world.teacher)], submit=True)
    make_lecture(title="Bản nháp chưa giao", visibility="private")
    student = world.as_("student")
    resp = student.put(f"/lectures/{started['id']}/progress", json={"media_id": video, "position_s": 245,
                                                                    "watched": [[0, 30]]})
    assert resp.status_code == 200, resp.get_json()
    html = _login(app, "hs.anh").get("/dashboard").get_data(as_text=True)
    assert "Xem tiếp" in html and "Hàm số bậc hai" in html and "Xem tiếp từ 4:05" in html
    assert "Bài giảng nên xem" in html and "Mệnh đề và tập hợp" in html and "Giáo viên giao cho lớp" in html
    assert f"/lectures/{fresh['id']}" in html and "Bản nháp chưa giao" not in html
    # Another student of another school sees none of it; a teacher's home has no student panels.
    assert "Hàm số bậc hai" not in _login(app, "hs.ngoai").get("/dashboard").get_data(as_text=True)
    assert "Xem tiếp" not in _login(app, "gv.lan").get("/dashboard").get_data(as_text=True)


def test_clock_reads_like_a_video_player():
    from lms.lectures.home import clock

    assert [clock(0), clock(245.7), clock(3723)] == ["0:00", "4:05", "1:02:03"]


def test_teacher_sees_class_progress_as_a_chart(app, world, make_lecture, asset):
    video = asset(world.teacher, duration_s=100.0)
    lecture = make_lecture(visibility="class", class_ids=[world.klass], media_ids=[video], submit=True)
    world.as_("student").put(f"/lectures/{lecture['id']}/progress", json={"position_s": 60, "watched": [[0, 60]]})
    html = _login(app, "gv.lan").get(f"/lectures/{lecture['id']}/class-progress?class_id={world.klass}") \
        .get_data(as_text=True)
    assert 'data-testid="progress-chart"' in html
    # One student never opened it; the other watched part (how much the server credits depends on wall time).
    assert "Chưa xem: 1" in html and "Xem xong: 0" in html
    assert sum(f"{band}: 1" in html for band in ("Dưới 25%", "25–50%", "50–75%", "Từ 75%")) == 1
