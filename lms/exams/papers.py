"""Each student's paper: drawn (blueprint fill, question and option shuffles) ahead of the exam by a job.

Drawing a paper reads every question body, runs the blueprint draw and the shuffles: at the start of an exam
room, 2,000 of those at once is what made starting slow. So when an exam is saved (created, assigned, its
sections edited) a job draws the paper of every assigned student into ``DrawnPaper`` rows, with progress on
the exam (``papers_state``, ``papers_total``, ``papers_done``); a start is then a lookup and an insert.

A drawn paper is used only by the student's first attempt, and only while its ``key`` matches the exam's
paper now (``paper_key``: sections with their pinned versions and overrides, shuffle settings): an edit or a
regrade after the draw leaves the row unused. Whoever has no usable row (a student enrolled after the job, a
second attempt, a job not finished) gets a paper drawn at start, exactly as before: ``draw``.
"""
from __future__ import annotations

import hashlib
import json
from decimal import Decimal

from sqlalchemy import bindparam, delete, insert, select

from lms.accounts.api import class_student_ids, get_user
from lms.core.db import db
from lms.core.jobs import jobs
from question_bank import api as bank

from . import grading
from .models import Attempt, DrawnPaper, Exam
from .services import draw_blueprint
from .signals import exam_saved

#: Types whose options an attempt may reorder (true/false statements keep a)–d), as on paper).
SHUFFLABLE_TYPES = frozenset({"single_choice", "multiple_choice"})
#: Papers drawn and committed per step of the job (its progress moves by this much).
BATCH = 100

_drawn = DrawnPaper.__table__
_TAKE = select(_drawn.c["key"], _drawn.c["items"]).where(_drawn.c.exam_id == bindparam("b_exam"),
                                                   _drawn.c.student_id == bindparam("b_student"))


def paper_key(exam: Exam) -> str:
    """What a drawn paper depends on: the sections (pinned versions, blueprints, overrides, points) and the
    shuffle settings. Two calls give the same key exactly when a paper drawn for one fits the other."""
    text = json.dumps([exam.sections, bool(exam.shuffle_questions), bool(exam.shuffle_options), exam.subject],
                      sort_keys=True, default=str)
    return hashlib.sha1(text.encode()).hexdigest()


def draw(exam: Exam, draw_seed: str, shuffle_seed: str, owner=None) -> list[dict]:
    """One paper of ``exam`` in position order: ``[{question_id, version, position, section_index, option_order,
    max_points (Decimal), override}]``. Per-student sections are drawn from their blueprint with ``draw_seed``,
    questions and options shuffled with ``shuffle_seed``; the same seeds give the same paper."""
    used = {q for s in exam.sections for q, _ in s.get("items") or []}
    chosen: list[tuple[int, list[list[int]]]] = []
    for index, section in enumerate(exam.sections):
        if section["fill"] == "per_student":
            owner = owner or get_user(exam.owner_id)
            pairs = draw_blueprint(owner, exam, index, section, f"{draw_seed}:{index}", used)
            used.update(q for q, _ in pairs)
        else:
            pairs = section["items"]
        chosen.append((index, pairs))
    data = grading.version_bodies(exam, [tuple(p) for _, pairs in chosen for p in pairs])
    items, position = [], 0
    for index, pairs in chosen:
        section = exam.sections[index]
        options = {q: [o["id"] for o in data[(q, v)].get("options") or []]
                   for q, v in pairs if data[(q, v)]["type"] in SHUFFLABLE_TYPES}
        order = bank.shuffle_for_attempt([q for q, _ in pairs], options, f"{shuffle_seed}:{index}",
                                         exam.shuffle_questions, exam.shuffle_options)
        version_of = {q: v for q, v in pairs}
        for qid in order["question_order"]:
            position += 1
            body = data[(qid, version_of[qid])]
            override = (section.get("overrides") or {}).get(str(qid))
            items.append({
                "question_id": qid, "version": version_of[qid], "position": position, "section_index": index,
                "option_order": order["option_orders"].get(qid),
                "max_points": grading.ZERO if override == "drop" else grading.item_max_points(body, section,
                                                                                              exam.subject),
                "override": override})
    # Fixed sections were stamped when the exam was saved (and a regrade stamps its new version): only a
    # per-student draw can reach a version nothing depends on yet.
    drawn = {index for index, section in enumerate(exam.sections) if section["fill"] == "per_student"}
    bank.mark_versions_used((i["question_id"], i["version"]) for i in items if i["section_index"] in drawn)
    return items


def take(exam: Exam, student_id: int) -> list[dict] | None:
    """The paper drawn ahead for ``student_id`` (as ``draw`` returns it), or None when there is none that fits
    the exam's paper now. A read: the start that uses it inserts the attempt's own rows."""
    row = db.session.execute(_TAKE, {"b_exam": exam.id, "b_student": student_id}).first()
    if row is None or row.key != paper_key(exam):
        return None
    return [{**item, "max_points": Decimal(item["max_points"])} for item in row.items]


def schedule(exam: Exam) -> None:
    """Queue the drawing of the assigned students' papers (after this transaction commits). Called whenever the
    exam is saved: a student already holding a paper that fits keeps it, so a re-run only draws what is new."""
    exam.papers_state = "queued"
    draw_papers.enqueue(exam.id)


@exam_saved.connect
def _on_saved(_sender, exam_id: int, **_):
    # By id, as the signal documents it (its sender may be anything); an exam not in this database has no paper.
    exam = db.session.get(Exam, exam_id)
    if exam is not None:
        schedule(exam)


def _assigned_students(exam: Exam) -> list[int]:
    return sorted({sid for class_id in exam.class_ids for sid in class_student_ids(class_id)})


def run(exam_id: int) -> int:
    """The job's body: draw and store the paper of every assigned student who has no fitting one and has not
    started; commits every ``BATCH`` papers with the progress. Returns how many it drew."""
    exam = db.session.get(Exam, exam_id)
    if exam is None:
        return 0
    key = paper_key(exam)
    students = _assigned_students(exam)
    fitting = set(db.session.scalars(select(DrawnPaper.student_id).where(DrawnPaper.exam_id == exam.id,
                                                                         DrawnPaper.key == key)))
    started = set(db.session.scalars(select(Attempt.student_id).where(Attempt.exam_id == exam.id)))
    todo = [sid for sid in students if sid not in fitting and sid not in started]
    exam.papers_state, exam.papers_total, exam.papers_done = "running", len(students), len(students) - len(todo)
    db.session.commit()
    owner = get_user(exam.owner_id)
    for start in range(0, len(todo), BATCH):
        batch = todo[start:start + BATCH]
        rows = [{"exam_id": exam.id, "student_id": sid, "key": key,
                 "items": [{**item, "max_points": str(item["max_points"])}
                           for item in draw(exam, f"student:{exam.id}:{sid}", f"s{exam.id}-{sid}", owner)]}
                for sid in batch]
        # A paper drawn for an older version of the exam is replaced, not kept beside the new one.
        db.session.execute(delete(DrawnPaper).where(DrawnPaper.exam_id == exam.id,
                                                    DrawnPaper.student_id.in_(batch)))
        db.session.execute(insert(DrawnPaper), rows)
        exam.papers_done += len(batch)
        db.session.commit()
        if paper_key(db.session.get(Exam, exam_id)) != key:
            return start + len(batch)  # edited meanwhile: the run that edit queued draws the new paper
    exam.papers_state = "done"
    db.session.commit()
    return len(todo)


@jobs.task(retries=2, retry_delay=5)
def draw_papers(exam_id: int) -> int:
    """Draw the papers of an exam's students ahead of the exam (progress on the exam row). A failure is left
    on the exam (``papers_state`` "failed") and costs nothing but speed: every start can still draw."""
    try:
        return run(exam_id)
    except Exception:
        db.session.rollback()
        exam = db.session.get(Exam, exam_id)
        if exam is not None:
            exam.papers_state = "failed"
            db.session.commit()
        raise
