"""Scoring attempts: per-question points through the bank's pure scoring, totals, hand grading, regrades.

``question_bank`` scores one answer against one immutable version; this module stores the points, keeps the
totals, invalidates the statistics cache and sends ``attempt_graded`` for the gradebook.
"""
from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from sqlalchemy import bindparam, delete, select, update

from lms.accounts.api import get_user
from lms.core.db import db
from lms.core.errors import Conflict, NotFound, ValidationFailed
from question_bank import api as bank

from . import rules
from .models import Attempt, AttemptItem, Exam, ExamStatistics
from .signals import attempt_graded

ZERO = Decimal("0.00")
REGRADE_ACTIONS = ("new_version", "full_credit", "drop")
#: Question bodies kept per process (autosave validation, grading and the paper of every attempt need them).
BODY_CACHE_SIZE = 20_000

_bodies: dict[tuple[int, datetime, int, int], dict] = {}
_bodies_lock = threading.Lock()


def version_bodies(exam: Exam, pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], dict]:
    """The bodies of question versions used by ``exam``, keyed by ``(question_id, version)``; missing ones
    are left out. Shared and read-only: copy before changing (``services.reorder_body`` does).

    A version never changes once written, so every worker keeps the bodies it has read instead of asking the
    bank on each autosave, start and submit. The key also carries the exam's id and creation time: a test
    database that is emptied and refilled reuses question ids for other bodies, and a different exam (or the
    same id created at another instant) must never see a body cached for an earlier one.
    """
    scope = (exam.id, exam.created_at)
    if None in scope:  # an exam not written yet: nothing to key the bodies by
        return {pair: data.body for pair, data in bank.get_versions(pairs).items()}
    out, missing = {}, []
    for question_id, version in pairs:
        pair = (int(question_id), int(version))
        body = _bodies.get(scope + pair)
        if body is None:
            missing.append(pair)
        else:
            out[pair] = body
    if missing:
        fetched = {pair: data.body for pair, data in bank.get_versions(missing).items()}
        with _bodies_lock:
            while len(_bodies) + len(fetched) > BODY_CACHE_SIZE and _bodies:
                _bodies.pop(next(iter(_bodies)))  # oldest first (dicts keep insertion order)
            for pair, body in fetched.items():
                _bodies[scope + pair] = body
        out.update(fetched)
    return out


def section_points(section: dict) -> Decimal | None:
    """A section's points per question, or None for the policy's legal default (thpt2025)."""
    value = section.get("points_per_question")
    return Decimal(value) if value is not None else None


def item_max_points(body: dict, section: dict, subject: str) -> Decimal:
    """What a question is worth in a section: the section's points, or the legal default of its policy."""
    explicit = section_points(section)
    if explicit is not None:
        return rules.points(explicit)
    # The default depends on the type (and for thpt2025 Part II on the table), so ask the policy what a
    # fully correct answer earns instead of restating its table here.
    full = bank.score(body, bank.correct_answer(body))
    return bank.points_for(section["scoring"], body["type"], full, None, subject)


def score_item(item: AttemptItem, body: dict, section: dict, subject: str) -> None:
    """Score one item in place. A teacher's hand grade stands unless a regrade overrides the question."""
    if item.override == "drop":
        item.max_points, item.points, item.needs_manual = ZERO, ZERO, False
        return
    if item.override == "full_credit":
        item.points, item.needs_manual = item.max_points, False
        return
    if item.graded_by is not None:
        return
    try:
        outcome = bank.score(body, item.answer)
    except bank.AnswerFormatError:
        # An answer saved against an older version may no longer fit a corrected one: it earns nothing.
        item.points, item.needs_manual = ZERO, False
        return
    if outcome.needs_manual:
        item.points, item.needs_manual = None, True
        return
    item.needs_manual = False
    item.points = bank.points_for(section["scoring"], body["type"], outcome, section_points(section) or
                                  item.max_points, subject)


def refresh_totals(attempt: Attempt, items=None) -> None:
    """Recompute score, max_score, score_10 and the graded/needs_grading status of a submitted attempt (from
    ``items`` when given, else the attempt's loaded items)."""
    items = attempt.items if items is None else items
    attempt.max_score = rules.points(sum((i.max_points for i in items), ZERO))
    attempt.score = rules.points(sum((i.points or ZERO for i in items), ZERO))
    attempt.status = "needs_grading" if any(i.needs_manual for i in items) else "graded"
    attempt.score_10 = rules.scale_to_ten(attempt.score, attempt.max_score)


class _ItemToGrade:
    """An attempt item as ``score_item`` reads and writes it, without an ORM object (the submit path)."""

    __slots__ = ("question_id", "version", "section_index", "answer", "override", "graded_by", "max_points",
                 "points", "needs_manual")

    def __init__(self, row):
        for name in self.__slots__:
            setattr(self, name, getattr(row, name))


_items = AttemptItem.__table__
#: What scoring reads of an attempt's items, and the write of what it decides: built once (submit is the
#: second hottest request of exam day, 40 items each).
_ITEMS_TO_GRADE = select(*(_items.c[name] for name in _ItemToGrade.__slots__)).where(
    _items.c.attempt_id == bindparam("b_attempt"))
_STORE_POINTS = (update(_items).where(_items.c.attempt_id == bindparam("b_attempt"),
                                      _items.c.question_id == bindparam("b_question"))
                 .values({_items.c.points: bindparam("b_points", type_=_items.c.points.type),
                          _items.c.max_points: bindparam("b_max", type_=_items.c.max_points.type),
                          _items.c.needs_manual: bindparam("b_manual")}))


def grade_attempt(attempt: Attempt, exam: Exam) -> None:
    """Score every item of ``attempt`` and its totals (pure scoring per item; flushes).

    Items the session already holds (hand grading, a regrade) are scored in place. Otherwise (a submit: the
    attempt comes from ``attempts.lock`` without its items) they are read as plain rows and their points
    written back in one executemany, which costs a fraction of loading and flushing 40 ORM objects; a later
    read of ``attempt.items`` in this transaction loads what was written.
    """
    if "items" in attempt.__dict__:
        items = attempt.items
    else:
        items = [_ItemToGrade(row) for row in db.session.execute(_ITEMS_TO_GRADE, {"b_attempt": attempt.id})]
    bodies = version_bodies(exam, [(i.question_id, i.version) for i in items])
    for item in items:
        score_item(item, bodies[(item.question_id, item.version)], exam.sections[item.section_index],
                   exam.subject)
    if items and not isinstance(items[0], AttemptItem):
        db.session.execute(_STORE_POINTS, [
            {"b_attempt": attempt.id, "b_question": i.question_id, "b_points": i.points, "b_max": i.max_points,
             "b_manual": i.needs_manual} for i in items])
    refresh_totals(attempt, items)
    db.session.flush()


def invalidate_statistics(exam_id: int) -> None:
    """Drop the cached statistics of an exam: the next read recomputes them from the graded attempts."""
    db.session.execute(delete(ExamStatistics).where(ExamStatistics.exam_id == exam_id))


def announce(attempt: Attempt, exam: Exam, reason: str) -> None:
    """Send ``attempt_graded`` when the attempt has a complete total (an essay still waiting sends nothing)."""
    invalidate_statistics(exam.id)
    if attempt.status != "graded":
        return
    attempt_graded.send(attempt, attempt_id=attempt.id, exam_id=exam.id, student_id=attempt.student_id,
                        score_10=attempt.score_10, reason=reason, counted=exam.counted,
                        started_at=attempt.started_at)


def hand_grade(user, attempt: Attempt, exam: Exam, question_id: int, points: Decimal, comment: str | None) -> Attempt:
    """A teacher's grade for one question of a submitted attempt (essays); recomputes the total."""
    if attempt.status == "in_progress":
        raise Conflict("Bài làm chưa nộp: chưa chấm được.")
    item = next((i for i in attempt.items if i.question_id == question_id), None)
    if item is None:
        raise NotFound("Câu hỏi không có trong bài làm này.")
    points = rules.points(points)
    if points < 0 or points > item.max_points:
        raise ValidationFailed(f"Điểm phải từ 0 đến {item.max_points}.",
                               errors={"points": [f"Điểm phải từ 0 đến {item.max_points}."]})
    item.points, item.needs_manual, item.graded_by, item.comment = points, False, user.id, comment
    refresh_totals(attempt)
    db.session.flush()
    announce(attempt, exam, "hand_grading")
    return attempt


def regrade(user, exam: Exam, question_id: int, action: str, dry_run: bool) -> dict:
    """Change how one question counts in every attempt and report each student's old and new score.

    ``new_version`` re-pins the question to its latest version (a corrected key) and rescores; ``full_credit``
    gives everyone its full points; ``drop`` removes it from the paper (worth 0 of 0). Attempts still in
    progress get the change too and are scored with it at submit. Signals are sent only when applied; the
    route rolls back a dry run.
    """
    items = db.session.scalars(select(AttemptItem).join(Attempt, Attempt.id == AttemptItem.attempt_id)
                               .where(Attempt.exam_id == exam.id, AttemptItem.question_id == question_id)).all()
    in_sections = [s for s in exam.sections if any(q == question_id for q, _ in s.get("items") or [])]
    if not items and not in_sections:
        raise NotFound("Câu hỏi không có trong bài kiểm tra này.")
    new_version = None
    if action == "new_version":
        owner = get_user(exam.owner_id)
        try:
            new_version = bank.latest_versions(owner, [question_id])[0]
        except NotFound as exc:
            raise ValidationFailed(exc.detail, errors={"question_id": [exc.detail]}) from None
    item_sections = {i.section_index for i in items}
    sections = []
    for index, original in enumerate(exam.sections):
        section = dict(original)
        pinned = any(q == question_id for q, _ in section.get("items") or [])
        if new_version is not None and pinned:
            section["items"] = [[q, new_version.version if q == question_id else v] for q, v in section["items"]]
        elif new_version is None and (pinned or index in item_sections):
            # Kept on the section so that attempts started later get the same decision.
            section["overrides"] = {**section.get("overrides", {}), str(question_id): action}
        sections.append(section)
    exam.sections = sections
    changes = []
    touched = {item.attempt_id for item in items}
    attempts = db.session.scalars(select(Attempt).where(Attempt.id.in_(touched or {-1}))).all()
    for attempt in attempts:
        item = next(i for i in attempt.items if i.question_id == question_id)
        old_score, old_10 = attempt.score, attempt.score_10
        if new_version is not None:
            item.version, item.override = new_version.version, None
            if not item.needs_manual:
                item.graded_by = None  # a corrected key replaces a hand override of the old key
        else:
            item.override = action
        if attempt.status == "in_progress":
            continue
        body = version_bodies(exam, [(item.question_id, item.version)])[(item.question_id, item.version)]
        score_item(item, body, exam.sections[item.section_index], exam.subject)
        refresh_totals(attempt)
        student = get_user(attempt.student_id)
        changes.append({"attempt_id": attempt.id, "student_id": attempt.student_id,
                        "full_name": student.full_name if student else "", "old_score": old_score,
                        "new_score": attempt.score, "old_score_10": old_10, "new_score_10": attempt.score_10})
    if new_version is not None:
        bank.mark_versions_used([(question_id, new_version.version)])
    db.session.flush()
    if not dry_run:
        for attempt in attempts:
            if attempt.status != "in_progress":
                announce(attempt, exam, "regrade")
        invalidate_statistics(exam.id)
    changes.sort(key=lambda c: c["attempt_id"])
    return {"question_id": question_id, "action": action, "dry_run": dry_run, "changes": changes}


def counted_attempt(exam: Exam, student_id: int) -> Attempt | None:
    """The attempt that counts for a student under the exam's policy (best, last or first graded one)."""
    graded = db.session.scalars(select(Attempt).where(Attempt.exam_id == exam.id, Attempt.student_id == student_id,
                                                      Attempt.status == "graded")
                                .order_by(Attempt.started_at, Attempt.id)).all()
    if not graded:
        return None
    if exam.counted == "first":
        return graded[0]
    if exam.counted == "last":
        return graded[-1]
    # Best: the highest score, the earliest such attempt on ties.
    return max(graded, key=lambda a: (a.score_10 or Decimal(0), -graded.index(a)))
