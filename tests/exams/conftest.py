"""Helpers for exam tests: questions in the bank and ready-made exams.

Questions are written through the bank's models (tests may import anything): the bank's own service layer
is built by another engineer and its shape may still move, while its models and type validation are fixed.
"""
from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from lms.core.db import db, utcnow

_n = itertools.count(1)


def make_question(app, owner_id, body, *, subject="toan", grade=10, level="nhan_biet", topic_id=None,
                  status="draft"):
    """Insert a validated question owned by ``owner_id``; returns its id."""
    from question_bank.content import near_duplicate_key
    from question_bank.models import Question, QuestionVersion
    from question_bank.types import validate

    with app.app_context():
        from lms.accounts.models import User

        owner = db.session.get(User, owner_id)
        clean = validate(body)
        question = Question(owner_id=owner_id, school_id=owner.school_id, subject_code=subject, grade=grade,
                            topic_id=topic_id, level=level, qtype=clean["type"], tags=[], scope="personal",
                            status=status, current_version=1, dup_key=near_duplicate_key(clean)[:56] + f"-{next(_n)}",
                            search_text="")
        db.session.add(question)
        db.session.flush()
        db.session.add(QuestionVersion(question_id=question.id, version=1, body=clean, created_by=owner_id))
        db.session.commit()
        return question.id


def new_version(app, question_id, body):
    """Write version n+1 of a question (as a PATCH in the bank would)."""
    from question_bank.models import Question, QuestionVersion
    from question_bank.types import validate

    with app.app_context():
        question = db.session.get(Question, question_id)
        question.current_version += 1
        db.session.add(QuestionVersion(question_id=question_id, version=question.current_version,
                                       body=validate(body), created_by=question.owner_id))
        db.session.commit()
        return question.current_version


def single_choice(n, correct="b", explanation=True):
    body = {"type": "single_choice", "stem": f"<p>Câu trắc nghiệm số {n}: $x^2 = {n * n}$ thì x bằng?</p>",
            "options": [{"id": oid, "text": f"Phương án {oid.upper()} ({n})", "correct": oid == correct}
                        for oid in "abcd"]}
    if explanation:
        body["explanation"] = f"<p>Lời giải câu {n}.</p>"
    return body


def tf_group(n, truth=(True, False, True, False)):
    return {"type": "true_false_group", "stem": f"<p>Cho hàm số số {n}. Xét tính đúng sai:</p>",
            "statements": [{"id": sid, "text": f"Mệnh đề {sid} của câu {n}", "correct": value}
                           for sid, value in zip("abcd", truth)],
            "explanation": f"<p>Giải thích đúng sai {n}.</p>"}


def short(n, value):
    return {"type": "short_answer", "stem": f"<p>Tính giá trị số {n}.</p>", "answers": [{"text": value}],
            "rule": "thpt2025", "explanation": "<p>Tính trực tiếp.</p>"}


def essay(n):
    return {"type": "essay", "stem": f"<p>Trình bày lời giải bài {n}.</p>", "rubric": "<p>Đúng ý: 1 điểm.</p>"}


@pytest.fixture
def bank(app, world):
    """Question makers bound to the world's teacher."""

    class Bank:
        def q(self, body, **kw):
            return make_question(app, world.teacher, body, **kw)

        def choices(self, count, **kw):
            return [self.q(single_choice(i), **kw) for i in range(1, count + 1)]

    return Bank()


def exam_body(world, question_ids, **overrides):
    body = {"title": "Kiểm tra 15 phút", "subject": "toan", "grade": 10, "class_ids": [world.klass],
            "mode": "exam", "duration_minutes": 15, "review": "after_submit", "max_attempts": 2,
            "sections": [{"title": "Trắc nghiệm", "points_per_question": "1", "scoring": "proportional",
                          "question_ids": question_ids}]}
    body.update(overrides)
    return body


@pytest.fixture
def make_exam(world):
    """POST an exam as the world's teacher; returns the exam JSON (asserting 201)."""

    def make(question_ids, **overrides):
        resp = world.as_("teacher").post("/exams", json=exam_body(world, question_ids, **overrides))
        assert resp.status_code == 201, resp.get_json()
        return resp.get_json()

    return make


def shift_attempt(app, attempt_id, **delta):
    """Move an attempt (start and deadline) into the past, as if time had passed."""
    from lms.exams.models import Attempt

    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        attempt.started_at -= timedelta(**delta)
        attempt.deadline -= timedelta(**delta)
        db.session.commit()


def close_exam(app, exam_id):
    """Close an exam now (closes_at in the past)."""
    from lms.exams.models import Exam

    with app.app_context():
        exam = db.session.get(Exam, exam_id)
        exam.closes_at = utcnow() - timedelta(seconds=1)
        if exam.opens_at and exam.opens_at >= exam.closes_at:
            exam.opens_at = exam.closes_at - timedelta(hours=1)
        db.session.commit()
