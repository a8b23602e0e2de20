"""Reading gradebooks: ĐTBmhk per row, the whole gradebook, and a student's year with the learning result."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, localcontext

from sqlalchemy import select

from lms.accounts import api as accounts
from lms.core.db import db
from lms.curriculum import api as curriculum

from .. import rules
from ..models import KINDS, GradebookColumn, Score, SignOff, StudentComment
from .columns import (
    _KIND_ORDER, LEVEL_VALUE, TEST_VALUE, book_columns, is_locked, is_summary_locked, required_tx, subject_or_404,
    value_kind,
)
from .qualities import primary_result, qualities_of
from .scores import display


# --------------------------------------------------------------------------------------------------
# Averages
# --------------------------------------------------------------------------------------------------


def _provisional(tx: list, gk: list, ck: list) -> Decimal | None:
    """The TT22 formula over the components present so far; shown as "tạm tính", never official."""
    parts = [(v, rules.REGULAR_WEIGHT) for v in tx if v is not None]
    parts += [(v, rules.MIDTERM_WEIGHT) for v in gk if v is not None]
    parts += [(v, rules.FINAL_WEIGHT) for v in ck if v is not None]
    if not parts:
        return None
    with localcontext() as ctx:
        ctx.prec = 40
        total = sum((Decimal(v) * w for v, w in parts), Decimal(0))
        return rules.round_score(total / sum(w for _, w in parts))


@dataclass
class RowAverage:
    """The semester result of one student in one gradebook."""

    average: Decimal | str | None = None
    provisional: Decimal | None = None
    issues: list[str] = field(default_factory=list)
    #: Primary (TT27) only: the semester's end-of-semester test in whole points ("7").
    test: str | None = None


def row_average(columns: list[GradebookColumn], cells: dict[int, Score], comment_subject: bool,
                need_tx: int | None, complete: bool = True) -> RowAverage:
    """ĐTBmhk (or the Đ/CĐ semester result) of one student from their cells in ``columns``.

    ``complete`` is False when some columns are hidden from the viewer: then no official average is shown,
    because it would reveal the hidden scores.
    """
    by_kind = {kind: [c for c in columns if c.kind == kind] for kind in KINDS}
    issues = []
    if len(by_kind["gk"]) > 1 or len(by_kind["ck"]) > 1:
        issues.append("Sổ có nhiều hơn một cột ĐĐGgk hoặc ĐĐGck.")
    if need_tx is not None and len(by_kind["tx"]) > need_tx:
        issues.append(f"Sổ có {len(by_kind['tx'])} cột ĐĐGtx, nhiều hơn {need_tx} theo Thông tư 22.")
    if comment_subject:
        results = [None if cells.get(c.id) is None or cells[c.id].comment is None
                   else cells[c.id].comment == rules.COMMENT_PASSED_CODE for c in columns]
        short = need_tx is not None and len(by_kind["tx"]) < need_tx or not by_kind["gk"] or not by_kind["ck"]
        if issues or short or not complete:
            return RowAverage(issues=issues)
        result = rules.comment_semester_result(results)
        return RowAverage(average=None if result is None else rules.comment_code(result))

    def values(kind):
        return [None if cells.get(c.id) is None else cells[c.id].value for c in by_kind[kind]]

    tx, gk, ck = values("tx"), values("gk"), values("ck")
    average = None
    if not issues and complete and gk and ck:
        average = rules.semester_average(tx, gk[0], ck[0], required_tx=need_tx)
    provisional = _provisional(tx, gk, ck) if average is None else None
    return RowAverage(average=average, provisional=provisional, issues=issues)


def primary_row_result(columns: list[GradebookColumn], cells: dict[int, Score], kinds: dict[int, str],
                       complete: bool = True) -> RowAverage:
    """TT27 semester result of one primary student in one subject: the level (T/H/C) in the last level column,
    which is the latest periodic assessment, and the end-of-semester test (the ck test column) when there is one.

    As with ``row_average``, nothing official is given when some columns are hidden from the viewer.
    """
    issues = []
    if sum(1 for c in columns if c.kind == "gk") > 1 or sum(1 for c in columns if c.kind == "ck") > 1:
        issues.append("Sổ có nhiều hơn một cột giữa kì hoặc cuối kì.")
    if issues or not complete:
        return RowAverage(issues=issues)
    levels = [c for c in columns if kinds[c.id] == LEVEL_VALUE]
    tests = [c for c in columns if kinds[c.id] == TEST_VALUE and c.kind == "ck"]
    level = cells.get(levels[-1].id) if levels else None
    test = cells.get(tests[-1].id) if tests else None
    return RowAverage(average=level.comment if level is not None else None,
                      test=display(test, TEST_VALUE) if test is not None else None)


# --------------------------------------------------------------------------------------------------
# Reading a gradebook
# --------------------------------------------------------------------------------------------------


def _cells(column_ids: list[int], student_ids: list[int] | None = None) -> dict[tuple[int, int], Score]:
    if not column_ids:
        return {}
    stmt = select(Score).where(Score.column_id.in_(column_ids))
    if student_ids is not None:
        stmt = stmt.where(Score.student_id.in_(student_ids or [-1]))
    return {(s.column_id, s.student_id): s for s in db.session.scalars(stmt)}


def build_gradebook(klass, subject: str, semester: int) -> dict:
    """The whole gradebook as the API and the grid page show it (see schemas.GradebookOut)."""
    info = subject_or_404(subject)
    comment_subject = rules.is_comment_subject(info.graded_by)
    need_tx = required_tx(info, klass.grade)
    primary = rules.is_primary_grade(klass.grade)
    columns = book_columns(klass.id, subject, semester)
    kinds = {c.id: value_kind(info, klass.grade, c.kind) for c in columns}
    students = accounts.class_students(klass.id)
    cells = _cells([c.id for c in columns])
    remarks = {r.student_id: r.text for r in db.session.scalars(select(StudentComment).where(
        StudentComment.class_id == klass.id, StudentComment.subject_code == subject,
        StudentComment.semester == semester))}
    rows, issues = [], set()
    for student in students:
        mine = {c.id: cells.get((c.id, student.id)) for c in columns}
        filled = {k: v for k, v in mine.items() if v is not None}
        result = (primary_row_result(columns, filled, kinds) if primary
                  else row_average(columns, filled, comment_subject, need_tx))
        issues.update(result.issues)
        rows.append({
            "student_id": student.id, "full_name": student.full_name, "student_code": student.student_code,
            "scores": {str(cid): display(cell, kinds[cid]) for cid, cell in mine.items()},
            "flags": {str(cid): [name for name in ("absent", "make_up", "zero_no_makeup", "manual_override")
                                 if getattr(cell, name)]
                      for cid, cell in mine.items() if cell is not None and (
                          cell.absent or cell.make_up or cell.zero_no_makeup or cell.manual_override)},
            "average": _fmt(result.average), "provisional": _fmt(result.provisional), "test": result.test,
            "comment": remarks.get(student.id),
        })
    signoffs = db.session.scalars(select(SignOff).where(
        SignOff.class_id == klass.id, SignOff.subject_code == subject, SignOff.semester == semester)
        .order_by(SignOff.id)).all()
    return {
        "class_id": klass.id, "class_name": klass.name, "grade": klass.grade, "school_year": klass.school_year,
        "subject": subject, "subject_name": info.name, "graded_by": info.graded_by, "semester": semester,
        "required_tx": need_tx, "primary": primary, "locked": is_locked(klass.id, subject, semester),
        "summary_locked": is_summary_locked(klass.id, semester),
        "columns": [_column_dict(c, kinds[c.id]) for c in columns], "rows": rows, "issues": sorted(issues),
        "signatures": signoffs,
    }


def _fmt(value):
    if isinstance(value, Decimal):
        return str(value.quantize(rules.SCORE_QUANTUM))
    return value


def _column_dict(column: GradebookColumn, kind: str | None = None) -> dict:
    return {"id": column.id, "kind": column.kind, "title": column.title, "source": column.source,
            "exam_id": column.exam_id, "lecture_id": column.lecture_id,
            "package_media_id": column.package_media_id, "released": column.released, "position": column.position,
            "value_kind": kind}


# --------------------------------------------------------------------------------------------------
# A student's year
# --------------------------------------------------------------------------------------------------


def student_year(viewer, student_id: int, level: str, school_year: str | None) -> dict:
    """Every subject, every visible column, semester and year averages and the learning result.

    ``level`` comes from ``permissions.student_view``. The year result (rules.classify) is given only when
    every subject of the year has an official year result. In a primary class (TT27) each subject has a year
    level (semester II's) and end-of-year test instead of ĐTBmcn, and ``primary_result`` replaces the TT22
    learning result (``primary_missing`` says what it still waits for).
    """
    from .. import permissions

    student = accounts.get_user(student_id)
    class_ids = accounts.student_class_ids(student_id)
    classes = [k for k in (accounts.get_class(cid) for cid in class_ids) if k is not None]
    years = sorted({k.school_year for k in classes}, reverse=True)
    year = school_year or (years[0] if years else None)
    classes = [k for k in classes if k.school_year == year]
    subjects: dict[str, dict] = {}
    primary_class = None
    for klass in sorted(classes, key=lambda k: k.id):
        primary = rules.is_primary_grade(klass.grade)
        primary_class = klass if primary else primary_class
        columns = db.session.scalars(select(GradebookColumn).where(GradebookColumn.class_id == klass.id)).all()
        cells = _cells([c.id for c in columns], [student_id])
        for code in sorted({c.subject_code for c in columns}):
            info = curriculum.get_subject(code)
            comment_subject = rules.is_comment_subject(info.graded_by)
            need_tx = required_tx(info, klass.grade)
            entry = subjects.setdefault(code, {"subject": code, "name": info.name, "graded_by": info.graded_by,
                                               "class_id": klass.id, "primary": primary, "semesters": {}})
            for semester in (1, 2):
                book = sorted((c for c in columns if c.subject_code == code and c.semester == semester),
                              key=lambda c: (_KIND_ORDER.get(c.kind, 9), c.position, c.id))
                visible = [c for c in book if permissions.column_visible(viewer, level, c)]
                mine = {c.id: cells[(c.id, student_id)] for c in visible if (c.id, student_id) in cells}
                kinds = {c.id: value_kind(info, klass.grade, c.kind) for c in visible}
                complete = len(visible) == len(book)
                result = (primary_row_result(visible, mine, kinds, complete) if primary
                          else row_average(visible, mine, comment_subject, need_tx, complete=complete))
                entry["semesters"][str(semester)] = {
                    "columns": [{**_column_dict(c, kinds[c.id]), "value": display(mine.get(c.id), kinds[c.id]),
                                 # the exam attempt behind an exam score, so the student can open its review
                                 "attempt_id": getattr(mine.get(c.id), "attempt_id", None) if c.exam_id else None}
                                for c in visible],
                    "average": _fmt(result.average), "provisional": _fmt(result.provisional), "test": result.test,
                }
    scored, comment = {}, {}
    sem_scored = {1: {}, 2: {}}
    sem_comment = {1: {}, 2: {}}
    levels, tests = {}, {}
    for code, entry in subjects.items():
        sem = {s: entry["semesters"].get(str(s), {}).get("average") for s in (1, 2)}
        if entry["primary"]:
            # TT27: the end-of-year periodic assessment is semester II's; there is no ĐTBmcn.
            entry["year_average"] = None
            entry["year_level"] = levels[code] = sem[2]
            entry["year_test"] = entry["semesters"].get("2", {}).get("test")
            if entry["graded_by"] == rules.GRADED_BY_SCORE:
                tests[code] = entry["year_test"]
            continue
        if entry["graded_by"] == rules.GRADED_BY_COMMENT:
            passed = {s: None if sem[s] is None else sem[s] == rules.COMMENT_PASSED_CODE for s in (1, 2)}
            year_result = rules.comment_year_result(passed[1], passed[2])
            entry["year_average"] = None if year_result is None else rules.comment_code(year_result)
            comment[code] = year_result
            for s in (1, 2):
                sem_comment[s][code] = passed[s]
        else:
            values = {s: None if sem[s] is None else Decimal(sem[s]) for s in (1, 2)}
            year_avg = rules.year_average(values[1], values[2])
            entry["year_average"] = _fmt(year_avg)
            scored[code] = year_avg
            for s in (1, 2):
                sem_scored[s][code] = values[s]
    qualities = qualities_of(primary_class.id, [student_id]).get(student_id, {}) if primary_class else {}
    result, missing = primary_result(levels, tests, qualities) if primary_class else (None, [])
    return {
        "student_id": student_id, "full_name": student.full_name if student else "", "school_year": year,
        "school_years": years, "subjects": list(subjects.values()),
        "semester_results": {str(s): _classify(sem_scored[s], sem_comment[s]) for s in (1, 2)},
        "year_result": _classify(scored, comment),
        "primary": primary_class is not None, "qualities": qualities, "primary_result": result,
        "primary_missing": missing,
    }


def _classify(scored: dict, comment: dict) -> dict | None:
    if not scored and not comment:
        return None
    try:
        detail = rules.classification_detail(scored, comment)
    except rules.IncompleteResults:
        return None
    return {"level": detail.level.value, "label": detail.level.label, "unadjusted": detail.unadjusted.value,
            "decisive_subject": detail.decisive_subject}
