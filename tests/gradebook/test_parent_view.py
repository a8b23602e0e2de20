"""A linked parent reads exactly what the child reads ("Điểm của tôi"): released columns only."""


def test_parent_sees_the_childs_released_scores_and_nothing_more(world, book):
    sem = book()
    shown, hidden = sem.column("tx", "Miệng"), sem.column("tx", "15 phút")
    sem.put(shown, {world.student: 8, world.student2: 5})
    sem.put(hidden, {world.student: 3})
    assert sem.api.patch(f"/gradebook/columns/{shown}", json={"released": True}).status_code == 200
    child = world.as_("student").get(f"/gradebook/students/{world.student}").get_json()
    parent = world.as_("parent").get(f"/gradebook/students/{world.student}")
    assert parent.status_code == 200
    assert parent.get_json() == child
    columns = parent.get_json()["subjects"][0]["semesters"]["1"]["columns"]
    assert [(c["id"], c["value"]) for c in columns] == [(shown, "8.0")]
    assert "3.0" not in str(parent.get_json())
    assert world.as_("parent").get(f"/gradebook/students/{world.student2}").status_code == 404
