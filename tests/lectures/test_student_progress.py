"""``GET /lectures/progress?student_id=``: one student's lectures and how far they watched."""
import pytest


def test_parent_follows_the_childs_lecture_progress(world, make_lecture, asset, clock):
    video = asset(world.teacher, duration_s=100.0)
    watched = make_lecture(title="Hàm số bậc nhất", visibility="class", class_ids=[world.klass],
                           media_ids=[video], submit=True)["id"]
    make_lecture(title="Hàm số bậc hai", visibility="class", class_ids=[world.klass], media_ids=[video],
                 submit=True)
    make_lecture(title="Nháp chưa đăng", visibility="class", class_ids=[world.klass])
    student = world.as_("student")
    student.put(f"/lectures/{watched}/progress", json={"position_s": 0, "watched": []})
    clock.advance(95)
    student.put(f"/lectures/{watched}/progress", json={"position_s": 95, "watched": [[0, 95]]})
    doc = world.as_("parent").get(f"/lectures/progress?student_id={world.student}")
    assert doc.status_code == 200, doc.get_json()
    items = doc.get_json()["items"]
    assert [(i["title"], i["completed"]) for i in items] == [("Hàm số bậc nhất", True), ("Hàm số bậc hai", False)]
    assert items[0]["watched_ratio"] == pytest.approx(0.95) and items[1]["watched_ratio"] == 0
    assert student.get("/lectures/progress").get_json() == doc.get_json()
    assert world.as_("teacher").get(f"/lectures/progress?student_id={world.student}").status_code == 200
    assert world.as_("admin").get(f"/lectures/progress?student_id={world.student}").status_code == 200
    assert world.as_("teacher2").get(f"/lectures/progress?student_id={world.student}").status_code == 404
    assert world.as_("parent").get(f"/lectures/progress?student_id={world.student2}").status_code == 404
