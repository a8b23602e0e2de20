"""Attempts: start/resume, autosave, deadline and grace, submit, auto-submit, scoring of a 2025 Toán paper."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from lms.core.db import db, utcnow
from lms.exams.signals import attempt_graded

from .conftest import essay, shift_attempt, short, single_choice, tf_group


def test_thpt2025_toan_paper_scores_by_hand_computed_total(app, world, bank, make_exam):
    mc = [bank.q(single_choice(i, correct="a")) for i in range(1, 13)]
    tf = [bank.q(tf_group(i)) for i in range(1, 5)]
    sa = [bank.q(short(i, "-1,5")) for i in range(1, 7)]
    exam = make_exam(None, title="Thi thử tốt nghiệp", duration_minutes=90, sections=[
        {"title": "Phần I", "scoring": "thpt2025", "question_ids": mc},
        {"title": "Phần II", "scoring": "thpt2025", "question_ids": tf},
        {"title": "Phần III", "scoring": "thpt2025", "question_ids": sa}])
    student = world.as_("student")
    attempt = student.post(f"/exams/{exam['id']}/attempts").get_json()
    assert [q["points"] for q in attempt["questions"]] == ["0.25"] * 12 + ["1.00"] * 4 + ["0.50"] * 6
    answers = {}
    # Part I: 9 of 12 right -> 9 x 0.25 = 2.25
    for i, qid in enumerate(mc):
        answers[str(qid)] = "a" if i < 9 else "c"
    # Part II: 4, 3, 2, 1 statements right -> 1 + 0.5 + 0.25 + 0.1 = 1.85 (truth is T F T F)
    right = {"a": True, "b": False, "c": True, "d": False}
    for k, qid in enumerate(tf):
        wrong = list("abcd")[: k]
        answers[str(qid)] = {sid: (not v if sid in wrong else v) for sid, v in right.items()}
    # Part III: 5 of 6 right, one in the dotted spelling -> 5 x 0.5 = 2.5
    for i, qid in enumerate(sa):
        answers[str(qid)] = ["-1,5", "-1.5", "-1,5", "-1,5", "-1,5", "2"][i]
    assert student.put(f"/attempts/{attempt['id']}/answers", json={"answers": answers}).status_code == 200
    result = student.post(f"/attempts/{attempt['id']}/submit").get_json()
    assert result["status"] == "graded"
    assert result["max_score"] == "10.00"
    assert result["score"] == "6.60"  # 2.25 + 1.85 + 2.5
    assert result["score_10"] == "6.6"


def test_resume_gives_same_questions_and_order(world, bank, make_exam):
    ids = bank.choices(8)
    exam = make_exam(ids, shuffle_questions=True, shuffle_options=True)
    student = world.as_("student")
    first = student.post(f"/exams/{exam['id']}/attempts")
    assert first.status_code == 201
    student.put(f"/attempts/{first.get_json()['id']}/answers", json={"answers": {str(ids[0]): "b"}})
    again = student.post(f"/exams/{exam['id']}/attempts")
    assert again.status_code == 200
    a, b = first.get_json(), again.get_json()
    assert a["id"] == b["id"]
    assert [(q["id"], [o["id"] for o in q["options"]]) for q in a["questions"]] == \
        [(q["id"], [o["id"] for o in q["options"]]) for q in b["questions"]]
    assert b["answers"] == {str(ids[0]): "b"}
    # Another student gets the same questions in a different order (seeded by the attempt).
    other = world.as_("student2").post(f"/exams/{exam['id']}/attempts").get_json()
    assert {q["id"] for q in other["questions"]} == set(ids)
    assert [q["id"] for q in other["questions"]] != [q["id"] for q in a["questions"]] or \
        [[o["id"] for o in q["options"]] for q in other["questions"]] != \
        [[o["id"] for o in q["options"]] for q in a["questions"]]


def test_autosave_is_idempotent_last_write_wins_and_checks_shape(world, bank, make_exam):
    ids = bank.choices(3)
    exam = make_exam(ids)
    student = world.as_("student")
    attempt = student.post(f"/exams/{exam['id']}/attempts").get_json()
    url = f"/attempts/{attempt['id']}/answers"
    assert student.put(url, json={"answers": {str(ids[0]): "a"}}).status_code == 200
    assert student.put(url, json={"answers": {str(ids[0]): "c", str(ids[1]): "d"}}).status_code == 200
    assert student.put(url, json={"answers": {str(ids[0]): "c"}}).status_code == 200
    bad = student.put(url, json={"answers": {str(ids[2]): "z"}})
    assert bad.status_code == 422
    assert f"answers.{ids[2]}" in bad.get_json()["errors"]
    assert student.put(url, json={"answers": {"999999": "a"}}).status_code == 422
    assert student.put(url, json={"answers": "nope"}).status_code == 422
    assert world.as_("student2").put(url, json={"answers": {}}).status_code == 404
    got = student.get(f"/attempts/{attempt['id']}").get_json()
    assert got["answers"] == {str(ids[0]): "c", str(ids[1]): "d"}


def test_autosave_after_deadline_plus_grace_is_409_and_submits(app, world, bank, make_exam):
    ids = bank.choices(2)
    exam = make_exam(ids, duration_minutes=10)
    student = world.as_("student")
    attempt = student.post(f"/exams/{exam['id']}/attempts").get_json()
    url = f"/attempts/{attempt['id']}/answers"
    student.put(url, json={"answers": {str(ids[0]): "b"}})
    # Inside the grace period: still accepted.
    shift_attempt(app, attempt["id"], minutes=10, seconds=10)
    assert student.put(url, json={"answers": {str(ids[1]): "b"}}).status_code == 200
    shift_attempt(app, attempt["id"], seconds=25)
    late = student.put(url, json={"answers": {str(ids[1]): "a"}})
    assert late.status_code == 409
    got = student.get(f"/attempts/{attempt['id']}").get_json()
    assert got["status"] == "graded" and got["score"] == "2.00"


def test_submit_twice_returns_same_result_and_signals_once(world, bank, make_exam):
    ids = bank.choices(4)
    exam = make_exam(ids, gradebook={"column_kind": "tx", "semester": 1})
    student = world.as_("student")
    attempt = student.post(f"/exams/{exam['id']}/attempts").get_json()
    student.put(f"/attempts/{attempt['id']}/answers", json={"answers": {str(ids[0]): "b", str(ids[1]): "b"}})
    sent = []
    def receiver(sender, **kw):
        sent.append(kw)

    attempt_graded.connect(receiver)
    try:
        first = student.post(f"/attempts/{attempt['id']}/submit")
        second = student.post(f"/attempts/{attempt['id']}/submit")
    finally:
        attempt_graded.disconnect(receiver)  # only ours: the gradebook listens too
    assert first.status_code == second.status_code == 200
    assert first.get_json() == second.get_json()
    assert first.get_json()["score"] == "2.00" and first.get_json()["score_10"] == "5.0"
    assert len(sent) == 1
    assert sent[0]["score_10"] == Decimal("5.0") and sent[0]["reason"] == "submit"
    assert sent[0]["counted"] == "best" and sent[0]["student_id"] == world.student
    assert student.put(f"/attempts/{attempt['id']}/answers", json={"answers": {}}).status_code == 409


def test_auto_submit_job_submits_abandoned_attempt(app, world, bank, make_exam):
    from lms.exams.models import Attempt
    from lms.exams.tasks import auto_submit_overdue

    ids = bank.choices(2)
    exam = make_exam(ids, duration_minutes=5)
    student = world.as_("student")
    attempt = student.post(f"/exams/{exam['id']}/attempts").get_json()
    student.put(f"/attempts/{attempt['id']}/answers", json={"answers": {str(ids[0]): "b"}})
    fresh = world.as_("student2").post(f"/exams/{exam['id']}/attempts").get_json()
    shift_attempt(app, attempt["id"], minutes=6)
    sent = []
    def receiver(sender, **kw):
        sent.append(kw)

    attempt_graded.connect(receiver)
    try:
        with app.app_context():
            assert auto_submit_overdue.run_now() == 1
            db.session.commit()
            assert auto_submit_overdue.run_now() == 0  # idempotent
            db.session.commit()
            done = db.session.get(Attempt, attempt["id"])
            assert done.status == "graded" and done.submit_reason == "auto_submit"
            assert done.score == Decimal("1.00")
            assert db.session.get(Attempt, fresh["id"]).status == "in_progress"
    finally:
        attempt_graded.disconnect(receiver)  # only ours: the gradebook listens too
    assert [s["reason"] for s in sent] == ["auto_submit"]


def test_window_attempt_limit_and_assignment(app, world, bank, make_exam):
    ids = bank.choices(2)
    later = make_exam(ids, opens_at=(utcnow() + timedelta(hours=1)).isoformat())
    assert world.as_("student").post(f"/exams/{later['id']}/attempts").status_code == 409
    exam = make_exam(ids, max_attempts=1)
    assert world.as_("outsider").post(f"/exams/{exam['id']}/attempts").status_code == 404
    student = world.as_("student")
    attempt = student.post(f"/exams/{exam['id']}/attempts").get_json()
    student.post(f"/attempts/{attempt['id']}/submit")
    assert student.post(f"/exams/{exam['id']}/attempts").status_code == 409
    assert world.as_("teacher").post(f"/exams/{exam['id']}/attempts").status_code == 403


def test_essay_waits_for_hand_grading_then_signals(world, bank, make_exam):
    mc = bank.choices(1)
    es = bank.q(essay(1))
    exam = make_exam(mc + [es])
    student = world.as_("student")
    attempt = student.post(f"/exams/{exam['id']}/attempts").get_json()
    student.put(f"/attempts/{attempt['id']}/answers",
                json={"answers": {str(mc[0]): "b", str(es): "Vì a = b nên ..."}})
    result = student.post(f"/attempts/{attempt['id']}/submit").get_json()
    assert result["status"] == "needs_grading"
    teacher = world.as_("teacher")
    sent = []
    def receiver(sender, **kw):
        sent.append(kw)

    attempt_graded.connect(receiver)
    try:
        too_much = teacher.put(f"/attempts/{attempt['id']}/grades/{es}", json={"points": "1.5"})
        assert too_much.status_code == 422
        graded = teacher.put(f"/attempts/{attempt['id']}/grades/{es}", json={"points": "0.75", "comment": "Thiếu ý"})
    finally:
        attempt_graded.disconnect(receiver)  # only ours: the gradebook listens too
    assert graded.status_code == 200
    body = graded.get_json()
    assert body["status"] == "graded" and body["score"] == "1.75" and body["score_10"] == "8.8"
    assert [s["reason"] for s in sent] == ["hand_grading"]
    assert world.as_("teacher2").put(f"/attempts/{attempt['id']}/grades/{es}", json={"points": "1"}).status_code == 404
