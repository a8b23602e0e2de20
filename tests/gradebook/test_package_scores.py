"""A lecture's interactive package counted into a gradebook column like an exam: the teacher picks a column,
scores already earned and later best scores are posted exactly once each, a manual override wins, a signed book
is untouched, and columns that cannot take the score are refused."""
from __future__ import annotations

import pytest

from lms.core.db import db
from lms.exams.signals import exam_saved
from tests.media import packages
from tests.media.conftest_app import fs_storage, upload  # noqa: F401  (fixture)

BOOK = "class_id={klass}&subject=toan&semester=1"


@pytest.fixture
def package_lecture(world, fs_storage):
    teacher = world.as_("teacher")
    sim = upload(teacher, packages.html5_sim(), "con-lac.zip").get_json()["id"]
    resp = teacher.post("/lectures", json={"title": "Con lắc đơn", "subject": "toan", "grade": 10,
                                           "visibility": "class", "class_ids": [world.klass], "media_ids": [sim]})
    assert resp.status_code == 201, resp.get_json()
    lecture_id = resp.get_json()["id"]
    assert teacher.post(f"/lectures/{lecture_id}/submit").status_code == 200
    return lecture_id, sim


def _report(world, lecture_id, sim, score, who="student"):
    resp = world.as_(who).put(f"/lectures/{lecture_id}/progress", json={"media_id": sim, "score": score})
    assert resp.status_code == 200, resp.get_json()


def _column(teacher, world, kind="tx", subject="toan"):
    resp = teacher.post("/gradebook/columns", json={"class_id": world.klass, "subject": subject, "semester": 1,
                                                    "kind": kind, "title": "Thí nghiệm ảo"})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["id"]


def _cell(teacher, world, column_id, student_id):
    book = teacher.get("/gradebook?" + BOOK.format(klass=world.klass)).get_json()
    row = next(r for r in book["rows"] if r["student_id"] == student_id)
    return row["scores"][str(column_id)], row["flags"].get(str(column_id), [])


def _changes(teacher, world, column_id, student_id):
    items = teacher.get("/gradebook/changes?per_page=100&" + BOOK.format(klass=world.klass)).get_json()["items"]
    return [c for c in items if c["column_id"] == column_id and c["student_id"] == student_id]


def test_picked_column_gets_earned_and_later_best_scores_once_each(world, package_lecture):
    lecture_id, sim = package_lecture
    teacher = world.as_("teacher")
    _report(world, lecture_id, sim, 0.6)  # before the teacher counts the package
    column_id = _column(teacher, world)
    resp = teacher.put(f"/gradebook/columns/{column_id}/package", json={"lecture_id": lecture_id, "media_id": sim})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["lecture_id"] == lecture_id and resp.get_json()["package_media_id"] == sim
    assert _cell(teacher, world, column_id, world.student)[0] == "6.0"
    assert _cell(teacher, world, column_id, world.student2)[0] is None

    _report(world, lecture_id, sim, 0.849)  # 8.49 -> 8.5, half up on one decimal
    assert _cell(teacher, world, column_id, world.student)[0] == "8.5"
    _report(world, lecture_id, sim, 0.7)  # not a new best: nothing posted
    _report(world, lecture_id, sim, 0.849)
    assert _cell(teacher, world, column_id, world.student)[0] == "8.5"
    changes = _changes(teacher, world, column_id, world.student)
    assert [(c["new_value"], c["source"]) for c in changes] == [("8.5", "package"), ("6.0", "package")]
    # Linking again is harmless: the same scores are not posted twice.
    teacher.put(f"/gradebook/columns/{column_id}/package", json={"lecture_id": lecture_id, "media_id": sim})
    assert len(_changes(teacher, world, column_id, world.student)) == 2

    # A value typed over the package score is the teacher's: later package scores do not replace it.
    assert teacher.put(f"/gradebook/columns/{column_id}/scores",
                       json={"scores": {str(world.student): "7"}}).status_code == 200
    _report(world, lecture_id, sim, 0.95)
    value, flags = _cell(teacher, world, column_id, world.student)
    assert value == "7.0" and "manual_override" in flags

    # Unlinked, the column keeps its marks and hears nothing more.
    resp = teacher.delete(f"/gradebook/columns/{column_id}/package")
    assert resp.status_code == 200 and resp.get_json()["lecture_id"] is None
    _report(world, lecture_id, sim, 0.9, who="student2")
    assert _cell(teacher, world, column_id, world.student2)[0] is None


def test_marks_already_in_the_picked_column_are_kept(world, package_lecture):
    lecture_id, sim = package_lecture
    teacher = world.as_("teacher")
    column_id = _column(teacher, world)
    assert teacher.put(f"/gradebook/columns/{column_id}/scores",
                       json={"scores": {str(world.student): "9"}}).status_code == 200
    _report(world, lecture_id, sim, 0.5)
    _report(world, lecture_id, sim, 0.4, who="student2")
    assert teacher.put(f"/gradebook/columns/{column_id}/package",
                       json={"lecture_id": lecture_id, "media_id": sim}).status_code == 200
    value, flags = _cell(teacher, world, column_id, world.student)
    assert value == "9.0" and "manual_override" in flags
    assert _cell(teacher, world, column_id, world.student2)[0] == "4.0"


def test_columns_that_cannot_count_the_package_are_refused(world, package_lecture, app):
    lecture_id, sim = package_lecture
    teacher = world.as_("teacher")
    body = {"lecture_id": lecture_id, "media_id": sim}
    column_id = _column(teacher, world)
    other = _column(teacher, world, kind="gk")
    assert teacher.put(f"/gradebook/columns/{column_id}/package", json=body).status_code == 200
    resp = teacher.put(f"/gradebook/columns/{other}/package", json=body)
    assert resp.status_code == 422 and "cột khác" in resp.get_json()["errors"]["media_id"][0]
    assert teacher.put(f"/gradebook/columns/{other}/package",
                       json={"lecture_id": lecture_id, "media_id": sim + 999}).status_code == 404
    assert teacher.put(f"/gradebook/columns/{other}/package",
                       json={"lecture_id": 999999, "media_id": sim}).status_code == 404
    assert teacher.put(f"/gradebook/columns/{other}/package", json={"lecture_id": "x"}).status_code == 422
    assert world.as_("teacher2").put(f"/gradebook/columns/{other}/package", json=body).status_code in (403, 404)
    assert world.as_("student").put(f"/gradebook/columns/{other}/package", json=body).status_code == 403
    # An exam's column belongs to the exam.
    with app.app_context():
        exam_saved.send(None, exam_id=601, title="Kiểm tra 15 phút", subject="toan", class_ids=[world.klass],
                        gradebook={"column_kind": "tx", "semester": 1}, school_year="2026-2027",
                        owner_id=world.teacher)
        db.session.commit()
    book = teacher.get("/gradebook?" + BOOK.format(klass=world.klass)).get_json()
    exam_column = next(c["id"] for c in book["columns"] if c["exam_id"] == 601)
    resp = teacher.put(f"/gradebook/columns/{exam_column}/package", json=body)
    assert resp.status_code == 422 and "bài kiểm tra" in resp.get_json()["detail"]


def test_a_signed_book_is_not_touched(world, package_lecture, app):
    lecture_id, sim = package_lecture
    teacher = world.as_("teacher")
    column_id = _column(teacher, world)
    assert teacher.put(f"/gradebook/columns/{column_id}/package",
                       json={"lecture_id": lecture_id, "media_id": sim}).status_code == 200
    with app.app_context():
        from lms.gradebook.models import GradebookLock

        db.session.add(GradebookLock(class_id=world.klass, subject_code="toan", semester=1, locked=True))
        db.session.commit()
    _report(world, lecture_id, sim, 0.8)  # the student's progress is kept; the book waits
    assert _cell(teacher, world, column_id, world.student)[0] is None
    assert teacher.delete(f"/gradebook/columns/{column_id}/package").status_code == 409
