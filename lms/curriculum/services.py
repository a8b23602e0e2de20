"""Curriculum services: seeding the subject catalogue, the topic tree."""
from __future__ import annotations

from sqlalchemy import func, select

from lms.core.db import db
from lms.core.errors import NotFound, ValidationFailed

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


def get_topic(topic_id: int) -> Topic:
    topic = db.session.get(Topic, topic_id)
    if topic is None:
        raise NotFound("Không tìm thấy chủ đề.")
    return topic


def update_topic(actor, topic: Topic, *, name: str | None = None, position: int | None = None) -> Topic:
    """Rename a topic or move it among its siblings (``position`` 0-based; the others shift to make room)."""
    if name is not None:
        topic.name = name.strip()
    if position is not None:
        siblings = db.session.scalars(select(Topic).where(
            Topic.subject_code == topic.subject_code, Topic.grade == topic.grade, Topic.parent_id == topic.parent_id,
            Topic.id != topic.id).order_by(Topic.position, Topic.id)).all()
        position = max(0, min(position, len(siblings)))
        siblings.insert(position, topic)
        for index, sibling in enumerate(siblings):
            sibling.position = index
    db.session.flush()
    return topic


def delete_topic(actor, topic: Topic) -> None:
    """Remove a topic and its sub-topics; questions and lectures filed under them keep no topic (SET NULL)."""
    db.session.delete(topic)
    db.session.flush()
