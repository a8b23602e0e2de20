"""Gradebook use cases: columns, score entry, averages, year view, exam posting, lock, sign and verify.

Services take the acting user (None for the exam pipeline), raise domain errors, flush and never commit:
the request or the exam transaction that called them commits once. Every score change goes through
``_apply`` so the change log and the delivery outbox cannot be skipped.
"""
from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, localcontext

from flask import current_app
from sqlalchemy import func, select

from lms.accounts import api as accounts
from lms.core.db import db, utcnow
from lms.core.errors import Conflict, NotFound, ValidationFailed
from lms.curriculum import api as curriculum

from . import delivery, rules, signing
from .models import (
    KINDS, ExamResult, GradebookColumn, GradebookLock, Score, ScoreChange, SignOff, StudentComment,
)

_KIND_ORDER = {kind: index for index, kind in enumerate(KINDS)}
#: Largest number of columns a gradebook may hold; far above any real timetable, it stops runaway clients.
MAX_COLUMNS_PER_BOOK = 30


# --------------------------------------------------------------------------------------------------
# Subjects and values
# --------------------------------------------------------------------------------------------------


def subject_or_404(code: str):
    """The curriculum subject, or a 422 naming the field (an unknown code is bad input, not a missing page)."""
    subject = curriculum.get_subject(code)
    if subject is None:
        raise ValidationFailed("Môn học không tồn tại.", errors={"subject": [f"Không có môn học mã “{code}”."]})
    return subject


def required_tx(subject, grade: int) -> int | None:
    """How many ĐĐGtx a semester needs for this subject in this grade (None if the grade has no periods)."""
    periods = subject.periods_for(grade)
    return rules.regular_assessment_count(periods) if periods else None


def display(score: Score | None) -> str | None:
    """The API/export form of a stored value: "8.3", "Đ", "CĐ" or None."""
    if score is None:
        return None
    if score.comment is not None:
        return score.comment
    if score.value is not None:
        return str(Decimal(score.value).quantize(rules.SCORE_QUANTUM))
    return None


def _to_text(raw) -> object:
    # JSON numbers arrive as float; repr() is the shortest text that reads back as the same float, i.e. what
    # the client typed ("8.25"), so Decimal sees the decimal value and 8,25 still rounds to 8,3.
    if isinstance(raw, float):
        return repr(raw)
    return raw


@dataclass
class Entry:
    """A parsed value for one cell: a Decimal score or a comment code, plus flags."""

    value: Decimal | None = None
    comment: str | None = None
    absent: bool = False
    make_up: bool = False
    zero_no_makeup: bool = False

    @property
    def empty(self) -> bool:
        return self.value is None and self.comment is None


def parse_entry(raw, comment_subject: bool) -> Entry:
    """Parse one submitted cell (a value, or ``{value, absent, make_up, zero_no_makeup}``).

    Raises ``rules.GradebookRuleError`` with a Vietnamese message for anything the regulation forbids.
    """
    flags = {}
    if isinstance(raw, dict):
        unknown = set(raw) - {"value", "absent", "make_up", "zero_no_makeup"}
        if unknown:
            raise rules.GradebookRuleError("Trường không hợp lệ: " + ", ".join(sorted(unknown)))
        flags = {k: raw.get(k, False) for k in ("absent", "make_up", "zero_no_makeup")}
        if not all(isinstance(v, bool) for v in flags.values()):
            raise rules.GradebookRuleError("absent, make_up, zero_no_makeup phải là true/false.")
        raw = raw.get("value")
    entry = Entry(**flags)
    if sum((entry.absent, entry.make_up, entry.zero_no_makeup)) > 1:
        raise rules.GradebookRuleError("Chỉ chọn một trong: vắng, kiểm tra bù, không kiểm tra bù.")
    if entry.zero_no_makeup:
        # TT22: a student who does not sit the make-up assessment gets 0 (or Chưa đạt).
        if comment_subject:
            entry.comment = rules.COMMENT_FAILED_CODE
        else:
            entry.value = Decimal(0).quantize(rules.SCORE_QUANTUM)
        return entry
    if isinstance(raw, str) and not raw.strip():
        raw = None
    if raw is not None:
        if comment_subject:
            if not isinstance(raw, str):
                raise rules.InvalidComment("Môn đánh giá bằng nhận xét chỉ nhận “Đ” hoặc “CĐ”.")
            entry.comment = rules.comment_code(rules.record_comment(raw))
        else:
            entry.value = rules.record_score(_to_text(raw))
    if entry.absent and not entry.empty:
        raise rules.GradebookRuleError("Học sinh vắng thì chưa có điểm; bỏ trống điểm hoặc bỏ đánh dấu vắng.")
    if entry.make_up and entry.empty:
        raise rules.GradebookRuleError("Kiểm tra bù cần có điểm.")
    return entry


# --------------------------------------------------------------------------------------------------
# Gradebook identity, lock and columns
# --------------------------------------------------------------------------------------------------


def book_columns(class_id: int, subject: str, semester: int) -> list[GradebookColumn]:
    """The columns of one gradebook in display order: tx…, gk, ck, each by position."""
    columns = db.session.scalars(select(GradebookColumn).where(
        GradebookColumn.class_id == class_id, GradebookColumn.subject_code == subject,
        GradebookColumn.semester == semester)).all()
    return sorted(columns, key=lambda c: (_KIND_ORDER.get(c.kind, 9), c.position, c.id))


def get_lock(class_id: int, subject: str, semester: int) -> GradebookLock | None:
    return db.session.get(GradebookLock, (class_id, subject, semester))


def is_locked(class_id: int, subject: str, semester: int) -> bool:
    """True while the gradebook is signed off (no entry until it is unlocked with a reason)."""
    lock = get_lock(class_id, subject, semester)
    return bool(lock and lock.locked)


def ensure_unlocked(class_id: int, subject: str, semester: int) -> None:
    if is_locked(class_id, subject, semester):
        raise Conflict("Sổ điểm đã khóa sau khi ký số; cần mở khóa (có lý do) trước khi sửa.")


def create_column(user, klass, subject: str, semester: int, kind: str, title: str, *, source: str = "manual",
                  exam_id: int | None = None, check_limits: bool = True) -> GradebookColumn:
    """Add a column to a gradebook. Manual columns respect the TT22 counts (tx by periods, one gk, one ck)."""
    info = subject_or_404(subject)
    existing = book_columns(klass.id, subject, semester)
    if check_limits:
        ensure_unlocked(klass.id, subject, semester)
        same_kind = [c for c in existing if c.kind == kind]
        limit = required_tx(info, klass.grade) if kind == "tx" else 1
        if limit is not None and len(same_kind) >= limit:
            label = {"tx": "ĐĐGtx", "gk": "ĐĐGgk", "ck": "ĐĐGck"}[kind]
            raise ValidationFailed("Đã đủ số cột theo Thông tư 22.", errors={
                "kind": [f"Môn {info.name} lớp {klass.grade} chỉ có {limit} cột {label} mỗi học kì."]})
        if len(existing) >= MAX_COLUMNS_PER_BOOK:
            raise ValidationFailed(errors={"kind": ["Sổ điểm đã có quá nhiều cột."]})
    position = 1 + max((c.position for c in existing if c.kind == kind), default=0)
    column = GradebookColumn(class_id=klass.id, subject_code=subject, semester=semester,
                             school_year=klass.school_year, kind=kind, title=title.strip(), source=source,
                             exam_id=exam_id, position=position, released=False)
    db.session.add(column)
    db.session.flush()
    return column


def get_column(column_id: int) -> GradebookColumn:
    column = db.session.get(GradebookColumn, column_id)
    if column is None:
        raise NotFound("Không tìm thấy cột điểm.")
    return column


def update_column(user, column: GradebookColumn, *, title: str | None = None, released: bool | None = None):
    """Rename or release a column. Releasing shows it to students; it is not a score change."""
    if title is not None:
        ensure_unlocked(column.class_id, column.subject_code, column.semester)
        column.title = title.strip()
    if released is not None:
        column.released = released
    db.session.flush()
    return column


# --------------------------------------------------------------------------------------------------
# Score changes: one path for manual entry, import and exams
# --------------------------------------------------------------------------------------------------


def _apply(column: GradebookColumn, student_id: int, entry: Entry, *, source: str, actor_id: int | None,
           key: str | None = None, attempt_id: int | None = None, override: bool | None = None,
           reason: str | None = None) -> ScoreChange | None:
    """Write one cell, log the change and queue its delivery. Returns None when nothing changed."""
    score = db.session.scalar(select(Score).where(Score.column_id == column.id, Score.student_id == student_id))
    old = display(score)
    old_flags = (score.absent, score.make_up, score.zero_no_makeup) if score else (False, False, False)
    new_flags = (entry.absent, entry.make_up, entry.zero_no_makeup)
    if score is None:
        if entry.empty and not any(new_flags):
            return None  # clearing a cell that was never filled
        score = Score(column_id=column.id, student_id=student_id, manual_override=False)
        db.session.add(score)
    score.value, score.comment = entry.value, entry.comment
    score.absent, score.make_up, score.zero_no_makeup = new_flags
    if override is not None:
        score.manual_override = override
    if attempt_id is not None:
        score.attempt_id = attempt_id
    new = display(score)
    if old == new and old_flags == new_flags:
        return None
    score.source = source
    score.updated_at = utcnow()
    score.updated_by = actor_id
    change = ScoreChange(class_id=column.class_id, subject_code=column.subject_code, semester=column.semester,
                         kind="score", column_id=column.id, student_id=student_id, old_value=old, new_value=new,
                         source=source, reason=reason, changed_by=actor_id, changed_at=score.updated_at,
                         idempotency_key=key or f"score:{column.id}:{student_id}:{uuid.uuid4().hex}")
    db.session.add(change)
    db.session.flush()
    delivery.record_score_change(change, column)
    return change


def set_scores(user, column: GradebookColumn, scores: dict) -> list[ScoreChange]:
    """Enter a column's values for several students (PUT semantics per student; ``None`` clears).

    Every value is checked first and nothing is written if any is wrong (422 naming each student).
    A value typed into an exam column becomes a manual override that later exam results do not replace.
    """
    ensure_unlocked(column.class_id, column.subject_code, column.semester)
    comment_subject = rules.is_comment_subject(subject_or_404(column.subject_code).graded_by)
    enrolled = set(accounts.class_student_ids(column.class_id))
    parsed, errors = {}, {}
    for raw_id, raw in scores.items():
        try:
            student_id = int(raw_id)
        except (TypeError, ValueError):
            errors[str(raw_id)] = ["Mã học sinh không hợp lệ."]
            continue
        if student_id not in enrolled:
            errors[str(raw_id)] = ["Học sinh không thuộc lớp này."]
            continue
        try:
            parsed[student_id] = parse_entry(raw, comment_subject)
        except rules.GradebookRuleError as exc:
            errors[str(raw_id)] = [str(exc)]
    if errors:
        raise ValidationFailed("Một số điểm không hợp lệ.", errors={"scores": errors})
    changes = []
    for student_id, entry in parsed.items():
        change = _apply(column, student_id, entry, source="manual", actor_id=user.id,
                        override=True if column.source == "exam" else None)
        if change:
            changes.append(change)
    return changes


def set_comments(user, klass, subject: str, semester: int, comments: dict) -> None:
    """Save the teacher's written remarks (nhận xét) per student; an empty text removes one."""
    ensure_unlocked(klass.id, subject, semester)
    enrolled = set(accounts.class_student_ids(klass.id))
    bad = {str(sid): ["Học sinh không thuộc lớp này."] for sid in comments if sid not in enrolled}
    if bad:
        raise ValidationFailed(errors={"comments": bad})
    for student_id, text in comments.items():
        row = db.session.scalar(select(StudentComment).where(
            StudentComment.class_id == klass.id, StudentComment.subject_code == subject,
            StudentComment.semester == semester, StudentComment.student_id == student_id))
        text = (text or "").strip()
        if not text:
            if row is not None:
                db.session.delete(row)
            continue
        if row is None:
            row = StudentComment(class_id=klass.id, subject_code=subject, semester=semester, student_id=student_id)
            db.session.add(row)
        row.text, row.updated_by, row.updated_at = text, user.id, utcnow()
    db.session.flush()


def import_sheet(user, klass, subject: str, semester: int, filename: str, data: bytes) -> dict:
    """Import a filled-in sổ điểm (XLSX/CSV): a per-row report, and nothing written unless every row is right."""
    from . import spreadsheets

    ensure_unlocked(klass.id, subject, semester)
    comment_subject = rules.is_comment_subject(subject_or_404(subject).graded_by)
    book = build_gradebook(klass, subject, semester)
    reports, cells = spreadsheets.plan_import(book, spreadsheets.read_table(filename, data))
    by_row = {r["row"]: r for r in reports}
    parsed = []
    for cell in cells:
        try:
            parsed.append((cell, parse_entry(cell["raw"], comment_subject)))
        except rules.GradebookRuleError as exc:
            by_row[cell["row"]]["errors"].append(f"{cell['label']}: {exc}")
    errors = [{"row": r["row"], "message": "; ".join(r["errors"])} for r in reports if r["errors"]]
    if not reports:
        errors.append({"row": 0, "message": "Tệp không có dòng học sinh nào."})
    if errors:
        return {"applied": False, "changed": 0, "rows": reports, "errors": errors}
    columns = {c.id: c for c in book_columns(klass.id, subject, semester)}
    changed = 0
    for cell, entry in parsed:
        column = columns[cell["column_id"]]
        if _apply(column, cell["student_id"], entry, source="import", actor_id=user.id, reason="Nhập từ tệp",
                  override=True if column.source == "exam" else None):
            by_row[cell["row"]]["changed"] += 1
            changed += 1
    return {"applied": True, "changed": changed, "rows": reports, "errors": []}


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
    columns = book_columns(klass.id, subject, semester)
    students = accounts.class_students(klass.id)
    cells = _cells([c.id for c in columns])
    remarks = {r.student_id: r.text for r in db.session.scalars(select(StudentComment).where(
        StudentComment.class_id == klass.id, StudentComment.subject_code == subject,
        StudentComment.semester == semester))}
    rows, issues = [], set()
    for student in students:
        mine = {c.id: cells.get((c.id, student.id)) for c in columns}
        result = row_average(columns, {k: v for k, v in mine.items() if v is not None}, comment_subject, need_tx)
        issues.update(result.issues)
        rows.append({
            "student_id": student.id, "full_name": student.full_name, "student_code": student.student_code,
            "scores": {str(cid): display(cell) for cid, cell in mine.items()},
            "flags": {str(cid): [name for name in ("absent", "make_up", "zero_no_makeup", "manual_override")
                                 if getattr(cell, name)]
                      for cid, cell in mine.items() if cell is not None and (
                          cell.absent or cell.make_up or cell.zero_no_makeup or cell.manual_override)},
            "average": _fmt(result.average), "provisional": _fmt(result.provisional),
            "comment": remarks.get(student.id),
        })
    lock = get_lock(klass.id, subject, semester)
    signoffs = db.session.scalars(select(SignOff).where(
        SignOff.class_id == klass.id, SignOff.subject_code == subject, SignOff.semester == semester)
        .order_by(SignOff.id)).all()
    return {
        "class_id": klass.id, "class_name": klass.name, "grade": klass.grade, "school_year": klass.school_year,
        "subject": subject, "subject_name": info.name, "graded_by": info.graded_by, "semester": semester,
        "required_tx": need_tx, "locked": bool(lock and lock.locked),
        "columns": [_column_dict(c) for c in columns], "rows": rows, "issues": sorted(issues),
        "signatures": signoffs,
    }


def _fmt(value):
    if isinstance(value, Decimal):
        return str(value.quantize(rules.SCORE_QUANTUM))
    return value


def _column_dict(column: GradebookColumn) -> dict:
    return {"id": column.id, "kind": column.kind, "title": column.title, "source": column.source,
            "exam_id": column.exam_id, "released": column.released, "position": column.position}


def change_log(class_id: int, subject: str, semester: int):
    """The select statement of a gradebook's change log, newest first (paginated by the route)."""
    return (select(ScoreChange).where(ScoreChange.class_id == class_id, ScoreChange.subject_code == subject,
                                      ScoreChange.semester == semester)
            .order_by(ScoreChange.changed_at.desc(), ScoreChange.id.desc()))


# --------------------------------------------------------------------------------------------------
# A student's year
# --------------------------------------------------------------------------------------------------


def student_year(viewer, student_id: int, level: str, school_year: str | None) -> dict:
    """Every subject, every visible column, semester and year averages and the learning result.

    ``level`` comes from ``permissions.student_view``. The year result (rules.classify) is given only when
    every subject of the year has an official year result.
    """
    from . import permissions

    student = accounts.get_user(student_id)
    class_ids = accounts.student_class_ids(student_id)
    classes = [k for k in (accounts.get_class(cid) for cid in class_ids) if k is not None]
    years = sorted({k.school_year for k in classes}, reverse=True)
    year = school_year or (years[0] if years else None)
    classes = [k for k in classes if k.school_year == year]
    subjects: dict[str, dict] = {}
    for klass in sorted(classes, key=lambda k: k.id):
        columns = db.session.scalars(select(GradebookColumn).where(GradebookColumn.class_id == klass.id)).all()
        cells = _cells([c.id for c in columns], [student_id])
        for code in sorted({c.subject_code for c in columns}):
            info = curriculum.get_subject(code)
            comment_subject = rules.is_comment_subject(info.graded_by)
            need_tx = required_tx(info, klass.grade)
            entry = subjects.setdefault(code, {"subject": code, "name": info.name, "graded_by": info.graded_by,
                                               "class_id": klass.id, "semesters": {}})
            for semester in (1, 2):
                book = sorted((c for c in columns if c.subject_code == code and c.semester == semester),
                              key=lambda c: (_KIND_ORDER.get(c.kind, 9), c.position, c.id))
                visible = [c for c in book if permissions.column_visible(viewer, level, c)]
                mine = {c.id: cells[(c.id, student_id)] for c in visible if (c.id, student_id) in cells}
                result = row_average(visible, mine, comment_subject, need_tx, complete=len(visible) == len(book))
                entry["semesters"][str(semester)] = {
                    "columns": [{**_column_dict(c), "value": display(mine.get(c.id))} for c in visible],
                    "average": _fmt(result.average), "provisional": _fmt(result.provisional),
                }
    scored, comment = {}, {}
    sem_scored = {1: {}, 2: {}}
    sem_comment = {1: {}, 2: {}}
    for code, entry in subjects.items():
        sem = {s: entry["semesters"].get(str(s), {}).get("average") for s in (1, 2)}
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
    return {
        "student_id": student_id, "full_name": student.full_name if student else "", "school_year": year,
        "school_years": years, "subjects": list(subjects.values()),
        "semester_results": {str(s): _classify(sem_scored[s], sem_comment[s]) for s in (1, 2)},
        "year_result": _classify(scored, comment),
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


# --------------------------------------------------------------------------------------------------
# Exams (called by handlers.py, inside the exam's transaction)
# --------------------------------------------------------------------------------------------------


def sync_exam_columns(exam_id: int, title: str, subject: str, class_ids: list[int], gradebook: dict | None,
                      school_year: str | None) -> list[GradebookColumn]:
    """Create or update the exam's column in each assigned class; drop empty columns no longer wanted.

    A column that already holds scores is kept (and stays an exam column) even when the exam stops
    feeding it, because deleting entered marks behind a teacher's back is worse than an extra column.
    """
    wanted = set(class_ids or []) if gradebook else set()
    existing = {c.class_id: c for c in db.session.scalars(
        select(GradebookColumn).where(GradebookColumn.exam_id == exam_id))}
    for class_id, column in existing.items():
        if class_id not in wanted:
            has_scores = db.session.scalar(select(func.count(Score.id)).where(Score.column_id == column.id))
            if not has_scores:
                db.session.delete(column)
    kept = []
    if not gradebook:
        db.session.flush()
        return kept
    kind, semester = gradebook.get("column_kind"), int(gradebook.get("semester") or 0)
    if kind not in KINDS or semester not in (1, 2) or curriculum.get_subject(subject) is None:
        current_app.logger.warning("exam %s: gradebook link %r ignored (bad kind/semester/subject)", exam_id, gradebook)
        db.session.flush()
        return kept
    for class_id in sorted(wanted):
        klass = accounts.get_class(class_id)
        if klass is None or school_year and klass.school_year != school_year:
            continue
        column = existing.get(class_id)
        if column is None:
            column = create_column(None, klass, subject, semester, kind, title, source="exam", exam_id=exam_id,
                                   check_limits=False)
        else:
            moved = (column.subject_code, column.semester, column.kind) != (subject, semester, kind)
            if moved:
                column.position = 1 + max((c.position for c in book_columns(class_id, subject, semester)
                                           if c.kind == kind and c.id != column.id), default=0)
            column.subject_code, column.semester, column.kind, column.title = subject, semester, kind, title
        kept.append(column)
    db.session.flush()
    return kept


def record_exam_result(*, attempt_id: int, exam_id: int, student_id: int, score_10, reason: str, started_at,
                       counted: str = "best") -> ExamResult:
    """Store (or update, on a repeated or regraded signal) the result of one attempt."""
    value = rules.record_score(score_10 if not isinstance(score_10, float) else repr(score_10))
    if started_at is not None and started_at.tzinfo is None:
        from datetime import timezone

        started_at = started_at.replace(tzinfo=timezone.utc)  # the exams package stores UTC
    result = db.session.scalar(select(ExamResult).where(ExamResult.attempt_id == attempt_id))
    if result is None:
        result = ExamResult(attempt_id=attempt_id, exam_id=exam_id, student_id=student_id)
        db.session.add(result)
    if result.score_10 is None or Decimal(result.score_10) != value or result.reason != reason:
        result.graded_at = utcnow()
    result.score_10, result.reason, result.started_at, result.counted = value, reason, started_at, counted
    db.session.flush()
    return result


def counted_result(exam_id: int, student_id: int, counted: str) -> ExamResult | None:
    """The attempt the exam counts: best score (earliest on ties), last started or first started."""
    results = db.session.scalars(select(ExamResult).where(ExamResult.exam_id == exam_id,
                                                          ExamResult.student_id == student_id)).all()
    if not results:
        return None
    start = lambda r: (r.started_at or r.graded_at, r.attempt_id)  # noqa: E731
    if counted == "last":
        return max(results, key=start)
    if counted == "first":
        return min(results, key=start)
    best = max(Decimal(r.score_10) for r in results)
    return min((r for r in results if Decimal(r.score_10) == best), key=start)


def post_exam_score(exam_id: int, student_id: int, counted: str, reason: str) -> list[ScoreChange]:
    """Post the counted attempt's score into the exam's column(s) of the student's class(es).

    A teacher's manual override wins: the exam score is kept alongside (``exam_value``) but not shown.
    A locked (signed) gradebook is not touched; ``unlock`` re-posts afterwards.
    """
    result = counted_result(exam_id, student_id, counted)
    if result is None:
        return []
    class_ids = accounts.student_class_ids(student_id)
    columns = db.session.scalars(select(GradebookColumn).where(
        GradebookColumn.exam_id == exam_id, GradebookColumn.class_id.in_(class_ids or {-1}))).all()
    changes = []
    value = Decimal(result.score_10).quantize(rules.SCORE_QUANTUM)
    source = "regrade" if reason == "regrade" else "exam"
    for column in columns:
        if is_locked(column.class_id, column.subject_code, column.semester):
            current_app.logger.info("exam %s: gradebook column %s is locked; score held", exam_id, column.id)
            continue
        comment_subject = rules.is_comment_subject(subject_or_404(column.subject_code).graded_by)
        if comment_subject:
            continue  # a comment-only subject has no 0..10 score to receive
        score = db.session.scalar(select(Score).where(Score.column_id == column.id, Score.student_id == student_id))
        if score is not None and score.manual_override:
            score.exam_value = value
            continue
        key = f"exam:{exam_id}:attempt:{result.attempt_id}:score:{value}:column:{column.id}:student:{student_id}"
        if db.session.scalar(select(ScoreChange.id).where(ScoreChange.idempotency_key == key)) is not None:
            # The same attempt+score was posted before and something else was posted since (regrade back).
            key = f"{key}:{uuid.uuid4().hex[:12]}"
        change = _apply(column, student_id, Entry(value=value), source=source, actor_id=None, key=key,
                        attempt_id=result.attempt_id, reason=f"exam {reason}")
        score = db.session.scalar(select(Score).where(Score.column_id == column.id, Score.student_id == student_id))
        score.exam_value = value
        if change:
            changes.append(change)
    db.session.flush()
    return changes


def _repost_exam_columns(class_id: int, subject: str, semester: int) -> None:
    """After an unlock, bring exam columns up to date with results that arrived while locked."""
    for column in book_columns(class_id, subject, semester):
        if column.exam_id is None:
            continue
        latest: dict[int, ExamResult] = {}
        for result in db.session.scalars(select(ExamResult).where(ExamResult.exam_id == column.exam_id)
                                         .order_by(ExamResult.graded_at, ExamResult.id)):
            latest[result.student_id] = result  # the newest signal carries the exam's current counting rule
        for student_id, result in latest.items():
            post_exam_score(column.exam_id, student_id, result.counted, result.reason)


# --------------------------------------------------------------------------------------------------
# Lock, sign, unlock, verify
# --------------------------------------------------------------------------------------------------


def snapshot(klass, subject: str, semester: int) -> dict:
    """The canonical content a signature covers: every column holding a value, every student's values and
    averages. Empty columns are left out so an exam created later does not break the signature."""
    book = build_gradebook(klass, subject, semester)
    used = {cid for row in book["rows"] for cid, value in row["scores"].items() if value is not None}
    return {
        "class_id": klass.id, "class_name": klass.name, "school_year": klass.school_year, "subject": subject,
        "semester": semester,
        "columns": [{"id": str(c["id"]), "kind": c["kind"], "title": c["title"]}
                    for c in book["columns"] if str(c["id"]) in used],
        "rows": [{"student_id": str(r["student_id"]), "full_name": r["full_name"],
                  "scores": {cid: v for cid, v in r["scores"].items() if cid in used},
                  "average": r["average"]} for r in book["rows"]],
    }


def _digest(data: dict) -> str:
    return hashlib.sha256(signing.canonical_json(data)).hexdigest()


def _log_lock(klass, subject: str, semester: int, kind: str, actor_id: int, reason: str | None) -> None:
    db.session.add(ScoreChange(class_id=klass.id, subject_code=subject, semester=semester, kind=kind,
                               source=kind, reason=reason, changed_by=actor_id, changed_at=utcnow(),
                               idempotency_key=f"{kind}:{klass.id}:{subject}:{semester}:{uuid.uuid4().hex}"))


def sign(user, klass, subject: str, semester: int, pkcs12_bytes: bytes, password: str | None) -> SignOff:
    """Lock the gradebook and sign its canonical snapshot with the certificate in the PKCS#12 file.

    A wrong password or damaged file is a 422 on ``pkcs12``; an expired certificate a 422 too.
    """
    subject_or_404(subject)
    try:
        signer = signing.load_signer(pkcs12_bytes, password.encode("utf-8") if password else None)
        data = snapshot(klass, subject, semester)
        record = signing.sign(signing.canonical_json(data), signer)
    except signing.SigningError as exc:
        raise ValidationFailed("Không ký được sổ điểm.", errors={"pkcs12": [str(exc)]}) from None
    role = "subject_teacher" if accounts.teaches(user.id, klass.id, subject) else "principal"
    signoff = SignOff(class_id=klass.id, subject_code=subject, semester=semester, kind="subject",
                      signer_id=user.id, signer_name=record.signer_name, role=role, snapshot=data,
                      snapshot_sha256=_digest(data), cms_der=record.cms_der, certificate_pem=record.certificate_pem,
                      certificate_fingerprint=record.certificate_fingerprint, signed_at=record.signed_at)
    db.session.add(signoff)
    lock = get_lock(klass.id, subject, semester)
    if lock is None:
        lock = GradebookLock(class_id=klass.id, subject_code=subject, semester=semester)
        db.session.add(lock)
    lock.locked, lock.locked_at, lock.locked_by = True, utcnow(), user.id
    _log_lock(klass, subject, semester, "lock", user.id, f"Ký số bởi {record.signer_name}")
    db.session.flush()
    return signoff


def unlock(user, klass, subject: str, semester: int, reason: str) -> GradebookLock:
    """Unlock a signed gradebook: the reason is logged and every standing signature is marked invalidated."""
    lock = get_lock(klass.id, subject, semester)
    if lock is None or not lock.locked:
        raise Conflict("Sổ điểm chưa bị khóa.")
    now = utcnow()
    lock.locked, lock.unlocked_at, lock.unlocked_by, lock.unlock_reason = False, now, user.id, reason
    for signoff in db.session.scalars(select(SignOff).where(
            SignOff.class_id == klass.id, SignOff.subject_code == subject, SignOff.semester == semester,
            SignOff.invalidated_at.is_(None))):
        signoff.invalidated_at = now
        signoff.invalidated_reason = f"Mở khóa sổ điểm: {reason}"
    _log_lock(klass, subject, semester, "unlock", user.id, reason)
    db.session.flush()
    _repost_exam_columns(klass.id, subject, semester)
    return lock


def trusted_roots():
    """Trusted root certificates from GRADEBOOK_TRUSTED_ROOTS (a PEM bundle file path or PEM text);
    None when unset (the signature is then checked but the issuer is not)."""
    from cryptography import x509

    configured = current_app.config.get("GRADEBOOK_TRUSTED_ROOTS")
    if not configured:
        return None
    text = configured
    if "-----BEGIN" not in configured:
        with open(configured, "rb") as fh:
            text = fh.read().decode("ascii")
    return x509.load_pem_x509_certificates(text.encode("ascii") if isinstance(text, str) else text)


def verify(signoff: SignOff) -> dict:
    """Check a sign-off: the signature over the stored snapshot, the trust chain, and whether the
    gradebook still holds exactly the signed data."""
    outcome = signing.verify(signing.canonical_json(signoff.snapshot), signoff.cms_der, trusted_roots())
    klass = accounts.get_class(signoff.class_id)
    current = snapshot(klass, signoff.subject_code, signoff.semester) if klass else None
    matches = current is not None and _digest(current) == signoff.snapshot_sha256
    stored_ok = _digest(signoff.snapshot) == signoff.snapshot_sha256
    reasons = []
    if not outcome.valid:
        reasons.append(outcome.reason)
    if not stored_ok:
        reasons.append("Bản lưu của dữ liệu đã ký không khớp mã băm.")
    if not matches:
        reasons.append("Dữ liệu hiện tại của sổ điểm khác với dữ liệu đã ký.")
    if signoff.invalidated_at is not None:
        reasons.append(signoff.invalidated_reason or "Chữ ký đã bị vô hiệu.")
    return {
        "id": signoff.id, "valid": outcome.valid and stored_ok, "signer": outcome.signer_name or signoff.signer_name,
        "role": signoff.role, "signed_at": outcome.signed_at or signoff.signed_at,
        "chain_verified": outcome.chain_verified, "matches_current_data": matches,
        "invalidated_at": signoff.invalidated_at, "invalidated_reason": signoff.invalidated_reason,
        "reason": " ".join(r for r in reasons if r) or None,
    }
