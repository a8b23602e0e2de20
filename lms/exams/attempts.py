"""Attempts: start or resume, autosave, submit (by the student or at the deadline), and what a viewer sees.

The server owns the clock: an attempt's deadline is fixed when it starts (start + duration, capped by the
exam's closing time), autosaves are accepted until the deadline plus ``rules.GRACE_SECONDS``, and an overdue
attempt is submitted with what was saved, by the periodic job or as soon as anyone touches it.

Ordering, on every engine: a submit (the student's, or the auto-submit from a job, a late save, a review read
or a new start) first takes the attempt's lock (``lock``: the row on PostgreSQL, the database's write lock on
SQLite) and only then reads the answers it grades; a save's first statement is a write of the attempt row
guarded by its state and deadline, which waits for that same lock. So a save answered 200 committed before
the grading read its answers, a save after a submit finds it submitted (409), and parallel submits grade once.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import and_, bindparam, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload
from sqlalchemy.orm.util import identity_key

from lms.core.db import db, for_update, utcnow
from lms.core.errors import Conflict, ValidationFailed
from question_bank import api as bank

from . import grading, papers, rules
from .models import Attempt, AttemptItem, Exam
from .permissions import FULL, POINTS, SCORE, at_least, review_level
from .services import reorder_body

GRACE = timedelta(seconds=rules.GRACE_SECONDS)
#: The periodic auto-submit handles at most this many attempts per run; the next minute takes the rest.
AUTO_SUBMIT_BATCH = 500


def deadline_for(exam: Exam, started_at: datetime) -> datetime | None:
    """Start + duration, capped by the exam's closing time; None for an untimed exam that never closes."""
    ends = [t for t in (started_at + timedelta(minutes=exam.duration_minutes) if exam.duration_minutes else None,
                        exam.closes_at) if t is not None]
    return min(ends) if ends else None


def is_overdue(attempt: Attempt | SaveTarget, now: datetime) -> bool:
    """An open attempt whose deadline plus grace has passed."""
    return attempt.status == "in_progress" and attempt.deadline is not None and now > attempt.deadline + GRACE


class NewItem:
    """An item of a paper just inserted, as ``document`` reads it: not answered, not graded yet."""

    __slots__ = ("question_id", "version", "position", "section_index", "option_order", "max_points", "override")
    answer = answer_seq = points = comment = None
    needs_manual = False

    def __init__(self, **row):
        for name in self.__slots__:
            setattr(self, name, row[name])


def open_attempt(student, exam: Exam) -> Attempt | None:
    """The student's attempt in progress at this exam, if any."""
    return db.session.scalar(select(Attempt).where(Attempt.exam_id == exam.id, Attempt.student_id == student.id,
                                                   Attempt.status == "in_progress").order_by(Attempt.id.desc()))


def start_or_resume(student, exam: Exam, now: datetime | None = None) -> tuple[Attempt, bool, list]:
    """Resume the open attempt or start a new one; returns ``(attempt, created, items)``, ``items`` being the
    paper for ``document``: the attempt's own items when resumed, plain ``NewItem`` rows when just started.

    Conflict (409) when the exam is not open yet, has closed, or the student has no attempts left. An open
    attempt past its deadline is submitted first (and a new one started only if attempts remain).
    """
    now = now or utcnow()
    current = open_attempt(student, exam)
    if current is not None and finalize_if_overdue(current, exam, now):
        current = None
    if current is not None:
        return current, False, current.items
    if exam.opens_at and now < exam.opens_at:
        raise Conflict("Bài kiểm tra chưa mở.")
    if exam.closes_at and now >= exam.closes_at:
        raise Conflict("Bài kiểm tra đã đóng.")
    used = db.session.scalar(select(func.max(Attempt.number)).where(Attempt.exam_id == exam.id,
                                                                    Attempt.student_id == student.id)) or 0
    if exam.max_attempts is not None and used >= exam.max_attempts:
        raise Conflict("Bạn đã dùng hết số lần làm bài.")
    attempt = Attempt(exam_id=exam.id, student_id=student.id, number=used + 1, status="in_progress",
                      started_at=now, deadline=deadline_for(exam, now))
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
            db.session.flush()
    except IntegrityError:
        # A double click started the same attempt in a parallel request: resume that one.
        current = open_attempt(student, exam)
        if current is None:
            raise Conflict("Bài làm vừa được tạo ở nơi khác; hãy tải lại trang.") from None
        return current, False, current.items
    # The paper drawn ahead for this student's first attempt (lms.exams.papers), else drawn now, seeded by the
    # attempt id. Inserted in one statement; the same values become the attempt's items for the response.
    rows = papers.take(exam, student.id) if attempt.number == 1 else None
    if rows is None:
        rows = papers.draw(exam, f"attempt:{attempt.id}", str(attempt.id))
    db.session.execute(insert(_items), [{**row, "attempt_id": attempt.id} for row in rows])
    # Plain rows, not 40 ORM objects (building those cost a third of a start); attempt.items, if anything
    # reads it in this transaction, loads what was just inserted.
    return attempt, True, [NewItem(**row) for row in rows]


class SaveTarget(NamedTuple):
    """What a save checks before it writes, read in one round trip by ``save_target`` (no ORM objects: the
    autosave is the hottest request of exam day)."""

    id: int
    student_id: int
    status: str
    deadline: datetime | None
    #: ``(id, created_at)`` of the exam: the scope of ``grading.version_bodies``' cache.
    exam: ExamScope
    #: The named questions of this attempt's paper, by question id as a string.
    items: dict[str, PaperItem]


class ExamScope(NamedTuple):
    id: int
    created_at: datetime


class PaperItem(NamedTuple):
    question_id: int
    version: int
    position: int


_items = AttemptItem.__table__
_attempts = Attempt.__table__
_exams = Exam.__table__

#: The attempt's owner, state, deadline and exam, with the paper rows of the questions a save names (none
#: when it names none: the outer join keeps the attempt row). Built once, like the writes below.
_SAVE_TARGET = (
    select(_attempts.c.student_id, _attempts.c.status, _attempts.c.deadline, _attempts.c.exam_id,
           _exams.c.created_at, _items.c.question_id, _items.c.version, _items.c.position)
    .select_from(_attempts.join(_exams, _exams.c.id == _attempts.c.exam_id).outerjoin(
        _items, and_(_items.c.attempt_id == _attempts.c.id,
                     _items.c.question_id.in_(bindparam("b_questions", expanding=True)))))
    .where(_attempts.c.id == bindparam("b_id")))


def save_target(attempt_id: int, answers: dict) -> SaveTarget | None:
    """The attempt a save writes to, with the paper rows of the questions ``answers`` names; None when there
    is no such attempt. A read only: the save orders itself by its first write (``save_answers``)."""
    ids = sorted({int(k) for k in answers if k.isdecimal() and str(int(k)) == k})
    rows = db.session.connection().execute(_SAVE_TARGET, {"b_id": attempt_id, "b_questions": ids}).all()
    if not rows:
        return None
    first = rows[0]
    return SaveTarget(id=attempt_id, student_id=first.student_id, status=first.status, deadline=first.deadline,
                      exam=ExamScope(first.exam_id, first.created_at),
                      items={str(r.question_id): PaperItem(r.question_id, r.version, r.position)
                             for r in rows if r.question_id is not None})


def check_answers(target: SaveTarget, answers: dict) -> dict:
    """Validate ``answers`` against the attempt's paper: ``{key: (item, normalised answer)}``.

    Reads only (a paper's questions are fixed when it is drawn; their bodies come from the worker's cache),
    so a save does it before its first write. ValidationFailed (422) naming the question for an unknown
    question or an answer of the wrong shape.
    """
    by_id = target.items
    unknown = [k for k in answers if k not in by_id]
    if unknown:
        raise ValidationFailed("Câu hỏi không thuộc bài làm này.",
                               errors={f"answers.{k}": ["Câu hỏi không thuộc bài làm này."] for k in unknown})
    data = grading.version_bodies(target.exam, [(by_id[k].question_id, by_id[k].version) for k in answers])
    errors, checked = {}, {}
    for key, value in answers.items():
        item = by_id[key]
        try:
            checked[key] = (item, bank.check_answer(data[(item.question_id, item.version)], value))
        except bank.AnswerFormatError as exc:
            errors[f"answers.{key}"] = [f"Câu {item.position}: {exc}"]
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], errors=errors)
    return checked


def _store_statement(with_seq: bool):
    """UPDATE of one answer row by primary key; with a seq, only when no newer save wrote that question."""
    stmt = update(_items).where(_items.c.attempt_id == bindparam("b_attempt"),
                                _items.c.question_id == bindparam("b_question"))
    values = {_items.c.answer: bindparam("b_answer", type_=_items.c.answer.type),
              _items.c.answered_at: bindparam("b_at", type_=_items.c.answered_at.type)}
    if with_seq:
        stmt = stmt.where(or_(_items.c.answer_seq.is_(None), _items.c.answer_seq <= bindparam("b_seq")))
        values[_items.c.answer_seq] = bindparam("b_seq")
    return stmt.values(values)


# Built once: an autosave is the hottest write of exam day.
_STORE = {True: _store_statement(True), False: _store_statement(False)}
#: The save's first write: the attempt row, only while it is open (in progress, deadline + grace not passed).
_OPEN_NOW = (update(_attempts)
             .where(_attempts.c.id == bindparam("b_id"), _attempts.c.status == "in_progress",
                    or_(_attempts.c.deadline.is_(None),
                        _attempts.c.deadline >= bindparam("b_cutoff", type_=_attempts.c.deadline.type)))
             .values({_attempts.c.last_saved_at: bindparam("b_now", type_=_attempts.c.last_saved_at.type)}))


def save_answers(target: SaveTarget, answers: dict, now: datetime | None = None, seq: int | None = None) -> datetime:
    """Store answers ``{question_id: answer}`` in the attempt ``save_target`` read; returns the save time.
    Needs no lock: ordered by its writes.

    The first write is the attempt row itself (``last_saved_at``), guarded by the attempt's state and deadline
    in the same statement. It takes the lock that ``lock`` takes for a submit (the row on PostgreSQL, the
    database's write lock on SQLite, where this transaction has read nothing before it), so a save either
    commits before a submit reads the answers (and counts), or finds the attempt submitted (Conflict, 409),
    and the lock is held for these few statements only, not for the validation before them. The state read
    by ``save_target`` only spares a doomed save its validation; the guarded write decides.

    Per question the newest save wins: with the client's counter ``seq``, a save older than the one that wrote
    a question's stored answer leaves that answer alone, in the same guarded UPDATE (a retried or delayed
    request never rolls an answer back; the save is still acknowledged, since what it carried is superseded,
    not lost). Without ``seq`` the last write wins. Conflict after submit or past deadline + grace (the caller
    then finalises an overdue attempt); ValidationFailed (422) as ``check_answers``.
    """
    now = now or utcnow()
    if target.status != "in_progress" or is_overdue(target, now):
        raise Conflict("Bài làm đã nộp: không lưu thêm được.")
    checked = check_answers(target, answers)
    connection = db.session.connection()
    if connection.execute(_OPEN_NOW, {"b_id": target.id, "b_cutoff": now - GRACE, "b_now": now}).rowcount != 1:
        raise Conflict("Bài làm đã nộp: không lưu thêm được.")
    if checked:
        connection.execute(_STORE[seq is not None], [
            {"b_attempt": target.id, "b_question": item.question_id, "b_answer": value, "b_at": now, "b_seq": seq}
            for item, value in checked.values()])
    return now


def submit(attempt: Attempt, exam: Exam, reason: str = "submit", now: datetime | None = None) -> Attempt:
    """Grade and close an attempt; a second call changes nothing and returns the same result.

    ``attempt`` must come from ``lock`` in this transaction: that is what makes a parallel save either land
    before the grading (and count) or find the attempt submitted (409), and parallel submits grade once.
    """
    if attempt.status != "in_progress":
        return attempt
    now = now or utcnow()
    attempt.submitted_at = min(now, attempt.deadline + GRACE) if attempt.deadline else now
    attempt.submit_reason = reason
    grading.grade_attempt(attempt, exam)
    grading.announce(attempt, exam, reason)
    return attempt


def finalize_if_overdue(attempt: Attempt, exam: Exam, now: datetime | None = None) -> bool:
    """Submit ``attempt`` if its deadline plus grace has passed; True when it did (or another request just
    had). An attempt not locked yet is locked (and re-read) first, so the auto-submit takes the same ordered
    path as a student's submit wherever it is triggered: a save, a read of the review, a new start."""
    now = now or utcnow()
    if not is_overdue(attempt, now):
        return False
    if getattr(attempt, "_locked_in", None) is not db.session().get_transaction():
        locked = lock(attempt.id)
        if locked is None or locked.status != "in_progress":
            return True
        attempt = locked
    submit(attempt, exam, "auto_submit", now)
    return True


def submit_overdue(now: datetime | None = None, exam_id: int | None = None) -> int:
    """Submit every overdue attempt (of one exam, or all: the periodic job's body); idempotent, returns how
    many it closed.

    Each attempt is locked, re-checked, graded and committed on its own: a save or submit of that attempt in
    a request is ordered against it exactly as against a student's submit, the database's write lock (on
    SQLite) is held for one grading at a time, and a worker killed half-way keeps what it finished.
    """
    now = now or utcnow()
    stmt = (select(Attempt.id).where(Attempt.status == "in_progress", Attempt.deadline.is_not(None),
                                     Attempt.deadline < now - GRACE)
            .order_by(Attempt.deadline).limit(AUTO_SUBMIT_BATCH))
    if exam_id is not None:
        stmt = stmt.where(Attempt.exam_id == exam_id)
    candidates = db.session.scalars(stmt).all()
    db.session.commit()  # end the read: each attempt below gets a write transaction of its own
    done = 0
    for attempt_id in candidates:
        attempt = lock(attempt_id)
        if attempt is not None and is_overdue(attempt, now):
            submit(attempt, db.session.get(Exam, attempt.exam_id), "auto_submit", now)
            done += 1
        db.session.commit()
    return done


def submit_overdue_for_exam(exam: Exam, now: datetime | None = None) -> int:
    """Submit the overdue attempts of one exam, so results never show an abandoned attempt as running."""
    return submit_overdue(now, exam.id)


#: An attempt with its exam (``lock``); items and the exam's classes are left for whoever uses them.
_SELECT_ATTEMPT = (select(Attempt, Exam).join(Exam, Exam.id == Attempt.exam_id).where(Attempt.id == bindparam("b_id"))
                   .options(lazyload(Attempt.items), lazyload(Exam.classes)))


def lock(attempt_id: int) -> Attempt | None:
    """Load an attempt for writing: the entry to submit, auto-submit and hand grading (a save orders itself
    by its guarded first write, see ``save_answers``).

    ``lms.core.db.for_update`` makes it exclusive until commit (a row lock on PostgreSQL, the write lock
    taken before the read on SQLite), so these writes of one attempt happen one after another and each reads
    what the previous one committed. One round trip: the exam comes with it (a later
    ``db.session.get(Exam, ...)`` finds it in the session), and neither the items nor the exam's classes are
    read until something uses them, since an autosave touches only the rows it answers. Only the attempt row
    is locked on PostgreSQL: autosaves of one exam must not queue on it.
    """
    held = db.session.identity_map.get(identity_key(Attempt, attempt_id))
    if held is not None:
        # Read before the lock (a review page, a start): its items may be stale; re-read them under it.
        for item in held.__dict__.get("items") or []:
            db.session.expire(item)
        db.session.expire(held)
    stmt = for_update(_SELECT_ATTEMPT, of=Attempt)
    row = db.session.execute(stmt, {"b_id": attempt_id}).first()
    if row is None:
        return None
    attempt, exam = row
    # The session holds clean objects weakly: keep the exam alive for as long as the attempt is in use.
    attempt._locked_exam = exam
    attempt._locked_in = db.session().get_transaction()  # the lock lasts as long as this transaction
    return attempt


def result(attempt: Attempt, level: str) -> dict:
    """The submit response ``{status, score, max_score, score_10}``; the score hidden when policy says so."""
    shown = attempt.status != "in_progress" and at_least(level, SCORE)
    return {"id": attempt.id, "status": attempt.status, "submitted_at": attempt.submitted_at,
            "score": attempt.score if shown else None, "max_score": attempt.max_score if shown else None,
            "score_10": attempt.score_10 if shown else None}


def document(attempt: Attempt, exam: Exam, viewer, now: datetime | None = None, items=None) -> dict:
    """What ``viewer`` may see of an attempt now: the paper in this attempt's order, saved answers, and the
    review details the policy allows (lms.exams.permissions.review_level)."""
    now = now or utcnow()
    level = review_level(viewer, attempt, exam, now)
    items = attempt.items if items is None else items  # start_or_resume's rows for a new attempt
    data = grading.version_bodies(exam, [(i.question_id, i.version) for i in items])
    questions = []
    for item in items:
        body = data[(item.question_id, item.version)]
        view = bank.student_view(reorder_body(body, item.option_order))
        question = {**view, "id": item.question_id, "number": item.position, "points": item.max_points,
                    "section": exam.sections[item.section_index]["title"]}
        if attempt.status != "in_progress" and at_least(level, POINTS):
            question["points_earned"] = item.points
            question["correct"] = (item.points == item.max_points) if item.points is not None else None
            question["needs_manual"] = item.needs_manual
            question["comment"] = item.comment
        elif attempt.status != "in_progress" and at_least(level, SCORE) and item.comment:
            question["comment"] = item.comment  # the teacher wrote it for the student: no mark, no key
        if at_least(level, FULL):
            question["correct_answer"] = bank.correct_answer(body)
            if body.get("explanation"):
                question["explanation"] = body["explanation"]
            feedback = bank.answer_feedback(body, item.answer)
            if feedback:  # what the teacher wrote for the option or answer this student chose
                question["feedback"] = feedback
            if body.get("rubric") and viewer.role != "student":
                question["rubric"] = body["rubric"]
            if item.override:
                question["override"] = item.override
        questions.append(question)
    out = {
        "id": attempt.id, "exam_id": exam.id, "exam_title": exam.title, "mode": exam.mode,
        "number": attempt.number, "status": attempt.status, "started_at": attempt.started_at,
        "deadline": attempt.deadline, "server_now": now, "submitted_at": attempt.submitted_at,
        "grace_seconds": rules.GRACE_SECONDS, "review": level, "questions": questions,
        "answers": {str(i.question_id): i.answer for i in items if i.answer is not None},
        "seq": max((i.answer_seq for i in items if i.answer_seq is not None), default=None),
    }
    if attempt.status != "in_progress" and at_least(level, SCORE):
        out.update(score=attempt.score, max_score=attempt.max_score, score_10=attempt.score_10)
    return out
