"""JSON API of the question bank (API.md "Question bank"). Staff only: students get 403 on every route."""
from __future__ import annotations

import json
from urllib.parse import quote

from flask import request
from flask_login import current_user

from lms.core.auth import exempt_api
from lms.core.db import db
from lms.core.downloads import download
from lms.core.errors import ValidationFailed
from lms.core.permissions import ADMIN, DEPARTMENT, TEACHER, roles
from lms.core.rest import ApiBlueprint, Page, paginate

from . import permissions, schemas, services, transfer

bp = ApiBlueprint("question_bank", __name__, url_prefix="/api/v1")
exempt_api(bp)

STAFF = roles(TEACHER, DEPARTMENT, ADMIN)
CURATORS = roles(DEPARTMENT, ADMIN)


def _visible(question_id: int):
    return permissions.ensure_visible(current_user, services.get_question(question_id))


@bp.endpoint("/questions", "POST", allow=STAFF, body=schemas.QuestionWrite, response=schemas.QuestionTeacher,
             status=201, summary="Create a question (draft, version 1)", errors=(422,))
def create_question(body):
    question = services.create_question(current_user, body)
    db.session.commit()
    return services.teacher_view(question)


@bp.endpoint("/questions", "GET", allow=STAFF, query=schemas.QuestionQuery, response=schemas.QuestionTeacher,
             paginated=True, summary="Questions the caller may see (own, school published, shared bank)")
def list_questions(args):
    page = paginate(services.list_statement(current_user, args), args["page"], args["per_page"])
    return Page(items=services.teacher_views(page.items), total=page.total, page=page.page, per_page=page.per_page)


@bp.endpoint("/questions/import", "POST", allow=STAFF, query=schemas.QuestionImportQuery,
             response=schemas.QuestionImportOut, files={"file": "aiken/gift (text), moodle_xml, qti (zip or xml), "
                                                                  "docx; at most 50 MB"},
             summary="Import questions as drafts; dry_run=true only reports; all_or_nothing writes nothing if any "
                     "item fails", errors=(413, 415, 422))
def import_questions(args):
    upload = request.files.get("file")
    if upload is None:
        raise ValidationFailed("Chọn tệp để nhập.", errors={"file": ["Chọn tệp để nhập."]})
    data = transfer.read_upload(upload.stream)
    outcome = transfer.import_questions(current_user, args["format"], data, mode=args["mode"],
                                        dry_run=args["dry_run"], subject=args["subject"], grade=args["grade"],
                                        topic_id=args["topic_id"], level=args["level"])
    if outcome.question_ids:
        db.session.commit()
    else:
        db.session.rollback()
    return outcome


#: Response header of an export listing, per question, the parts the chosen format could not write.
EXPORT_WARNINGS_HEADER = "X-Export-Warnings"


@bp.endpoint("/questions/export", "GET", allow=STAFF, query=schemas.QuestionExportQuery,
             produces=tuple(dict.fromkeys(media.split(";")[0] for media, _ in transfer.EXPORT_MEDIA.values())),
             summary="Download questions as a GIFT, Moodle XML, QTI or DOCX file",
             errors=(404, 422))
def export_questions(args):
    ids = [int(part) for part in args["ids"].replace(" ", "").split(",")]
    data, content_type, filename, warnings = transfer.export_questions(current_user, args["format"], ids)
    response = download(data, content_type, filename)
    if warnings:
        # What the format could not write, for the page to show: JSON, percent-encoded (headers are Latin-1).
        response.headers[EXPORT_WARNINGS_HEADER] = quote(json.dumps(warnings, ensure_ascii=False))
    return response


@bp.endpoint("/questions/<int:question_id>", "GET", allow=STAFF, query=schemas.QuestionVersionQuery,
             response=schemas.QuestionTeacher, summary="A question with its keys (the latest version or ?version=n)",
             errors=(404,))
def get_question(question_id, args):
    question = _visible(question_id)
    row = services.version_row(question, args["version"] or question.current_version)
    return services.teacher_view(question, row)


@bp.endpoint("/questions/<int:question_id>", "PATCH", allow=STAFF, body=schemas.QuestionPatch,
             response=schemas.QuestionTeacher, summary="Edit a question; content changes make a new version",
             errors=(403, 404, 409, 422))
def update_question(question_id, body):
    question = services.update_question(current_user, _visible(question_id), body)
    db.session.commit()
    return services.teacher_view(question)


@bp.endpoint("/questions/<int:question_id>", "DELETE", allow=STAFF, status=204,
             summary="Remove a question from the bank (versions used by attempts stay)", errors=(403, 404))
def delete_question(question_id):
    services.delete_question(current_user, _visible(question_id))
    db.session.commit()
    return None, 204


@bp.endpoint("/questions/<int:question_id>/history", "GET", allow=STAFF, response=schemas.QuestionAuditOut,
             many=True, summary="The audit trail: who created, edited, submitted, reviewed or deleted it",
             errors=(404,))
def question_history(question_id):
    return services.history(_visible(question_id))


@bp.endpoint("/questions/<int:question_id>/submit", "POST", allow=STAFF, body=schemas.QuestionSubmitIn,
             response=schemas.QuestionSubmitted, summary="Send a draft to the department's review queue (or "
                                                           "publish it to the author's school)",
             errors=(403, 404, 409))
def submit_question(question_id, body):
    question, duplicates = services.submit(current_user, _visible(question_id), body["scope"])
    db.session.commit()
    return {**services.teacher_view(question), "duplicates": duplicates}


@bp.endpoint("/questions/<int:question_id>/review", "POST", allow=CURATORS, body=schemas.QuestionReviewIn,
             response=schemas.QuestionTeacher, summary="Approve or reject (with a comment) a queued question",
             errors=(403, 404, 409, 422))
def review_question(question_id, body):
    question = services.review(current_user, _visible(question_id), body["decision"], body["comment"])
    db.session.commit()
    return services.teacher_view(question)
