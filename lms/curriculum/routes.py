"""JSON API of the curriculum."""
from __future__ import annotations

from flask import Response, request
from flask_login import current_user
from sqlalchemy import select

from lms.core.auth import exempt_api
from lms.core.db import db
from lms.core.permissions import ADMIN, DEPARTMENT, SIGNED_IN, TEACHER, roles
from lms.core.rest import ApiBlueprint

from lms.core.errors import ValidationFailed

from . import schemas, services, topic_import
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


#: Who curates the shared catalogue: the department (tổ chuyên môn / Sở) and the school's administrator.
CURATORS = roles(DEPARTMENT, ADMIN)


@bp.endpoint("/topics/<int:topic_id>", "PATCH", allow=CURATORS, body=schemas.TopicPatch,
             response=schemas.TopicOut, summary="Rename a topic or move it among its siblings")
def update_topic(topic_id, body):
    topic = services.update_topic(current_user, services.get_topic(topic_id), **body)
    db.session.commit()
    return topic


@bp.endpoint("/topics/<int:topic_id>", "DELETE", allow=CURATORS, status=204,
             summary="Delete a topic and its sub-topics (questions and lectures keep no topic)")
def delete_topic(topic_id):
    services.delete_topic(current_user, services.get_topic(topic_id))
    db.session.commit()
    return None, 204


@bp.endpoint("/topics/import", "POST", allow=CURATORS, query=schemas.TopicImportQuery,
             response=schemas.TopicImportOut, files={"file": "CSV (UTF-8): subject,grade,topic,subtopic"},
             summary="Import topics from CSV with a per-row report; nothing is written if any row fails",
             errors=(413,))
def import_topics(args):
    upload = request.files.get("file")
    if upload is None:
        raise ValidationFailed(errors={"file": ["Chọn tệp CSV."]})
    data = upload.read(topic_import.MAX_IMPORT_BYTES + 1)
    if len(data) > topic_import.MAX_IMPORT_BYTES:
        raise ValidationFailed(errors={"file": ["Tệp lớn quá 2 MB."]})
    report = topic_import.import_csv(current_user, data, dry_run=args["dry_run"])
    if report.dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    return report


@bp.endpoint("/topics/export", "GET", allow=SIGNED_IN, query=schemas.TopicQuery, produces="text/csv",
             summary="The topic tree as CSV in the import layout")
def export_topics(args):
    body = topic_import.export_csv(args["subject"], args["grade"])
    name = "chu-de" + (f"-{args['subject']}" if args["subject"] else "") + (f"-{args['grade']}" if args["grade"] else "")
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
