"""JSON API of the học bạ số: generate, read, download, sign in order, verify any PDF."""
from __future__ import annotations

from flask import Response, request
from flask_login import current_user

from lms.core.auth import exempt_api
from lms.core.db import db
from lms.core.errors import Conflict, PayloadTooLarge, ValidationFailed
from lms.core.permissions import ADMIN, PARENT, SIGNED_IN, STUDENT, TEACHER, roles
from lms.core.rest import ApiBlueprint, load

from lms.core import signatures

from . import schemas, services, tasks
from .models import Transcript, TranscriptBatch

bp = ApiBlueprint("transcripts", __name__, url_prefix="/api/v1")
exempt_api(bp)

READERS = roles(STUDENT, PARENT, TEACHER, ADMIN)
MAX_PKCS12_BYTES = 64 * 1024
MAX_PDF_BYTES = 20 * 1024 * 1024


def _upload(name: str, limit: int, message: str) -> bytes:
    upload = request.files.get(name)
    if upload is None:
        raise ValidationFailed(errors={name: [message]})
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge("Tệp quá lớn.")
    return data


@bp.endpoint("/transcripts", "POST", allow=roles(TEACHER, ADMIN), body=schemas.TranscriptIn, status=201,
             errors=(404, 409),
             summary="Generate a student's học bạ of a school year from the gradebook (homeroom teacher, admin); "
                     "with class_id, every student of the class as a job: {id, kind:'class', status, total, done, ids}")
def create_transcript(body):
    if body["class_id"] is not None:
        batch = services.start_batch(current_user, body["class_id"], body["school_year"])
        tasks.build_class_transcripts.enqueue(batch.id)
        db.session.commit()
        return schemas.BatchOut().dump(db.session.get(TranscriptBatch, batch.id)), 202
    row = services.generate(current_user, body["student_id"], body["school_year"], body["homeroom_comment"],
                            body["conduct"])
    db.session.commit()
    return schemas.TranscriptOut().dump(row), 201


def _batch(batch_id: int) -> TranscriptBatch:
    return services.ensure_batch_manageable(current_user, db.session.get(TranscriptBatch, batch_id))


@bp.endpoint("/transcripts/batches/<int:batch_id>", "GET", allow=roles(TEACHER, ADMIN), response=schemas.BatchOut,
             errors=(404,), summary="Progress of a class's transcripts job")
def get_batch(batch_id):
    return _batch(batch_id)


@bp.endpoint("/transcripts/batches/<int:batch_id>/zip", "GET", allow=roles(TEACHER, ADMIN),
             produces="application/zip", errors=(404, 409), summary="A class's transcripts as one zip, once built")
def batch_zip(batch_id):
    batch = _batch(batch_id)
    if batch.status != "done":
        raise Conflict("Học bạ của lớp chưa tạo xong.")
    return Response(services.batch_zip(batch), mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="hoc-ba-lop-{batch.class_id}-{batch.school_year}.zip"'})


@bp.endpoint("/transcripts/<int:transcript_id>", "GET", allow=READERS, response=schemas.TranscriptOut,
             errors=(404,), summary="A học bạ's status and signatures (the student, parents, homeroom, admin)")
def get_transcript(transcript_id):
    return services.ensure_readable(current_user, db.session.get(Transcript, transcript_id))


@bp.endpoint("/transcripts/<int:transcript_id>/pdf", "GET", allow=READERS, produces="application/pdf",
             errors=(404,), summary="The học bạ PDF with every signature so far")
def transcript_pdf(transcript_id):
    row = services.ensure_readable(current_user, db.session.get(Transcript, transcript_id))
    return Response(row.pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="hoc-ba-{row.student_id}-{row.school_year}.pdf"'})


@bp.endpoint("/transcripts/<int:transcript_id>/sign", "POST", allow=roles(TEACHER, ADMIN),
             response=schemas.TranscriptOut, status=201, errors=(404, 409, 413),
             files={"pkcs12": "The signer's certificate and key (.p12/.pfx); form fields: password, as "
                              "(homeroom | principal | seal)"},
             summary="Sign: the homeroom teacher, then the principal (admin), then the school's seal (admin, "
                     "as=seal); each a PAdES signature in an incremental update with a visible block")
def sign_transcript(transcript_id):
    row = services.ensure_readable(current_user, db.session.get(Transcript, transcript_id))
    form = load(schemas.TranscriptSignForm(), request.form.to_dict())
    data = _upload("pkcs12", MAX_PKCS12_BYTES, "Chọn tệp chứng thư số (.p12/.pfx).")
    role = form["as_"] or ("homeroom" if current_user.role == TEACHER else "principal")
    services.sign(current_user, row, role, signatures.Pkcs12Signer(data, form["password"]))
    db.session.commit()
    return row, 201


@bp.endpoint("/transcripts/verify", "POST", allow=SIGNED_IN, response=schemas.VerifyOut, errors=(413, 422),
             files={"file": "A signed PDF (a học bạ or any PAdES document)"},
             summary="Verify every signature of a PDF: signer, time, intact, modified after signing, trusted")
def verify_transcript():
    return services.verify(_upload("file", MAX_PDF_BYTES, "Chọn tệp PDF."))
