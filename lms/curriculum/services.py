"""Curriculum services: seeding the subject catalogue, the topic tree."""
from __future__ import annotations

from sqlalchemy import func, select

from lms.core.db import db
from lms.core.errors import ValidationFailed

from .catalogue import SUBJECTS
from .models import Subject, Topic


def ensure_subjects() -> int:
    """Insert or refresh the catalogue; returns how many subjects were added. Idempotent."""
    existing = {s.code: s for s in db.session.scalars(select(Subject))}
    added = 0
    for entry in SUBJECTS:
        subject = existing.get(entry["code"])
        if subject is None:
            db.session.add(Subject(**entry))
            added += 1
        else:
            subject.name, subject.graded_by = entry["name"], entry["graded_by"]
            subject.periods_per_year = entry["periods_per_year"]
    db.session.flush()
    return added


def create_topic(actor, *, subject: str, grade: int, name: str, parent_id: int | None = None) -> Topic:
    if db.session.get(Subject, subject) is None:
        raise ValidationFailed(errors={"subject": [f"Không có môn {subject!r}."]})
    if parent_id is not None:
        parent = db.session.get(Topic, parent_id)
        if parent is None or parent.subject_code != subject or parent.grade != grade:
            raise ValidationFailed(errors={"parent_id": ["Chủ đề cha phải cùng môn và khối."]})
    position = db.session.scalar(select(func.count(Topic.id)).where(Topic.subject_code == subject,
                                                                    Topic.grade == grade,
                                                                    Topic.parent_id == parent_id)) or 0
    topic = Topic(subject_code=subject, grade=grade, name=name.strip(), parent_id=parent_id, position=position)
    db.session.add(topic)
    db.session.flush()
    return topic
