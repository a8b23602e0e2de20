"""Results with CSV/XLSX export, statistics with cache invalidation, regrades, and the api for the gradebook."""
from __future__ import annotations

import io
from decimal import Decimal

from lms.core.db import db
from lms.exams.signals import attempt_graded

from .conftest import new_version, single_choice


def _sit(world, exam_id, who, answers):
    client = world.as_(who)
    attempt = client.post(f"/exams/{exam_id}/attempts").get_json()
    client.put(f"/attempts/{attempt['id']}/answers", json={"answers": answers})
    return client.post(f"/attempts/{attempt['id']}/submit").get_json() | {"id": attempt["id"]}


def test_results_list_every_student_and_export_same_columns(world, factory, bank, make_exam):
    ids = bank.choices(4)
    late = factory.user("student", world.school, full_name="=HYPERLINK(\"x\")")
    factory.enrol(world.klass, late)
    exam = make_exam(ids)
    _sit(world, exam["id"], "student", {str(q): "b" for q in ids[:3]})
    teacher = world.as_("teacher")
    doc = teacher.get(f"/exams/{exam['id']}/results").get_json()
    rows = {r["student_id"]: r for r in doc["rows"]}
    assert set(rows) == {world.student, world.student2, late}
    assert rows[world.student]["score"] == "3.00" and rows[world.student]["score_10"] == "7.5"
    assert rows[world.student2]["status"] == "not_started" and rows[world.student2]["attempts"] == []
    csv = teacher.get(f"/exams/{exam['id']}/results?format=csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    lines = csv.data.decode("utf-8-sig").splitlines()
    assert lines[0] == "STT,Họ và tên,Tên đăng nhập,Lớp,Trạng thái,Số lượt làm,Điểm,Điểm hệ 10"
    assert any("Lê Minh Anh" in line and "7,5" in line for line in lines)
    assert any("'=HYPERLINK" in line for line in lines)  # no formula injection into Excel
    xlsx = teacher.get(f"/exams/{exam['id']}/results?format=xlsx")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert [c.value for c in sheet[1]] == lines[0].split(",")
    assert sheet.max_row == 4
    assert teacher.get(f"/exams/{exam['id']}/results?format=pdf").status_code == 422
    assert world.as_("teacher2").get(f"/exams/{exam['id']}/results").status_code == 404


def test_statistics_item_analysis_and_cache_invalidated_on_grading(app, world, factory, bank, make_exam):
    ids = bank.choices(3)
    extra = [factory.user("student", world.school) for _ in range(2)]
    factory.enrol(world.klass, *extra)
    exam = make_exam(ids)
    # Four students: totals 3, 2, 1, 0 -> question 1 answered right by the top three.
    answers = [{str(ids[0]): "b", str(ids[1]): "b", str(ids[2]): "b"},
               {str(ids[0]): "b", str(ids[1]): "b", str(ids[2]): "a"},
               {str(ids[0]): "b", str(ids[1]): "c"},
               {str(ids[0]): "a"}]
    for who, given in zip(["student", "student2"], answers[:2]):
        _sit(world, exam["id"], who, given)
    for uid, given in zip(extra, answers[2:]):
        client = factory.api(uid)
        attempt = client.post(f"/exams/{exam['id']}/attempts").get_json()
        client.put(f"/attempts/{attempt['id']}/answers", json={"answers": given})
        client.post(f"/attempts/{attempt['id']}/submit")
    teacher = world.as_("teacher")
    stats = teacher.get(f"/exams/{exam['id']}/statistics").get_json()
    assert stats["attempts"] == 4
    assert stats["mean"] == 5.0 and stats["median"] == 5.0  # 10, 6.7, 3.3, 0
    assert sum(b["count"] for b in stats["histogram"]) == 4
    by_id = {q["question_id"]: q for q in stats["questions"]}
    assert by_id[ids[0]]["facility"] == 0.75 and by_id[ids[2]]["facility"] == 0.25
    assert by_id[ids[0]]["discrimination"] == 1.0  # top student right, bottom student wrong
    assert by_id[ids[0]]["option_counts"] == {"b": 3, "a": 1}
    assert by_id[ids[1]]["option_counts"]["blank"] == 1
    assert by_id[ids[0]]["point_biserial"] > 0.5
    assert "too_hard" not in by_id[ids[0]]["flags"]
    assert stats["reliability"]["items"] == 3 and stats["reliability"]["kr20"] == stats["reliability"]["alpha"]
    # Cached: the same document until a grade changes, then recomputed.
    assert teacher.get(f"/exams/{exam['id']}/statistics").get_json()["computed_at"] == stats["computed_at"]
    teacher.post(f"/exams/{exam['id']}/regrade", json={"question_id": ids[2], "action": "full_credit",
                                                       "dry_run": False})
    fresh = teacher.get(f"/exams/{exam['id']}/statistics").get_json()
    assert fresh["computed_at"] != stats["computed_at"]
    assert {q["question_id"]: q for q in fresh["questions"]}[ids[2]]["facility"] == 1.0


def test_regrade_preview_then_apply_new_version(app, world, bank, make_exam):
    ids = bank.choices(2)  # key "b"
    exam = make_exam(ids)
    a = _sit(world, exam["id"], "student", {str(ids[0]): "c", str(ids[1]): "b"})
    b = _sit(world, exam["id"], "student2", {str(ids[0]): "b", str(ids[1]): "b"})
    assert (a["score"], b["score"]) == ("1.00", "2.00")
    new_version(app, ids[0], single_choice(1, correct="c"))  # the key was wrong
    teacher = world.as_("teacher")
    preview = teacher.post(f"/exams/{exam['id']}/regrade", json={"question_id": ids[0], "action": "new_version",
                                                                 "dry_run": True}).get_json()
    changes = {c["student_id"]: c for c in preview["changes"]}
    assert (changes[world.student]["old_score"], changes[world.student]["new_score"]) == ("1.00", "2.00")
    assert (changes[world.student2]["old_score"], changes[world.student2]["new_score"]) == ("2.00", "1.00")
    # A dry run changes nothing.
    assert world.as_("student").get(f"/attempts/{a['id']}").get_json()["score"] == "1.00"
    sent = []
    def receiver(sender, **kw):
        sent.append(kw)

    attempt_graded.connect(receiver)
    try:
        applied = teacher.post(f"/exams/{exam['id']}/regrade", json={"question_id": ids[0],
                                                                     "action": "new_version", "dry_run": False})
    finally:
        attempt_graded.disconnect(receiver)  # only ours: the gradebook listens too
    assert applied.status_code == 200
    assert world.as_("student").get(f"/attempts/{a['id']}").get_json()["score"] == "2.00"
    assert sorted((s["student_id"], s["score_10"], s["reason"]) for s in sent) == sorted(
        [(world.student, Decimal("10.0"), "regrade"), (world.student2, Decimal("5.0"), "regrade")])
    drop = teacher.post(f"/exams/{exam['id']}/regrade", json={"question_id": ids[1], "action": "drop",
                                                              "dry_run": False}).get_json()
    assert {c["student_id"]: c["new_score_10"] for c in drop["changes"]} == {world.student: "10.0",
                                                                             world.student2: "0.0"}
    assert teacher.post(f"/exams/{exam['id']}/regrade", json={"question_id": 999999, "action": "drop"}
                        ).status_code == 404


def test_counted_result_follows_policy(app, world, bank, make_exam):
    from lms.exams.api import counted_result, exam_info

    ids = bank.choices(2)
    exam = make_exam(ids, max_attempts=3, counted="best")
    _sit(world, exam["id"], "student", {str(ids[0]): "b", str(ids[1]): "b"})
    _sit(world, exam["id"], "student", {str(ids[0]): "b"})
    with app.app_context():
        assert counted_result(exam["id"], world.student)["score_10"] == Decimal("10.0")
        assert counted_result(exam["id"], world.student2) is None
        assert exam_info(exam["id"])["counted"] == "best"
        from lms.exams.models import Exam

        db.session.get(Exam, exam["id"]).counted = "last"
        db.session.flush()
        assert counted_result(exam["id"], world.student)["score_10"] == Decimal("5.0")
        db.session.rollback()
