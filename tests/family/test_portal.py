"""The parent portal: every child on one page (two schools), the child's released grades only, a 404 for
anyone else's child, and nothing for other roles."""
from tests.conftest import PASSWORD


def _login(client, username):
    resp = client.post("/login", data={"username": username, "password": PASSWORD})
    assert resp.status_code == 302


def _released_score(world, value):
    teacher = world.as_("teacher")
    column = teacher.post("/gradebook/columns", json={"class_id": world.klass, "subject": "toan", "semester": 1,
                                                      "kind": "tx", "title": "Kiểm tra miệng"}).get_json()["id"]
    assert teacher.put(f"/gradebook/columns/{column}/scores",
                       json={"scores": {str(world.student): value}}).status_code == 200
    return column


def test_parent_sees_both_children_with_released_scores_only(world, factory, client):
    shown = _released_score(world, "8.5")
    world.as_("teacher").patch(f"/gradebook/columns/{shown}", json={"released": True})
    hidden = world.as_("teacher").post("/gradebook/columns", json={
        "class_id": world.klass, "subject": "toan", "semester": 1, "kind": "tx", "title": "Bài 15 phút"}).get_json()
    world.as_("teacher").put(f"/gradebook/columns/{hidden['id']}/scores", json={"scores": {str(world.student): "3.5"}})
    other_class = factory.klass(world.other_school, name="6A2", grade=6)
    factory.enrol(other_class, world.outsider)
    factory.guardian(world.parent, world.outsider, relation="bố")
    _login(client, "ph.anh")
    page = client.get("/parent/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Lê Minh Anh" in html and "Đỗ Văn Ngoại" in html
    assert "Trường THPT Chu Văn An" in html and "Trường khác" in html and "Lớp 6A2" in html
    assert "Phạm Gia Bảo" not in html  # a classmate is not the parent's child
    detail = client.get(f"/parent/children/{world.student}").get_data(as_text=True)
    assert "Kiểm tra miệng" in detail and "8,5" in detail
    assert "Bài 15 phút" not in detail and "3,5" not in detail
    assert client.get(f"/parent/children/{world.student2}").status_code == 404
    assert client.get("/parent/children/999999").status_code == 404
    # The menu leads there.
    assert "/parent/" in client.get("/dashboard").get_data(as_text=True)


def test_portal_is_for_parents_only(world, client):
    _login(client, "hs.anh")
    assert client.get("/parent/").status_code == 403
    assert client.get(f"/parent/children/{world.student}").status_code == 403


def test_unlinked_parent_is_told_whom_to_ask(world, factory, client):
    factory.user("parent", username="ph.moi")
    _login(client, "ph.moi")
    html = client.get("/parent/").get_data(as_text=True)
    assert "chưa được liên kết" in html


def test_parent_downloads_the_childs_transcript(world, client):
    tid = world.as_("teacher").post("/transcripts", json={"student_id": world.student,
                                                          "school_year": "2026-2027"}).get_json()["id"]
    _login(client, "ph.anh")
    html = client.get("/parent/").get_data(as_text=True)
    assert f"/transcripts/{tid}/pdf" in html and "Học bạ năm học 2026-2027" in html
    assert client.get(f"/transcripts/{tid}/pdf").data.startswith(b"%PDF")
