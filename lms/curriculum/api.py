"""What other packages may ask of the curriculum."""
from __future__ import annotations

from dataclasses import dataclass

from lms.core.db import db

from .models import Subject, Topic


@dataclass(frozen=True)
class SubjectInfo:
    code: str
    name: str
    graded_by: str
    periods_per_year: dict

    def periods_for(self, grade: int) -> int | None:
        return self.periods_per_year.get(str(grade))


def get_subject(code: str) -> SubjectInfo | None:
    subject = db.session.get(Subject, code)
    if subject is None:
        return None
    return SubjectInfo(subject.code, subject.name, subject.graded_by, dict(subject.periods_per_year or {}))


def get_topic(topic_id: int) -> dict | None:
    topic = db.session.get(Topic, topic_id)
    if topic is None:
        return None
    return {"id": topic.id, "subject": topic.subject_code, "grade": topic.grade, "name": topic.name,
            "parent_id": topic.parent_id}


def subject_names() -> dict[str, str]:
    return {s.code: s.name for s in db.session.scalars(db.select(Subject))}
