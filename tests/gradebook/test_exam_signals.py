"""The exams -> gradebook interface: the real blinker signals from lms.exams.signals, sent as exams sends them."""
import datetime as dt
from decimal import Decimal

from lms.core.db import db
from lms.exams.signals import attempt_graded, exam_saved

T0 = dt.datetime(2026, 10, 1, 7, 0, tzinfo=dt.timezone.utc)


def _save(app, world, exam_id=501, title="Kiểm tra 15 phút – Hàm số", gradebook=None, class_ids=None):
    with app.app_context():
        exam_saved.send(None, exam_id=exam_id, title=title, subject="toan",
                        class_ids=class_ids if class_ids is not None else [world.klass],
                        gradebook=gradebook if gradebook is not None else {"column_kind": "tx", "semester": 1},
                        school_year="2026-2027", owner_id=world.teacher)
        db.session.commit()


def _graded(app, world, attempt_id, score, *, exam_id=501, reason="submit", counted="best", minutes=0, student=None):
    with app.app_context():
        attempt_graded.send(None, attempt_id=attempt_id, exam_id=exam_id, student_id=student or world.student,
                            score_10=Decimal(score), reason=reason, counted=counted,
                            started_at=T0 + dt.timedelta(minutes=minutes))
        db.session.commit()


def _exam_column(teacher, world):
    book = teacher.get(f"/gradebook?class_id={world.klass}&subject=toan&semester=1").get_json()
    return [c for c in book["columns"] if c["source"] == "exam"], book


def test_exam_saved_creates_and_keeps_the_column_in_step(app, world):
    _save(app, world)
    teacher = world.as_("teacher")
    columns, _ = _exam_column(teacher, world)
    assert [(c["kind"], c["title"], c["exam_id"]) for c in columns] == [("tx", "Kiểm tra 15 phút – Hàm số", 501)]
    _save(app, world, title="Kiểm tra giữa kì I", gradebook={"column_kind": "gk", "semester": 1})
    columns, _ = _exam_column(teacher, world)
    assert [(c["kind"], c["title"]) for c in columns] == [("gk", "Kiểm tra giữa kì I")]
    _save(app, world, class_ids=[])  # unassigned and still empty: the column goes away
    assert _exam_column(teacher, world)[0] == []


def test_attempt_graded_posts_exactly_once_even_when_the_signal_repeats(app, world):
    _save(app, world)
    _graded(app, world, 9001, "7.5")
    _graded(app, world, 9001, "7.5")
    teacher = world.as_("teacher")
    columns, book = _exam_column(teacher, world)
    row = next(r for r in book["rows"] if r["student_id"] == world.student)
    assert row["scores"][str(columns[0]["id"])] == "7.5"
    log = teacher.get(f"/gradebook/changes?class_id={world.klass}&subject=toan&semester=1").get_json()
    assert log["total"] == 1 and log["items"][0]["source"] == "exam"


def test_regrade_updates_and_best_attempt_counts(app, world):
    _save(app, world)
    _graded(app, world, 9001, "6")
    _graded(app, world, 9002, "8", minutes=30)     # a better second attempt counts (best)
    _graded(app, world, 9001, "9", reason="regrade")  # the first attempt regraded above it
    teacher = world.as_("teacher")
    columns, book = _exam_column(teacher, world)
    row = next(r for r in book["rows"] if r["student_id"] == world.student)
    assert row["scores"][str(columns[0]["id"])] == "9.0"
    log = teacher.get(f"/gradebook/changes?class_id={world.klass}&subject=toan&semester=1").get_json()
    assert [i["new_value"] for i in reversed(log["items"])] == ["6.0", "8.0", "9.0"]
    assert log["items"][0]["source"] == "regrade"


def test_last_attempt_counts_when_the_exam_says_last(app, world):
    _save(app, world)
    _graded(app, world, 9001, "9", counted="last")
    _graded(app, world, 9002, "5", counted="last", minutes=10)
    columns, book = _exam_column(world.as_("teacher"), world)
    row = next(r for r in book["rows"] if r["student_id"] == world.student)
    assert row["scores"][str(columns[0]["id"])] == "5.0"


def test_manual_override_wins_over_later_exam_results(app, world):
    _save(app, world)
    _graded(app, world, 9001, "4")
    teacher = world.as_("teacher")
    columns, _ = _exam_column(teacher, world)
    column_id = columns[0]["id"]
    resp = teacher.put(f"/gradebook/columns/{column_id}/scores", json={"scores": {str(world.student): "6,5"}})
    assert resp.status_code == 200
    _graded(app, world, 9001, "5", reason="regrade")
    _, book = _exam_column(teacher, world)
    row = next(r for r in book["rows"] if r["student_id"] == world.student)
    assert row["scores"][str(column_id)] == "6.5"
    assert "manual_override" in row["flags"][str(column_id)]


def test_student_outside_the_class_and_unlinked_exams_post_nothing(app, world):
    _save(app, world)
    _graded(app, world, 9100, "8", student=world.outsider)
    _graded(app, world, 9101, "8", exam_id=777)  # an exam without a gradebook column
    columns, book = _exam_column(world.as_("teacher"), world)
    assert all(v is None for r in book["rows"] for v in r["scores"].values())


def test_scores_arriving_while_locked_are_held_until_unlock(app, world):
    _save(app, world)
    with app.app_context():
        from lms.gradebook.models import GradebookLock

        db.session.add(GradebookLock(class_id=world.klass, subject_code="toan", semester=1, locked=True))
        db.session.commit()
    _graded(app, world, 9001, "8")
    teacher = world.as_("teacher")
    columns, book = _exam_column(teacher, world)
    assert all(v is None for r in book["rows"] for v in r["scores"].values())
    resp = teacher.post("/gradebook/unlock", json={"class_id": world.klass, "subject": "toan", "semester": 1,
                                                   "reason": "Nhận điểm bài thi chấm muộn"})
    assert resp.status_code == 200
    _, book = _exam_column(teacher, world)
    row = next(r for r in book["rows"] if r["student_id"] == world.student)
    assert row["scores"][str(columns[0]["id"])] == "8.0"


def test_demo_seeder_is_idempotent(app, world):
    from lms.gradebook import seed_demo

    context = {"users": {"teacher": world.teacher, "student": world.student, "student2": world.student2,
                         "student3": world.student2}, "classes": {"10A1": world.klass}}
    for _ in range(2):
        with app.app_context():
            seed_demo(context)
            db.session.commit()
    book = world.as_("teacher").get(f"/gradebook?class_id={world.klass}&subject=toan&semester=1").get_json()
    assert len(book["columns"]) == 6
    row = next(r for r in book["rows"] if r["student_id"] == world.student)
    assert row["average"] == "7.8"
