"""What other packages (the gradebook) may ask of exams. Plain dicts, no models."""
from __future__ import annotations

from lms.core.db import db

from .grading import counted_attempt
from .models import Exam


def exam_info(exam_id: int) -> dict | None:
    """``{id, title, subject, grade, class_ids, owner_id, school_year, gradebook: {column_kind, semester}|None,
    counted, mode, closes_at}`` of an exam, or None if it does not exist."""
    exam = db.session.get(Exam, exam_id)
    if exam is None:
        return None
    return {"id": exam.id, "title": exam.title, "subject": exam.subject, "grade": exam.grade,
            "class_ids": exam.class_ids, "owner_id": exam.owner_id, "school_year": exam.school_year,
            "gradebook": ({"column_kind": exam.gradebook_kind, "semester": exam.gradebook_semester}
                          if exam.gradebook_kind else None),
            "counted": exam.counted, "mode": exam.mode, "closes_at": exam.closes_at}


def counted_result(exam_id: int, student_id: int) -> dict | None:
    """The student's counted attempt under the exam's policy (best/last/first fully graded attempt):
    ``{attempt_id, score, max_score, score_10, counted, started_at, submitted_at}``, or None if there is none."""
    exam = db.session.get(Exam, exam_id)
    if exam is None:
        return None
    attempt = counted_attempt(exam, student_id)
    if attempt is None:
        return None
    return {"attempt_id": attempt.id, "score": attempt.score, "max_score": attempt.max_score,
            "score_10": attempt.score_10, "counted": exam.counted, "started_at": attempt.started_at,
            "submitted_at": attempt.submitted_at}


def _paper_key(exam: Exam):
    """What makes two exams "the same paper": subject, grade and the fixed question list of every section.
    None when a section draws from a blueprint (each attempt gets its own questions, so no common paper)."""
    sections = []
    for section in exam.sections or []:
        ids = section.get("question_ids")
        if not ids:
            return None
        sections.append(tuple(ids))
    return (exam.subject, exam.grade, tuple(sections)) if sections else None


def shared_exam_scores(limit: int = 10) -> list[dict]:
    """Common papers sat in more than one school, with each school's counted scores on 10, newest first:
    ``[{id, title, subject, grade, exam_ids, scores: {school_id: [Decimal, ...]}}]``.

    A common paper (đề chung) is either one exam assigned to classes of several schools, or several exams
    (each school's teacher giving the department's paper to their classes) with the same subject, grade and
    fixed question list; an exam set by a department account counts even in one school. The counted attempt
    follows each exam's policy as ``counted_result`` does (best: highest, earliest on ties; first; last), in
    one query per exam rather than one per student.
    """
    from decimal import Decimal

    from sqlalchemy import select

    from lms.accounts.api import class_schools, department_user_ids, student_schools

    from .models import Attempt, ExamClass

    department = department_user_ids()
    exams = db.session.scalars(select(Exam).where(Exam.mode == "exam").order_by(Exam.created_at.desc(), Exam.id.desc())
                               .limit(1000)).all()
    links: dict[int, set[int]] = {}
    for exam_id, class_id in db.session.execute(select(ExamClass.exam_id, ExamClass.class_id).where(
            ExamClass.exam_id.in_([e.id for e in exams] or [-1]))):
        links.setdefault(exam_id, set()).add(class_id)
    schools_of = class_schools({c for ids in links.values() for c in ids})
    groups: dict[object, list[Exam]] = {}
    for exam in exams:  # newest first, so each group's first exam names it
        groups.setdefault(_paper_key(exam) or ("exam", exam.id), []).append(exam)
    out = []
    for members in groups.values():
        exam_schools = {schools_of[c] for e in members for c in links.get(e.id, ()) if c in schools_of}
        if len(exam_schools) < 2 and not any(e.owner_id in department for e in members):
            continue
        policy = {e.id: e.counted for e in members}
        per_exam: dict[tuple[int, int], Decimal] = {}
        for exam_id, student_id, score in db.session.execute(
                select(Attempt.exam_id, Attempt.student_id, Attempt.score_10).where(
                    Attempt.exam_id.in_(list(policy)), Attempt.status == "graded")
                .order_by(Attempt.started_at, Attempt.id)):
            score = score if score is not None else Decimal(0)
            key = (exam_id, student_id)
            if policy[exam_id] == "first":
                per_exam.setdefault(key, score)
            elif policy[exam_id] == "last":
                per_exam[key] = score
            elif score > per_exam.get(key, Decimal(-1)):
                per_exam[key] = score
        if not per_exam:
            continue  # not sat yet: nothing to compare
        counted = {student_id: score for (_, student_id), score in per_exam.items()}
        home = student_schools(select(Attempt.student_id).where(Attempt.exam_id.in_(list(policy)),
                                                                Attempt.status == "graded"))
        scores: dict[int, list[Decimal]] = {}
        for student_id, score in counted.items():
            if home.get(student_id) is not None:
                scores.setdefault(home[student_id], []).append(score)
        head = members[0]
        out.append({"id": head.id, "title": head.title, "subject": head.subject, "grade": head.grade,
                    "exam_ids": [e.id for e in members], "scores": scores})
        if len(out) >= limit:
            break
    return out


def student_exams(student_id: int) -> list[dict]:
    """The exams assigned to a student's classes with their attempt counts and the counted result once the
    review policy lets the student see it (``result`` None before): what the student's exam list shows.
    The caller checks that its user may follow the student (``accounts.api.may_follow_student``)."""
    from lms.accounts.api import get_user

    from .routes import assigned_exams

    student = get_user(student_id)
    return assigned_exams(student) if student is not None and student.role == "student" else []
