"""Papers drawn ahead of the exam (lms.exams.papers): the job, its progress, and starts that use them."""
from __future__ import annotations

from sqlalchemy import func, select

from lms.core.db import db


def _drawn(app, exam_id):
    from lms.exams.models import DrawnPaper

    with app.app_context():
        return {row.student_id: row for row in db.session.scalars(select(DrawnPaper).where(
            DrawnPaper.exam_id == exam_id))}


def _paper(doc):
    return [(q["id"], [o["id"] for o in q["options"]]) for q in doc["questions"]]


def test_assigning_an_exam_draws_every_students_paper_and_a_start_uses_it(app, world, bank, make_exam):
    ids = bank.choices(12)
    exam = make_exam(ids, shuffle_questions=True, shuffle_options=True)
    # The job ran after the create committed (JOBS_IMMEDIATE): both students of 10A1 hold a paper.
    got = world.as_("teacher").get(f"/exams/{exam['id']}").get_json()
    assert got["papers"] == {"state": "done", "total": 2, "done": 2}
    drawn = _drawn(app, exam["id"])
    assert set(drawn) == {world.student, world.student2}
    mine = drawn[world.student].items
    assert sorted(i["question_id"] for i in mine) == sorted(ids)
    assert [i["question_id"] for i in mine] != [i["question_id"] for i in drawn[world.student2].items] or \
        [i["option_order"] for i in mine] != [i["option_order"] for i in drawn[world.student2].items]

    doc = world.as_("student").post(f"/exams/{exam['id']}/attempts").get_json()
    assert [q["id"] for q in doc["questions"]] == [i["question_id"] for i in mine]
    assert [[o["id"] for o in q["options"]] for q in doc["questions"]] == [i["option_order"] for i in mine]
    assert [q["number"] for q in doc["questions"]] == list(range(1, 13))
    # The paper is the attempt's own from now on: a resume gives the same, and saving and grading work on it.
    again = world.as_("student").post(f"/exams/{exam['id']}/attempts")
    assert again.status_code == 200 and _paper(again.get_json()) == _paper(doc)
    first = doc["questions"][0]
    assert world.as_("student").put(f"/attempts/{doc['id']}/answers",
                                    json={"answers": {str(first["id"]): "b"}}).status_code == 200
    result = world.as_("student").post(f"/attempts/{doc['id']}/submit").get_json()
    assert result["status"] == "graded" and result["score"] == "1.00" and result["max_score"] == "12.00"


def test_a_student_enrolled_after_the_draw_gets_a_paper_at_start(app, world, factory, bank, make_exam):
    ids = bank.choices(6)
    exam = make_exam(ids, shuffle_questions=True)
    late = factory.user("student", world.school, username="hs.muon")
    factory.enrol(world.klass, late)
    assert late not in _drawn(app, exam["id"])
    resp = factory.api(late).post(f"/exams/{exam['id']}/attempts")
    assert resp.status_code == 201
    assert sorted(q["id"] for q in resp.get_json()["questions"]) == sorted(ids)


def test_an_edit_before_the_exam_redraws_and_a_stale_paper_is_never_used(app, world, bank, make_exam):
    from lms.exams import papers
    from lms.exams.models import DrawnPaper, Exam

    ids = bank.choices(8)
    exam = make_exam(ids[:4], shuffle_questions=True)
    old_key = _drawn(app, exam["id"])[world.student].key
    resp = world.as_("teacher").patch(f"/exams/{exam['id']}", json={"sections": [
        {"title": "Trắc nghiệm", "points_per_question": "1", "scoring": "proportional", "question_ids": ids[4:]}]})
    assert resp.status_code == 200, resp.get_json()
    drawn = _drawn(app, exam["id"])
    assert {row.key for row in drawn.values()} != {old_key}
    assert sorted(i["question_id"] for i in drawn[world.student].items) == sorted(ids[4:])
    # A paper whose key no longer matches (say the job has not run again yet) is ignored at start.
    with app.app_context():
        row = db.session.get(DrawnPaper, (exam["id"], world.student2))
        row.key = "stale"
        row.items = [{**i, "question_id": ids[0]} for i in row.items]
        db.session.commit()
        assert papers.take(db.session.get(Exam, exam["id"]), world.student2) is None
    doc = world.as_("student2").post(f"/exams/{exam['id']}/attempts").get_json()
    assert sorted(q["id"] for q in doc["questions"]) == sorted(ids[4:])


def test_the_job_is_idempotent_and_skips_students_who_started(app, world, bank, make_exam):
    from lms.exams import papers
    from lms.exams.models import DrawnPaper

    exam = make_exam(bank.choices(4))
    world.as_("student").post(f"/exams/{exam['id']}/attempts")
    with app.app_context():
        db.session.query(DrawnPaper).delete()
        db.session.commit()
        assert papers.run(exam["id"]) == 1  # only the student who has not started
        assert papers.run(exam["id"]) == 0
        assert db.session.scalar(select(func.count()).select_from(DrawnPaper)) == 1
