"""JSON API of the curriculum."""
from __future__ import annotations

from flask_login import current_user
from sqlalchemy import select

from lms.core.auth import exempt_api
from lms.core.db import db
from lms.core.permissions import DEPARTMENT, SIGNED_IN, TEACHER, ADMIN, roles
from lms.core.rest import ApiBlueprint

from . import schemas, services
from .models import Subject, Topic

bp = ApiBlueprint("curriculum", __name__, url_prefix="/api/v1")
exempt_api(bp)


@bp.endpoint("/subjects", "GET", allow=SIGNED_IN, response=schemas.SubjectOut, many=True,
             summary="Subjects of the 2018 general education programme")
def list_subjects():
    return db.session.scalars(select(Subject).order_by(Subject.code)).all()


@bp.endpoint("/topics", "POST", allow=roles(TEACHER, DEPARTMENT, ADMIN), body=schemas.TopicIn,
             response=schemas.TopicOut, status=201, summary="Add a topic to the tree")
def create_topic(body):
    topic = services.create_topic(current_user, **body)
    db.session.commit()
    return topic


@bp.endpoint("/topics", "GET", allow=SIGNED_IN, query=schemas.TopicQuery, response=schemas.TopicOut, many=True,
             summary="The topic tree, flat, ordered by parent and position")
def list_topics(args):
    stmt = select(Topic).order_by(Topic.subject_code, Topic.grade, Topic.parent_id.nulls_first(), Topic.position)
    if args["subject"]:
        stmt = stmt.where(Topic.subject_code == args["subject"])
    if args["grade"]:
        stmt = stmt.where(Topic.grade == args["grade"])
    return db.session.scalars(stmt).all()
