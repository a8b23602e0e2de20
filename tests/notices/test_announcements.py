"""Announcements reach a class's students and their parents (newest first, with read), a school, or every
school; who may announce to whom."""


def _titles(client):
    return [(a["title"], a["read"]) for a in client.get("/announcements").get_json()]


def test_class_announcement_reaches_students_and_parents_only(world):
    teacher = world.as_("teacher")
    first = teacher.post("/announcements", json={"title": "Họp phụ huynh", "body": "Thứ Bảy, 8 giờ.\nPhòng 12.",
                                                  "class_ids": [world.klass]})
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["class_ids"] == [world.klass]
    teacher.post("/announcements", json={"title": "Nghỉ học chiều thứ Sáu", "class_ids": [world.klass]})
    for who in ("student", "student2", "parent"):
        assert _titles(world.as_(who)) == [("Nghỉ học chiều thứ Sáu", False), ("Họp phụ huynh", False)], who
    for who in ("outsider", "teacher2", "department"):
        assert _titles(world.as_(who)) == [], who
    assert [t for t, _ in _titles(teacher)] == ["Nghỉ học chiều thứ Sáu", "Họp phụ huynh"]
    parent = world.as_("parent")
    notes = parent.get("/notifications").get_json()
    assert notes["unread"] == 2 and {n["kind"] for n in notes["items"]} == {"announcement"}
    assert parent.post(f"/announcements/{first.get_json()['id']}/read").status_code == 204
    assert _titles(parent) == [("Nghỉ học chiều thứ Sáu", False), ("Họp phụ huynh", True)]
    assert parent.get("/notifications").get_json()["unread"] == 1
    assert world.as_("outsider").post(f"/announcements/{first.get_json()['id']}/read").status_code == 404


def test_who_may_announce_to_whom(world, factory):
    teacher = world.as_("teacher")
    other_class = factory.klass(world.other_school, name="11B")
    assert teacher.post("/announcements", json={"title": "x", "class_ids": [other_class]}).status_code == 404
    assert teacher.post("/announcements", json={"title": "x", "class_ids": [999999]}).status_code == 404
    assert teacher.post("/announcements", json={"title": "x"}).status_code == 422
    assert teacher.post("/announcements", json={"title": "x", "school_ids": [world.school]}).status_code == 422
    assert teacher.post("/announcements", json={"title": "", "class_ids": [world.klass]}).status_code == 422
    body = {"title": "x", "class_ids": [world.klass]}
    assert world.as_("teacher2").post("/announcements", json=body).status_code == 404
    for role in ("student", "parent"):
        assert world.as_(role).post("/announcements", json=body).status_code == 403
    # A school's admin announces to their school only; the global admin must say where.
    school_admin = factory.user("admin", world.school, username="qt.cva")
    api = factory.api(school_admin)
    assert api.post("/announcements", json={"title": "x", "school_ids": [world.other_school]}).status_code == 404
    done = api.post("/announcements", json={"title": "Lịch thi học kì I"})
    assert done.status_code == 201 and done.get_json()["school_ids"] == [world.school]
    assert ("Lịch thi học kì I", False) in _titles(world.as_("teacher2"))  # every member of the school
    assert ("Lịch thi học kì I", False) in _titles(world.as_("parent"))  # and the students' parents
    assert _titles(world.as_("outsider")) == []
    assert world.as_("admin").post("/announcements", json={"title": "x"}).status_code == 422


def test_department_announces_to_every_school(world):
    resp = world.as_("department").post("/announcements", json={"title": "Chuyển đổi số năm học mới"})
    assert resp.status_code == 201
    for who in ("student", "outsider", "teacher", "parent"):
        assert _titles(world.as_(who)) == [("Chuyển đổi số năm học mới", False)], who


def test_home_page_and_parent_portal_show_announcements(world, client):
    from tests.conftest import PASSWORD

    world.as_("teacher").post("/announcements", json={"title": "Họp phụ huynh <b>cuối kì</b>",
                                                      "class_ids": [world.klass]})
    client.post("/login", data={"username": "hs.anh", "password": PASSWORD})
    home = client.get("/dashboard").get_data(as_text=True)
    assert "Họp phụ huynh &lt;b&gt;cuối kì&lt;/b&gt;" in home  # escaped, never HTML
    assert 'aria-label="1 chưa đọc"' in home  # the header's count
    client.post("/logout")
    client.post("/login", data={"username": "ph.anh", "password": PASSWORD})
    assert "Họp phụ huynh &lt;b&gt;cuối kì&lt;/b&gt;" in client.get("/parent/").get_data(as_text=True)
