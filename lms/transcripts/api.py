"""What other packages (the parent portal) may ask of transcripts. Plain dicts."""
from __future__ import annotations

from sqlalchemy import select

from lms.core.db import db

from .models import Transcript


def student_transcripts(student_id: int) -> list[dict]:
    """A student's học bạ, newest school year first: ``[{id, school_year, status}]``. The caller checks that its
    user may follow the student."""
    rows = db.session.scalars(select(Transcript).where(Transcript.student_id == student_id)
                              .order_by(Transcript.school_year.desc()))
    return [{"id": t.id, "school_year": t.school_year, "status": t.status} for t in rows]
