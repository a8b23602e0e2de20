"""Parents (phụ huynh): who may link a parent to a student, and what ``/me/children`` answers."""


def test_homeroom_teacher_links_a_parent_idempotently(world, factory):
    mother = factory.user("parent", username="ph.bao", full_name="Phạm Thị Mẹ")
    homeroom = world.as_("teacher")
    resp = homeroom.post(f"/students/{world.student2}/guardians", json={"parent_id": mother, "relation": "mẹ"})
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json() == [{"parent_id": mother, "username": "ph.bao", "full_name": "Phạm Thị Mẹ",
                                "relation": "mẹ"}]
    again = homeroom.post(f"/students/{world.student2}/guardians", json={"parent_id": mother})
    assert again.status_code == 201 and len(again.get_json()) == 1 and again.get_json()[0]["relation"] == "mẹ"
    assert homeroom.get(f"/students/{world.student2}/guardians").get_json()[0]["parent_id"] == mother
    children = factory.api(mother).get("/me/children")
    assert children.status_code == 200
    assert children.get_json() == [{"id": world.student2, "full_name": "Phạm Gia Bảo", "class": "10A1",
                                    "class_id": world.klass, "school": "Trường THPT Chu Văn An",
                                    "school_year": "2026-2027", "relation": "mẹ"}]


def test_only_admin_and_homeroom_teacher_link_and_only_parent_accounts(world, factory):
    mother = factory.user("parent")
    body = {"parent_id": mother}
    # Another teacher of the school, even one teaching the class, does not see the student's family.
    factory.assign(world.klass, world.teacher2, "ngu-van")
    assert world.as_("teacher2").post(f"/students/{world.student}/guardians", json=body).status_code == 404
    assert world.as_("student").post(f"/students/{world.student}/guardians", json=body).status_code == 403
    assert world.as_("parent").post(f"/students/{world.student}/guardians", json=body).status_code == 403
    assert world.as_("teacher").post(f"/students/{world.outsider}/guardians", json=body).status_code == 404
    assert world.as_("admin").post(f"/students/{world.teacher}/guardians", json=body).status_code == 404
    # A student or teacher account cannot be made someone's parent.
    resp = world.as_("admin").post(f"/students/{world.student}/guardians", json={"parent_id": world.student2})
    assert resp.status_code == 422 and "parent_id" in resp.get_json()["errors"]
    assert world.as_("admin").post(f"/students/{world.student}/guardians", json={}).status_code == 422
    assert world.as_("admin").post(f"/students/{world.outsider}/guardians", json=body).status_code == 201


def test_unlink_ends_access_at_once(world):
    parent = world.as_("parent")
    assert parent.get(f"/gradebook/students/{world.student}").status_code == 200
    assert world.as_("teacher").delete(f"/students/{world.student}/guardians/{world.parent}").status_code == 204
    assert parent.get(f"/gradebook/students/{world.student}").status_code == 404
    assert parent.get("/me/children").get_json() == []
    assert world.as_("teacher").delete(f"/students/{world.student}/guardians/{world.parent}").status_code == 404


def test_parent_with_children_in_two_schools_sees_both(world, factory):
    other_class = factory.klass(world.other_school, name="6A2", grade=6)
    factory.enrol(other_class, world.outsider)
    factory.guardian(world.parent, world.outsider, relation="bố")
    children = world.as_("parent").get("/me/children").get_json()
    assert [(c["full_name"], c["class"], c["school"]) for c in children] == [
        ("Lê Minh Anh", "10A1", "Trường THPT Chu Văn An"), ("Đỗ Văn Ngoại", "6A2", "Trường khác")]
    for role in ("student", "teacher", "admin", "department"):
        assert world.as_(role).get("/me/children").status_code == 403


def test_a_parent_reads_only_their_childs_data(world):
    parent = world.as_("parent")
    for url in ("/gradebook/students/{}", "/exams/assigned?student_id={}", "/lectures/progress?student_id={}"):
        assert parent.get(url.format(world.student)).status_code == 200, url
        for other in (world.student2, world.outsider, world.teacher, 999999):
            assert parent.get(url.format(other)).status_code == 404, (url, other)
    assert parent.get("/exams/assigned").status_code == 404  # a parent must say which child
    assert parent.get("/lectures/progress").status_code == 404
