"""Services called directly: type changes, state conflicts, the demo seeder, signals."""
from __future__ import annotations

import pytest

from lms.core.db import db
from lms.core.errors import Conflict, ValidationFailed
from tests.question_bank.helpers import question


def _user(uid):
    from lms.accounts.api import get_user
    return get_user(uid)


def test_changing_type_drops_the_old_type_fields_and_signals(ctx, world):
    from question_bank import services
    from question_bank.signals import question_changed

    seen = []

    def listener(sender, question_id):
        seen.append(question_id)

    teacher = _user(world.teacher)
    with question_changed.connected_to(listener):
        q = services.create_question(teacher, question())
        services.update_question(teacher, q, {"type": "true_false", "answer": False})
    body = services.current_body(q)
    assert body["type"] == "true_false" and "options" not in body and body["answer"] is False
    assert q.qtype == "true_false" and q.current_version == 2
    assert seen == [q.id, q.id]


def test_state_conflicts(ctx, world):
    from question_bank import services

    teacher, department = _user(world.teacher), _user(world.department)
    q = services.create_question(teacher, question())
    services.submit(teacher, q)
    services.review(department, q, "approve", None)
    with pytest.raises(Conflict):  # no longer in the queue
        services.review(department, q, "reject", "muộn")
    with pytest.raises(Conflict):  # already published
        services.submit(teacher, q)
    with pytest.raises(Conflict):
        services.update_question(teacher, q, {"scope": "personal"})
    with pytest.raises(ValidationFailed):
        services.update_question(teacher, q, {"topic_id": 12345})


def test_demo_seeder_is_idempotent(app):
    from lms.cli import seed_accounts
    from question_bank.models import Question
    from question_bank.seed import seed_demo

    with app.app_context():
        context = seed_accounts()
        seed_demo(context)
        db.session.commit()
        first = db.session.scalar(db.select(db.func.count(Question.id)))
        seed_demo(context)
        db.session.commit()
        assert db.session.scalar(db.select(db.func.count(Question.id))) == first == 4
        published = db.session.scalars(db.select(Question).where(Question.status == "published")).all()
        assert len(published) == 2 and all(q.scope == "shared" for q in published)
