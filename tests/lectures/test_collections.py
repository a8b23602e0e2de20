"""Collections (bộ bài giảng): order, per-reader filtering, the department's featured flag."""


def test_collection_keeps_order_and_hides_what_the_reader_may_not_see(world, make_lecture):
    teacher = world.as_("teacher")
    a = make_lecture(title="Bài 1", visibility="school", submit=True)["id"]
    b = make_lecture(title="Bài 2", visibility="private", submit=True)["id"]
    c = make_lecture(title="Bài 3", visibility="school", submit=True)["id"]
    resp = teacher.post("/collections", json={"title": "Chương 1", "visibility": "school", "lecture_ids": [c, a, b],
                                              "description": "<p>Ôn tập<script>x</script></p>"})
    assert resp.status_code == 201
    coll = resp.get_json()
    assert [x["id"] for x in coll["lectures"]] == [c, a, b] and "script" not in coll["description"]
    seen = world.as_("student").get(f"/collections/{coll['id']}").get_json()
    assert [x["id"] for x in seen["lectures"]] == [c, a]
    assert world.as_("outsider").get(f"/collections/{coll['id']}").status_code == 404
    moved = teacher.patch(f"/collections/{coll['id']}", json={"lecture_ids": [a, c]}).get_json()
    assert [x["id"] for x in moved["lectures"]] == [a, c]


def test_only_the_department_features_shared_collections(world, make_lecture):
    teacher, dept = world.as_("teacher"), world.as_("department")
    coll = teacher.post("/collections", json={"title": "Bộ chung", "visibility": "shared"}).get_json()
    assert teacher.post("/collections", json={"title": "X", "featured": True}).status_code == 422
    assert dept.patch(f"/collections/{coll['id']}", json={"title": "Đổi"}).status_code == 403
    assert dept.patch(f"/collections/{coll['id']}", json={"featured": True}).get_json()["featured"] is True
    featured = world.as_("student").get("/collections?featured=true").get_json()
    assert [x["id"] for x in featured["items"]] == [coll["id"]]
    assert world.as_("teacher2").delete(f"/collections/{coll['id']}").status_code == 403
    assert teacher.delete(f"/collections/{coll['id']}").status_code == 204


def test_collection_rejects_unknown_lectures(world):
    resp = world.as_("teacher").post("/collections", json={"title": "X", "lecture_ids": [424242]})
    assert resp.status_code == 422 and "lecture_ids" in resp.get_json()["errors"]
