"""Lecture CRUD, versions and the review workflow through the API."""


def test_create_returns_draft_with_sanitised_description(world, make_lecture):
    data = make_lecture(description='<p onclick="x()">Bài <script>alert(1)</script><b>1</b>'
                                    '<img src="javascript:alert(1)"> $a<b$</p>')
    assert data["status"] == "draft" and data["published"] is False
    assert "script" not in data["description"] and "onclick" not in data["description"]
    assert "javascript:" not in data["description"]
    assert "<b>1</b>" in data["description"] and "$a&lt;b$" in data["description"]


def test_create_validates_subject_audience_and_media(world, asset):
    teacher = world.as_("teacher")
    base = {"title": "T", "subject": "toan", "grade": 10}
    assert teacher.post("/lectures", json=base | {"subject": "khong-co"}).status_code == 422
    resp = teacher.post("/lectures", json=base | {"visibility": "class", "class_ids": []})
    assert resp.status_code == 422 and "class_ids" in resp.get_json()["errors"]
    # teacher2 does not teach 10A1
    resp = world.as_("teacher2").post("/lectures", json=base | {"visibility": "class", "class_ids": [world.klass]})
    assert resp.status_code == 422
    someone_elses = asset(world.teacher2)
    resp = teacher.post("/lectures", json=base | {"media_ids": [someone_elses]})
    assert resp.status_code == 422 and "media_ids" in resp.get_json()["errors"]
    assert teacher.post("/lectures", json=base | {"media_ids": [1, 1]}).status_code == 422
    assert teacher.post("/lectures", data="{", headers={"Content-Type": "application/json"}).status_code == 400


def test_students_cannot_create(world):
    resp = world.as_("student").post("/lectures", json={"title": "T", "subject": "toan", "grade": 10})
    assert resp.status_code == 403


def test_class_lecture_is_published_on_submit_and_students_see_it(world, make_lecture, asset):
    video = asset(world.teacher)
    data = make_lecture(visibility="class", class_ids=[world.klass], media_ids=[video])
    student = world.as_("student")
    assert student.get(f"/lectures/{data['id']}").status_code == 404
    world.as_("teacher").post(f"/lectures/{data['id']}/submit")
    got = student.get(f"/lectures/{data['id']}")
    assert got.status_code == 200
    body = got.get_json()
    assert body["status"] == "published" and body["reviews"] == [] and body["draft_version_id"] is None
    assert body["attachments"][0]["media_id"] == video
    assert body["attachments"][0]["media"]["download_url"] is None  # viewers stream, they do not download


def test_shared_lecture_goes_through_review(world, make_lecture):
    data = make_lecture(visibility="shared", submit=True)
    assert data["status"] == "in_review" and data["published"] is False
    lid = data["id"]
    dept = world.as_("department")
    queue = dept.get("/lectures/review-queue").get_json()
    assert [i["id"] for i in queue["items"]] == [lid]
    # Not visible to others until approved
    assert world.as_("student").get(f"/lectures/{lid}").status_code == 404
    assert world.as_("teacher2").get(f"/lectures/{lid}").status_code == 404
    # Reject needs a reason
    assert dept.post(f"/lectures/{lid}/review", json={"decision": "reject", "comment": " "}).status_code == 422
    rejected = dept.post(f"/lectures/{lid}/review", json={"decision": "reject", "comment": "Thiếu nguồn"})
    assert rejected.status_code == 200 and rejected.get_json()["status"] == "rejected"
    assert dept.post(f"/lectures/{lid}/review", json={"decision": "approve"}).status_code == 409
    teacher = world.as_("teacher")
    assert teacher.post(f"/lectures/{lid}/submit").status_code == 409  # fix first
    edited = teacher.patch(f"/lectures/{lid}", json={"licence_note": "CC BY", "description": "<p>Nguồn: SGK</p>"})
    assert edited.get_json()["version_number"] == 2 and edited.get_json()["status"] == "draft"
    assert teacher.post(f"/lectures/{lid}/submit").get_json()["status"] == "in_review"
    approved = dept.post(f"/lectures/{lid}/review", json={"decision": "approve", "comment": "Tốt"}).get_json()
    assert approved["status"] == "published" and approved["published"]
    assert [(r["decision"], r["version_number"]) for r in approved["reviews"]] == [("reject", 1), ("approve", 2)]
    assert world.as_("outsider").get(f"/lectures/{lid}").status_code == 200


def test_teachers_cannot_review(world, make_lecture):
    data = make_lecture(visibility="shared", submit=True)
    assert world.as_("teacher").post(f"/lectures/{data['id']}/review", json={"decision": "approve"}).status_code == 403


def test_editing_published_keeps_it_visible_until_the_new_version_is_approved(world, make_lecture):
    dept, teacher, student = world.as_("department"), world.as_("teacher"), world.as_("student")
    lid = make_lecture(title="Bản một", visibility="shared", submit=True)["id"]
    dept.post(f"/lectures/{lid}/review", json={"decision": "approve"})
    edited = teacher.patch(f"/lectures/{lid}", json={"title": "Bản hai"}).get_json()
    assert edited["title"] == "Bản hai" and edited["status"] == "draft" and edited["published"]
    assert student.get(f"/lectures/{lid}").get_json()["title"] == "Bản một"
    teacher.post(f"/lectures/{lid}/submit")
    assert teacher.patch(f"/lectures/{lid}", json={"title": "Bản ba"}).status_code == 409  # frozen in review
    assert student.get(f"/lectures/{lid}").get_json()["title"] == "Bản một"
    assert dept.get(f"/lectures/{lid}").get_json()["title"] == "Bản hai"  # the reviewer reads the submission
    assert dept.get(f"/lectures/{lid}?version=published").get_json()["title"] == "Bản một"
    assert student.get(f"/lectures/{lid}?version=draft").status_code == 404
    listed = student.get("/lectures?q=Bản").get_json()["items"]
    assert [i["title"] for i in listed] == ["Bản một"]
    dept.post(f"/lectures/{lid}/review", json={"decision": "approve"})
    assert student.get(f"/lectures/{lid}").get_json()["title"] == "Bản hai"
    assert teacher.get(f"/lectures/{lid}").get_json()["versions"][-1]["number"] == 2


def test_rejected_edit_leaves_published_version(world, make_lecture):
    dept, teacher, student = world.as_("department"), world.as_("teacher"), world.as_("student")
    lid = make_lecture(title="Gốc", visibility="shared", submit=True)["id"]
    dept.post(f"/lectures/{lid}/review", json={"decision": "approve"})
    teacher.patch(f"/lectures/{lid}", json={"title": "Sửa"})
    teacher.post(f"/lectures/{lid}/submit")
    dept.post(f"/lectures/{lid}/review", json={"decision": "reject", "comment": "Chưa đạt"})
    assert student.get(f"/lectures/{lid}").get_json()["title"] == "Gốc"


def test_class_lecture_cannot_become_shared_without_review(world, make_lecture):
    teacher, student2 = world.as_("teacher"), world.as_("outsider")
    lid = make_lecture(visibility="class", class_ids=[world.klass], submit=True)["id"]
    teacher.patch(f"/lectures/{lid}", json={"visibility": "shared"})
    assert teacher.post(f"/lectures/{lid}/submit").get_json()["status"] == "in_review"
    assert student2.get(f"/lectures/{lid}").status_code == 404
    assert world.as_("student").get(f"/lectures/{lid}").status_code == 200  # still published to the class


def test_only_the_owner_edits_and_deletes(world, make_lecture, asset):
    video = asset(world.teacher)
    lid = make_lecture(visibility="school", media_ids=[video], submit=True)["id"]
    assert world.as_("teacher2").patch(f"/lectures/{lid}", json={"title": "X"}).status_code == 403
    assert world.as_("teacher2").delete(f"/lectures/{lid}").status_code == 403
    assert world.as_("teacher").delete(f"/lectures/{lid}").status_code == 204
    assert world.as_("teacher").get(f"/lectures/{lid}").status_code == 404


def test_attachments_keep_order_and_titles(world, make_lecture, asset):
    a, b, c = asset(world.teacher), asset(world.teacher, kind="pdf"), asset(world.teacher, kind="document")
    lid = make_lecture(attachments=[{"media_id": a, "title": "Video"}, {"media_id": b, "title": "Phiếu"}])["id"]
    resp = world.as_("teacher").patch(f"/lectures/{lid}", json={"media_ids": [c, b, a]})
    atts = resp.get_json()["attachments"]
    assert [(x["media_id"], x["title"]) for x in atts] == [(c, atts[0]["title"]), (b, "Phiếu"), (a, "Video")]


def test_list_filters_and_pagination(world, make_lecture):
    make_lecture(title="Toán 10", visibility="school", submit=True)
    make_lecture(title="Lý 11", subject="vat-li", grade=11, visibility="school", submit=True)
    student = world.as_("student")
    assert student.get("/lectures").get_json()["total"] == 2
    assert [i["title"] for i in student.get("/lectures?subject=vat-li").get_json()["items"]] == ["Lý 11"]
    assert student.get("/lectures?grade=10").get_json()["total"] == 1
    assert student.get("/lectures?per_page=1&page=2").get_json()["items"][0]["title"] in ("Toán 10", "Lý 11")
    assert student.get("/lectures?grade=99").status_code == 422
    assert student.get("/lectures?per_page=1000").status_code == 422
