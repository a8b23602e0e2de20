"""What other packages may ask of the curriculum."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sqlalchemy import select

from lms.core.db import db

from .models import Subject, Topic

#: Deepest category path an import may turn into topics, and the longest topic name (the column's size).
MAX_TOPIC_DEPTH = 6
MAX_TOPIC_NAME = 200


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


def _key(name: str) -> str:
    """How two topic names are compared: Unicode-normalised, spaces collapsed, case folded."""
    return " ".join(unicodedata.normalize("NFC", name).split()).casefold()


def split_topic_path(path: str) -> list[str]:
    """A category path ("Toán 10/Hàm số / Đồng biến") as topic names, empty parts dropped, each cut to the
    column size and at most MAX_TOPIC_DEPTH levels (deeper levels are folded into the last one)."""
    names = [" ".join(part.split())[:MAX_TOPIC_NAME] for part in path.split("/")]
    names = [name for name in names if name]
    if len(names) > MAX_TOPIC_DEPTH:
        names = names[:MAX_TOPIC_DEPTH - 1] + [" / ".join(names[MAX_TOPIC_DEPTH - 1:])[:MAX_TOPIC_NAME]]
    return names


def find_topic_path(subject: str, grade: int, names: list[str]) -> tuple[int | None, int]:
    """The deepest existing topic along ``names`` from the root of ``subject``/``grade``: ``(id, depth)``,
    ``(None, 0)`` when not even the first name exists."""
    parent_id, depth = None, 0
    for name in names:
        children = db.session.scalars(select(Topic).where(
            Topic.subject_code == subject, Topic.grade == grade,
            Topic.parent_id.is_(None) if parent_id is None else Topic.parent_id == parent_id))
        match = next((t for t in children if _key(t.name) == _key(name)), None)
        if match is None:
            break
        parent_id, depth = match.id, depth + 1
    return parent_id, depth


def ensure_topic_path(actor, subject: str, grade: int, names: list[str]) -> tuple[int, int]:
    """The topic at ``names`` under ``subject``/``grade``, creating the missing levels (matched by name, case
    and spacing ignored): ``(topic id, how many topics were created)``."""
    from .services import create_topic

    parent_id, depth = find_topic_path(subject, grade, names)
    for name in names[depth:]:
        parent_id = create_topic(actor, subject=subject, grade=grade, name=name, parent_id=parent_id).id
    return parent_id, len(names) - depth


def topic_path(topic_id: int) -> str | None:
    """The path of a topic from its subject's root ("Hàm số/Đồng biến"), for writing categories."""
    names: list[str] = []
    topic = db.session.get(Topic, topic_id)
    while topic is not None and len(names) < 50:
        names.append(topic.name)
        topic = db.session.get(Topic, topic.parent_id) if topic.parent_id is not None else None
    return "/".join(reversed(names)) if names else None
