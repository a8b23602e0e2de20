"""``GET /exams/assigned?student_id=``: a child's exams for a linked parent, with results once released."""
from .conftest import close_exam


def _sit(world, exam_id, answers):
    client = world.as_("student")
    attempt = client.post(f"/exams/{exam_id}/attempts").get_json()
    client.put(f"/attempts/{attempt['id']}/answers", json={"answers": answers})
    assert client.post(f"/attempts/{attempt['id']}/submit").status_code == 200


def test_parent_sees_the_result_only_when_the_child_may(app, world, bank, make_exam):
    ids = bank.choices(4)
    exam = make_exam(ids, review="after_close")
    _sit(world, exam["id"], {str(q): "b" for q in ids[:3]})
    parent = world.as_("parent")
    rows = parent.get(f"/exams/assigned?student_id={world.student}").get_json()["items"]
    assert [(r["id"], r["attempts_used"], r["last_attempt"]["score_10"]) for r in rows] == [(exam["id"], 1, None)]
    # After the exam closes the child sees the score, and so does the parent: the same list.
    close_exam(app, exam["id"])
    rows = parent.get(f"/exams/assigned?student_id={world.student}").get_json()["items"]
    assert rows[0]["last_attempt"]["score_10"] == "7.5"
    assert rows == world.as_("student").get("/exams/assigned").get_json()["items"]


def test_who_reads_a_students_exam_list(world, bank, make_exam):
    make_exam(bank.choices(2), review="never")
    url = f"/exams/assigned?student_id={world.student}"
    assert world.as_("teacher").get(url).status_code == 200  # the student's teacher
    assert world.as_("teacher2").get(url).status_code == 404  # teaches elsewhere
    assert world.as_("student2").get(url).status_code == 404  # a classmate
    assert world.as_("student").get(url).status_code == 200
    assert world.as_("department").get(url).status_code == 403
    assert world.as_("teacher").get("/exams/assigned").status_code == 404
