"""JSON API of the gradebook (sổ điểm điện tử): shared/API.md "Gradebook" plus import, change log, sign-off."""
from __future__ import annotations

from flask import request
from flask_login import current_user
from sqlalchemy import select

from lms.core.auth import exempt_api
from lms.core.db import db
from lms.core.downloads import download
from lms.core.errors import NotFound, PayloadTooLarge, ValidationFailed
from lms.core.permissions import ADMIN, SIGNED_IN, TEACHER, require, roles
from lms.core.rest import ApiBlueprint, load, paginate

from . import permissions, rules, schemas, services, spreadsheets
from .models import GradebookColumn, SignOff

bp = ApiBlueprint("gradebook", __name__, url_prefix="/api/v1")
exempt_api(bp)

STAFF = roles(ADMIN, TEACHER)
MAX_PKCS12_BYTES = 64 * 1024


@bp.endpoint("/gradebook", "GET", allow=STAFF, query=schemas.GradebookQuery, response=schemas.GradebookOut,
             summary="One subject's gradebook of a class for a semester, with ĐTBmhk per student", errors=(404,))
def get_gradebook(args):
    klass = permissions.ensure_readable(current_user, args["class_id"], args["subject"])
    return services.build_gradebook(klass, args["subject"], args["semester"])


@bp.endpoint("/gradebook/columns", "POST", allow=STAFF, body=schemas.GradebookColumnIn,
             response=schemas.GradebookColumnCreated, status=201, errors=(404, 409),
             summary="Add an assessment column (ĐĐGtx/gk/ck); counts follow Thông tư 22")
def create_column(body):
    klass = permissions.ensure_editable(current_user, body["class_id"], body["subject"])
    column = services.create_column(current_user, klass, body["subject"], body["semester"], body["kind"],
                                    body["title"])
    db.session.commit()
    return column


def _editable_column(column_id: int):
    column = db.session.get(GradebookColumn, column_id)
    if column is None:
        raise NotFound("Không tìm thấy cột điểm.")
    klass = permissions.ensure_editable(current_user, column.class_id, column.subject_code)
    return column, klass


@bp.endpoint("/gradebook/columns/<int:column_id>", "PATCH", allow=STAFF, body=schemas.GradebookColumnPatch,
             response=schemas.GradebookColumnCreated, errors=(404, 409),
             summary="Rename a column or release it to students")
def update_column(column_id, body):
    column, _ = _editable_column(column_id)
    services.update_column(current_user, column, title=body.get("title"), released=body.get("released"))
    db.session.commit()
    return column


@bp.endpoint("/gradebook/columns/<int:column_id>/package", "PUT", allow=STAFF, body=schemas.GradebookColumnPackageIn,
             response=schemas.GradebookColumnCreated, errors=(404, 409, 422),
             summary="Count a lecture's interactive package (SCORM, H5P, HTML5) in this column: each student's best "
                     "package score, on the 0..10 scale, is posted like an exam's",
             example_body={"lecture_id": 12, "media_id": 57})
def put_column_package(column_id, body):
    """Pick an existing column (its kind and the Thông tư 22/27 counts stay as they are) of the lecture's
    subject. Scores already earned are posted at once, later best scores as they come, each exactly once; a
    value typed over one is a manual override the package no longer replaces; a signed book is not touched."""
    column, _ = _editable_column(column_id)
    services.link_package(current_user, column, body["lecture_id"], body["media_id"])
    db.session.commit()
    return column


@bp.endpoint("/gradebook/columns/<int:column_id>/package", "DELETE", allow=STAFF,
             response=schemas.GradebookColumnCreated, errors=(404, 409),
             summary="Stop counting a package in this column (posted scores stay)")
def delete_column_package(column_id):
    column, _ = _editable_column(column_id)
    services.unlink_package(current_user, column)
    db.session.commit()
    return column


@bp.endpoint("/gradebook/columns/<int:column_id>/scores", "PUT", allow=STAFF, body=schemas.GradebookScoresIn,
             response=schemas.GradebookOut, errors=(404, 409),
             summary="Enter scores {student_id: value}: 0..10 recorded to one decimal half up, Đ/CĐ for "
                     "comment subjects, null clears; answers the recomputed gradebook",
             example_body={"scores": {"1201": "8,5", "1202": 7, "1203": None,
                                      "1204": {"value": None, "absent": True, "make_up": True}}})
def put_scores(column_id, body):
    """Values are 0-10 with one decimal (rounded half up), Đ/CĐ for pass/fail subjects, or null to clear. Every
    change is logged and, when GRADEBOOK_WEBHOOK_URL is set, delivered to the school-management system once."""
    column, klass = _editable_column(column_id)
    services.set_scores(current_user, column, body["scores"])
    db.session.commit()
    return services.build_gradebook(klass, column.subject_code, column.semester)


@bp.endpoint("/gradebook/comments", "PUT", allow=STAFF, body=schemas.GradebookCommentsIn,
             response=schemas.GradebookOut, errors=(404, 409),
             summary="Save the teacher's remarks (nhận xét) {student_id: text}; empty text removes")
def put_comments(body):
    klass = permissions.ensure_editable(current_user, body["class_id"], body["subject"])
    services.set_comments(current_user, klass, body["subject"], body["semester"], body["comments"])
    db.session.commit()
    return services.build_gradebook(klass, body["subject"], body["semester"])


@bp.endpoint("/gradebook/students/<int:student_id>", "GET", allow=SIGNED_IN, query=schemas.GradebookStudentQuery,
             response=schemas.GradebookStudentOut, errors=(404,),
             summary="A student's year: every subject and column they may see, ĐTBmhk, ĐTBmcn, learning result")
def student_gradebook(student_id, args):
    level = permissions.ensure_student_visible(current_user, student_id)
    return services.student_year(current_user, student_id, level, args["school_year"])


@bp.endpoint("/gradebook/export", "GET", allow=STAFF, query=schemas.GradebookExportQuery,
             produces=(spreadsheets.XLSX_MIME, "text/csv"), errors=(404,),
             summary="Download the gradebook as XLSX (or format=csv) in the sổ điểm layout")
def export_gradebook(args):
    klass = permissions.ensure_readable(current_user, args["class_id"], args["subject"])
    book = services.build_gradebook(klass, args["subject"], args["semester"])
    filename = f"Sổ điểm {book['subject_name']} - {klass.name} - HK{args['semester']}.{args['format']}"
    if args["format"] == "csv":
        data, mimetype = spreadsheets.export_csv(book), "text/csv; charset=utf-8"
    else:
        data, mimetype = spreadsheets.export_xlsx(book), spreadsheets.XLSX_MIME
    return download(data, mimetype, filename)


@bp.endpoint("/gradebook/import", "POST", allow=STAFF, query=schemas.GradebookQuery,
             response=schemas.GradebookImportOut, files={"file": "XLSX or CSV in the export layout"},
             errors=(404, 409, 413, 415),
             summary="Import scores from a filled-in sổ điểm; per-row report; nothing written if a row fails")
def import_gradebook(args):
    klass = permissions.ensure_editable(current_user, args["class_id"], args["subject"])
    upload = request.files.get("file")
    if upload is None:
        raise ValidationFailed(errors={"file": ["Chọn tệp XLSX hoặc CSV."]})
    data = upload.read(spreadsheets.MAX_IMPORT_BYTES + 1)
    result = services.import_sheet(current_user, klass, args["subject"], args["semester"], upload.filename or "",
                                   data)
    if result["applied"]:
        db.session.commit()
    else:
        db.session.rollback()
    return result


@bp.endpoint("/gradebook/changes", "GET", allow=STAFF, query=schemas.GradebookQuery,
             response=schemas.GradebookChangeOut, paginated=True, errors=(404,),
             summary="Change log of a gradebook (scores, locks, unlocks), newest first")
def list_changes(args):
    permissions.ensure_readable(current_user, args["class_id"], args["subject"])
    return paginate(services.change_log(args["class_id"], args["subject"], args["semester"]), args["page"],
                    args["per_page"])


@bp.endpoint("/gradebook/sign", "POST", allow=STAFF, response=schemas.GradebookSignatureBrief, status=201,
             files={"pkcs12": "The signer's certificate and key (.p12/.pfx); form fields: password, class_id, "
                              "subject, semester"},
             errors=(404, 409, 413),
             summary="Lock the gradebook and sign its canonical snapshot with an X.509 certificate")
def sign_gradebook():
    form = load(schemas.GradebookSignForm(), request.form.to_dict())
    klass = permissions.ensure_editable(current_user, form["class_id"], form["subject"])
    upload = request.files.get("pkcs12")
    if upload is None:
        raise ValidationFailed(errors={"pkcs12": ["Chọn tệp chứng thư số (.p12/.pfx)."]})
    data = upload.read(MAX_PKCS12_BYTES + 1)
    if len(data) > MAX_PKCS12_BYTES:
        raise PayloadTooLarge("Tệp chứng thư số quá lớn.")
    # A signed class summary does not stop the subject teacher signing their own (unchanged) gradebook.
    services.ensure_unlocked(klass.id, form["subject"], form["semester"], summary=False)
    signoff = services.sign(current_user, klass, form["subject"], form["semester"], data, form["password"])
    db.session.commit()
    return signoff


@bp.endpoint("/gradebook/unlock", "POST", allow=STAFF, body=schemas.GradebookUnlockIn,
             response=schemas.GradebookLockOut, errors=(404, 409),
             summary="Unlock a signed gradebook with a reason; its signatures are marked invalidated")
def unlock_gradebook(body):
    klass = permissions.ensure_readable(current_user, body["class_id"], body["subject"])
    require(permissions.can_unlock(current_user, klass.id, body["subject"]),
            "Chỉ giáo viên bộ môn hoặc quản trị mới mở khóa được sổ điểm.")
    lock = services.unlock(current_user, klass, body["subject"], body["semester"], body["reason"])
    db.session.commit()
    return lock


@bp.endpoint("/gradebook/signatures/<int:signature_id>/verify", "GET", allow=STAFF,
             response=schemas.GradebookVerifyOut, errors=(404,),
             summary="Verify a sign-off: signature, trust chain, and whether the data still matches")
def verify_signature(signature_id):
    signoff = db.session.scalar(select(SignOff).where(SignOff.id == signature_id))
    if signoff is None:
        raise NotFound("Không tìm thấy chữ ký.")
    if signoff.kind == "class_summary":
        permissions.ensure_class_summary_readable(current_user, signoff.class_id)
    else:
        permissions.ensure_readable(current_user, signoff.class_id, signoff.subject_code)
    return services.verify(signoff)


def _pkcs12_upload() -> bytes:
    upload = request.files.get("pkcs12")
    if upload is None:
        raise ValidationFailed(errors={"pkcs12": ["Chọn tệp chứng thư số (.p12/.pfx)."]})
    data = upload.read(MAX_PKCS12_BYTES + 1)
    if len(data) > MAX_PKCS12_BYTES:
        raise PayloadTooLarge("Tệp chứng thư số quá lớn.")
    return data


@bp.endpoint("/gradebook/class-summary", "GET", allow=STAFF, query=schemas.ClassSummaryQuery,
             response=schemas.ClassSummaryOut, errors=(404,),
             summary="The class's semester summary (every subject's result per student, the learning result) "
                     "with its signatures; for the homeroom teacher and admins")
def get_class_summary(args):
    klass = permissions.ensure_class_summary_readable(current_user, args["class_id"])
    return services.class_summary(klass, args["semester"])


@bp.endpoint("/gradebook/class-summary/sign", "POST", allow=STAFF, response=schemas.GradebookSignatureBrief,
             status=201, errors=(403, 404, 409, 413),
             files={"pkcs12": "The signer's certificate and key (.p12/.pfx); form fields: password, class_id, "
                              "semester, role (homeroom | principal)"},
             summary="Sign the class summary: the homeroom teacher first (locks every subject of the class for "
                     "the semester), then the principal (the school's admin) countersigns")
def sign_class_summary():
    form = load(schemas.ClassSummarySignForm(), request.form.to_dict())
    klass = permissions.ensure_class_summary_readable(current_user, form["class_id"])
    services.check_signer(current_user, klass, form["role"])
    data = _pkcs12_upload()
    signoff = services.sign_summary(current_user, klass, form["semester"], form["role"], data, form["password"])
    db.session.commit()
    return signoff


@bp.endpoint("/gradebook/class-summary/unlock", "POST", allow=STAFF, body=schemas.ClassSummaryUnlockIn,
             response=schemas.GradebookLockOut, errors=(403, 404, 409),
             summary="Unlock a signed class summary with a reason; its signatures are marked invalidated")
def unlock_class_summary(body):
    klass = permissions.ensure_class_summary_readable(current_user, body["class_id"])
    lock = services.unlock_summary(current_user, klass, body["semester"], body["reason"])
    db.session.commit()
    return lock


@bp.endpoint("/gradebook/qualities", "PUT", allow=STAFF, body=schemas.GradebookQualitiesIn,
             response=schemas.GradebookQualitiesOut, errors=(404,),
             summary="Primary (Thông tư 27): set students' end-of-year qualities and competences "
                     "{student_id: {code: T|Đ|C|null}}; homeroom teacher or admin")
def put_qualities(body):
    klass = permissions.ensure_qualities_editable(current_user, body["class_id"])
    qualities = services.set_qualities(current_user, klass, body["qualities"])
    db.session.commit()
    return {"class_id": klass.id, "names": rules.PRIMARY_QUALITIES,
            "qualities": {str(sid): levels for sid, levels in qualities.items()}}
