"""JSON API of parents: linking a parent to a student, and a parent's children."""
from __future__ import annotations

from flask_login import current_user

from lms.core.auth import exempt_api
from lms.core.db import db
from lms.core.permissions import ADMIN, PARENT, TEACHER, roles
from lms.core.rest import ApiBlueprint

from . import guardians, schemas

bp = ApiBlueprint("accounts_guardians", __name__, url_prefix="/api/v1")
exempt_api(bp)


@bp.endpoint("/students/<int:student_id>/guardians", "POST", allow=roles(ADMIN, TEACHER), body=schemas.GuardianIn,
             response=schemas.GuardianOut, many=True, status=201, errors=(404, 422),
             summary="Link a parent account to a student (admin; the student's homeroom teacher); idempotent; "
                     "answers the student's parents")
def link_guardian(student_id, body):
    student = guardians.ensure_can_manage(current_user, student_id)
    guardians.link(current_user, student, body["parent_id"], body["relation"])
    db.session.commit()
    return guardians.guardians_of(student.id), 201


@bp.endpoint("/students/<int:student_id>/guardians", "GET", allow=roles(ADMIN, TEACHER),
             response=schemas.GuardianOut, many=True, errors=(404,),
             summary="A student's parents (admin; the student's homeroom teacher)")
def list_guardians(student_id):
    student = guardians.ensure_can_manage(current_user, student_id)
    return guardians.guardians_of(student.id)


@bp.endpoint("/students/<int:student_id>/guardians/<int:parent_id>", "DELETE", allow=roles(ADMIN, TEACHER),
             status=204, errors=(404,), summary="Unlink a parent from a student")
def unlink_guardian(student_id, parent_id):
    student = guardians.ensure_can_manage(current_user, student_id)
    guardians.unlink(current_user, student, parent_id)
    db.session.commit()
    return None, 204


@bp.endpoint("/me/children", "GET", allow=roles(PARENT), response=schemas.ChildOut, many=True,
             summary="The students the signed-in parent follows, each with their current class and school")
def my_children():
    return guardians.children(current_user.id)
