"""Item analysis of an exam (classical test theory) and the results table with its CSV/XLSX export.

Statistics use each student's counted attempt among the graded ones, so a student who tried five times
does not weigh five times. They are cached per exam in ``ExamStatistics`` and the cache row is deleted
whenever an attempt of the exam gets a new grade (lms.exams.grading.invalidate_statistics): never stale,
never recomputed on every page view.
"""
from __future__ import annotations

import csv
import io
import math
import statistics as pystats
from collections import Counter, defaultdict

from sqlalchemy import select

from lms.accounts.api import class_students, get_class
from lms.core.db import db, utcnow
from lms.core.downloads import append_row, csv_row
from question_bank import api as bank

from . import rules
from .grading import counted_attempt
from .models import Attempt, Exam, ExamStatistics

HISTOGRAM_BINS = 10
DIGITS = 3


def _r(value):
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else round(value, DIGITS)


def _pearson(xs: list[float], ys: list[float]) -> float | None:
    if len(xs) < 2:
        return None
    sx, sy = pystats.pstdev(xs), pystats.pstdev(ys)
    if sx == 0 or sy == 0:
        return None
    mx, my = pystats.fmean(xs), pystats.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / (len(xs) * sx * sy)


def _option_counts(qtype: str, answers: list) -> dict:
    """How often each option (or each statement's true/false) was chosen; None answers are "blank"."""
    counts: Counter = Counter()
    for answer in answers:
        if answer is None:
            counts["blank"] += 1
        elif qtype == "single_choice":
            counts[str(answer)] += 1
        elif qtype == "multiple_choice":
            counts.update(str(a) for a in answer)
        elif qtype == "true_false_group":
            counts.update(f"{sid}:{'true' if value else 'false'}" for sid, value in answer.items())
        elif qtype == "true_false":
            counts["true" if answer else "false"] += 1
        elif qtype == "short_answer":
            counts[str(answer)] += 1
    return dict(counts.most_common(20))


def compute(exam: Exam) -> dict:
    """The statistics document of an exam from its graded attempts (see ExamStatisticsOut)."""
    students = db.session.scalars(select(Attempt.student_id).where(Attempt.exam_id == exam.id,
                                                                   Attempt.status == "graded").distinct()).all()
    attempts = [a for a in (counted_attempt(exam, sid) for sid in students) if a is not None]
    totals = [float(a.score_10 or 0) for a in attempts]
    histogram = [{"from": b, "to": b + 1, "count": 0} for b in range(HISTOGRAM_BINS)]
    for value in totals:
        histogram[min(int(value), HISTOGRAM_BINS - 1)]["count"] += 1
    doc = {"exam_id": exam.id, "computed_at": utcnow().isoformat(), "attempts": len(attempts),
           "mean": _r(pystats.fmean(totals)) if totals else None,
           "median": _r(pystats.median(totals)) if totals else None,
           "sd": _r(pystats.pstdev(totals)) if len(totals) > 1 else None,
           "max_score": 10.0, "histogram": histogram, "questions": [],
           "reliability": {"kr20": None, "alpha": None, "items": 0}}
    if not attempts:
        return doc
    # Per question: the fraction of its points each student earned, aligned with that student's total.
    fractions: dict[int, dict[int, float]] = defaultdict(dict)
    answers: dict[int, list] = defaultdict(list)
    versions: dict[int, tuple[int, int]] = {}
    position: dict[int, int] = {}
    for attempt in attempts:
        for item in attempt.items:
            if item.override == "drop" or not item.max_points:
                continue
            fractions[item.question_id][attempt.id] = float((item.points or 0) / item.max_points)
            answers[item.question_id].append(item.answer)
            versions.setdefault(item.question_id, (item.question_id, item.version))
            position.setdefault(item.question_id, item.position)
    data = bank.get_versions(versions.values())
    ranked = sorted(attempts, key=lambda a: float(a.score_10 or 0))
    group = max(1, round(len(ranked) * rules.DISCRIMINATION_GROUP))
    lower, upper = {a.id for a in ranked[:group]}, {a.id for a in ranked[-group:]}
    total_of = {a.id: float(a.score_10 or 0) for a in attempts}
    for qid in sorted(fractions, key=lambda q: position[q]):
        by_attempt = fractions[qid]
        facility = pystats.fmean(by_attempt.values())
        up = [v for aid, v in by_attempt.items() if aid in upper]
        low = [v for aid, v in by_attempt.items() if aid in lower]
        discrimination = (pystats.fmean(up) - pystats.fmean(low)) if up and low and len(ranked) > 1 else None
        ids = list(by_attempt)
        pbis = _pearson([by_attempt[a] for a in ids], [total_of[a] for a in ids])
        flags = []
        if discrimination is not None and discrimination < rules.WEAK_DISCRIMINATION:
            flags.append("low_discrimination")
        if not rules.FACILITY_RANGE[0] <= facility <= rules.FACILITY_RANGE[1]:
            flags.append("too_hard" if facility < rules.FACILITY_RANGE[0] else "too_easy")
        qtype = data[versions[qid]].type if versions[qid] in data else None
        doc["questions"].append({"question_id": qid, "number": position[qid], "type": qtype,
                                 "responses": len(by_attempt), "facility": _r(facility),
                                 "discrimination": _r(discrimination), "point_biserial": _r(pbis),
                                 "option_counts": _option_counts(qtype, answers[qid]), "flags": flags})
    doc["reliability"] = _reliability(attempts, fractions)
    return doc


def _reliability(attempts: list[Attempt], fractions: dict[int, dict[int, float]]) -> dict:
    """Cronbach's alpha over the questions every counted attempt answered (KR-20 when all are 0/1)."""
    common = [q for q, by in fractions.items() if len(by) == len(attempts)]
    k = len(common)
    if k < 2 or len(attempts) < 2:
        return {"kr20": None, "alpha": None, "items": k}
    matrix = [[fractions[q][a.id] for q in common] for a in attempts]
    totals = [sum(row) for row in matrix]
    total_var = pystats.pvariance(totals)
    if total_var == 0:
        return {"kr20": None, "alpha": None, "items": k}
    item_vars = [pystats.pvariance([row[j] for row in matrix]) for j in range(k)]
    alpha = k / (k - 1) * (1 - sum(item_vars) / total_var)
    dichotomous = all(v in (0.0, 1.0) for row in matrix for v in row)
    # KR-20 is alpha for right/wrong items (p·q is the variance of a 0/1 item), so it is reported only then.
    return {"kr20": _r(alpha) if dichotomous else None, "alpha": _r(alpha), "items": k}


def cached(exam: Exam) -> dict:
    """The cached statistics of an exam, computed and stored when missing (the caller commits)."""
    row = db.session.get(ExamStatistics, exam.id)
    if row is None:
        row = ExamStatistics(exam_id=exam.id, data=compute(exam), computed_at=utcnow())
        db.session.add(row)
        db.session.flush()
    return row.data


# -- results -------------------------------------------------------------------------------------------------

RESULT_COLUMNS = ("STT", "Họ và tên", "Tên đăng nhập", "Lớp", "Trạng thái", "Số lượt làm", "Điểm", "Điểm hệ 10")
STATUS_LABELS = {"not_started": "Chưa làm", "in_progress": "Đang làm", "needs_grading": "Chờ chấm",
                 "graded": "Đã chấm"}


def results(exam: Exam) -> dict:
    """Every student of the assigned classes with their attempts and the counted score."""
    attempts_by_student: dict[int, list[Attempt]] = defaultdict(list)
    for attempt in db.session.scalars(select(Attempt).where(Attempt.exam_id == exam.id)
                                      .order_by(Attempt.student_id, Attempt.number)):
        attempts_by_student[attempt.student_id].append(attempt)
    rows, seen = [], set()
    max_score = None
    for class_id in exam.class_ids:
        klass = get_class(class_id)
        for student in class_students(class_id):
            if student.id in seen:
                continue
            seen.add(student.id)
            mine = attempts_by_student.get(student.id, [])
            counted = counted_attempt(exam, student.id)
            if any(a.status == "in_progress" for a in mine):
                status = "in_progress"
            elif counted is not None:
                status = "graded"
            elif mine:
                status = "needs_grading"
            else:
                status = "not_started"
            if counted is not None:
                max_score = counted.max_score
            rows.append({"student_id": student.id, "full_name": student.full_name, "username": student.username,
                         "class_name": klass.name if klass else "", "status": status,
                         "attempts": [{"id": a.id, "number": a.number, "status": a.status,
                                       "started_at": a.started_at, "submitted_at": a.submitted_at,
                                       "score": a.score, "max_score": a.max_score, "score_10": a.score_10}
                                      for a in mine],
                         "counted_attempt_id": counted.id if counted else None,
                         "score": counted.score if counted else None,
                         "score_10": counted.score_10 if counted else None})
    return {"exam_id": exam.id, "title": exam.title, "counted": exam.counted, "max_score": max_score, "rows": rows}


XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def result_table(doc: dict) -> list[list]:
    """The results as rows of cells, the same columns as the results page."""
    table = [list(RESULT_COLUMNS)]
    for n, row in enumerate(doc["rows"], start=1):
        table.append([n, row["full_name"], row["username"], row["class_name"], STATUS_LABELS[row["status"]],
                      len(row["attempts"]),
                      str(row["score"]).replace(".", ",") if row["score"] is not None else "",
                      str(row["score_10"]).replace(".", ",") if row["score_10"] is not None else ""])
    return table


def results_csv(doc: dict) -> bytes:
    """The results table as UTF-8 CSV with a BOM, which Excel needs to show Vietnamese correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in result_table(doc):
        writer.writerow(csv_row(row))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def results_xlsx(doc: dict) -> bytes:
    """The results table as an XLSX workbook."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Kết quả"
    for row in result_table(doc):
        append_row(sheet, row)
    for column, width in zip("ABCDEFGH", (6, 28, 18, 8, 12, 12, 8, 12)):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
