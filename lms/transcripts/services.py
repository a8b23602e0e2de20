"""Generating, signing and verifying học bạ số. Services take the acting user, raise domain errors, flush."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from lms.accounts import api as accounts
from lms.core import signatures
from lms.core.db import db, utcnow
from lms.core.errors import Conflict, NotFound, ValidationFailed
from lms.core.permissions import ADMIN, PARENT, STUDENT, TEACHER, require
from lms.gradebook import api as gradebook

from . import document
from .models import Transcript

#: Who signs in which order, and the status each signature leads to.
ORDER = {"homeroom": ("draft", "signed_homeroom"), "principal": ("signed_homeroom", "signed"),
         "seal": ("signed", "signed")}
LABELS = {"homeroom": "Giáo viên chủ nhiệm", "principal": "Hiệu trưởng", "seal": "Dấu của nhà trường"}


def _class_of(student_id: int, school_year: str):
    for class_id in accounts.student_class_ids(student_id):
        klass = accounts.get_class(class_id)
        if klass is not None and klass.school_year == school_year:
            return klass
    return None


def _manages(user, klass) -> bool:
    """The class's homeroom teacher, or an admin (of the class's school when the admin has one)."""
    if user.role == ADMIN:
        return user.school_id is None or user.school_id == klass.school_id
    return user.role == TEACHER and klass.homeroom_teacher_id == user.id


def ensure_readable(user, transcript: Transcript | None) -> Transcript:
    """The transcript, or NotFound: the student, their parents, the homeroom teacher and admins read it."""
    if transcript is None:
        raise NotFound("Không tìm thấy học bạ.")
    klass = accounts.get_class(transcript.class_id)
    allowed = (user.role in (STUDENT, PARENT) and accounts.may_follow_student(user, transcript.student_id)
               or klass is not None and _manages(user, klass))
    if not allowed:
        raise NotFound("Không tìm thấy học bạ.")
    return transcript


def generate(user, student_id: int, school_year: str, homeroom_comment: str = "",
             conduct: dict | None = None) -> Transcript:
    """Build (or rebuild, while unsigned) a student's học bạ of ``school_year`` from the gradebook.

    ``conduct`` is the homeroom teacher's TT22 training result {"1"|"2"|"year": level code} of a secondary
    student; left out, the one given before is kept. A primary student (TT27) has none: giving one is a 422."""
    student = accounts.get_user(student_id)
    klass = _class_of(student_id, school_year) if student is not None and student.role == STUDENT else None
    if klass is None or not _manages(user, klass):
        raise NotFound("Không tìm thấy học sinh trong lớp của năm học này.")
    existing = db.session.scalar(select(Transcript).where(Transcript.student_id == student_id,
                                                          Transcript.school_year == school_year))
    if existing is not None and existing.signatures:
        raise Conflict("Học bạ đã được ký; không tạo lại được.")
    year = gradebook.student_year(user, student_id, school_year)
    homeroom = accounts.get_user(klass.homeroom_teacher_id) if klass.homeroom_teacher_id else None
    comment = (homeroom_comment or (existing.homeroom_comment if existing else "")).strip()
    if year.get("primary"):
        if conduct:
            raise ValidationFailed(errors={"conduct": [
                "Học sinh tiểu học (Thông tư 27) không có kết quả rèn luyện; đánh giá phẩm chất, năng lực ở sổ điểm."]})
        conduct = None
    else:
        conduct = {**((existing.conduct or {}) if existing else {}), **(conduct or {})}
    pdf = document.render({
        "school": klass.school.name if klass.school else "", "class_name": klass.name, "grade": klass.grade,
        "school_year": school_year, "conduct": conduct, "vocabulary": gradebook.transcript_vocabulary(),
        "student": {"full_name": student.full_name, "student_code": student.student_code}, "year": year,
        "homeroom_comment": comment, "homeroom_name": homeroom.full_name if homeroom else "",
        "principal_name": ""})
    row = existing or Transcript(student_id=student_id, school_year=school_year, class_id=klass.id,
                                 created_by=user.id)
    row.class_id, row.pdf, row.homeroom_comment, row.status = klass.id, pdf, comment, "draft"
    row.conduct = conduct
    row.signatures, row.stale, row.updated_at = [], False, utcnow()
    db.session.add(row)
    db.session.flush()
    return row


def sign(user, transcript: Transcript, role: str, signer: signatures.Signer) -> Transcript:
    """Add the next signature: the homeroom teacher, then the principal (an admin), then the school's seal."""
    klass = accounts.get_class(transcript.class_id)
    if role not in ORDER:
        raise ValidationFailed(errors={"as": ["Chọn homeroom, principal hoặc seal."]})
    needed, after = ORDER[role]
    if role == "homeroom":
        require(user.role == TEACHER and klass.homeroom_teacher_id == user.id,
                "Giáo viên chủ nhiệm của lớp ký trước.")
    else:
        require(user.role == ADMIN and _manages(user, klass), "Hiệu trưởng (quản trị của trường) ký bước này.")
    done = {s["role"] for s in transcript.signatures}
    if role in done or transcript.status != needed:
        raise Conflict(f"Chưa đến lượt ký “{LABELS[role]}” (trạng thái hiện tại: {transcript.status}).")
    box, _heading = document.SIGNATURE_BOXES[role]
    try:
        pdf = signatures.sign_pdf(transcript.pdf, signer, field=f"Sig_{role}", box=box, label=LABELS[role],
                                  reason=f"{LABELS[role]} ký học bạ năm học {transcript.school_year}",
                                  location=klass.school.name if klass.school else "",
                                  tsa_url=current_app.config.get("SIGNING_TSA_URL") or None)
    except signatures.TimestampUnavailable as error:
        raise ValidationFailed(errors={"tsa": [f"Không lấy được dấu thời gian (TSA): {error}"]}) from None
    now = utcnow()
    transcript.pdf = pdf
    transcript.signatures = [*transcript.signatures, {
        "role": role, "user_id": user.id, "name": getattr(signer, "subject_name", "") or user.full_name,
        "signed_at": now.isoformat(), "field": f"Sig_{role}"}]
    transcript.status, transcript.updated_at = after, now
    db.session.flush()
    return transcript


def verify(pdf: bytes) -> dict:
    """``{valid, intact, modified_after_signing, signers:[{name, role, signed_at, trusted, intact, valid,
    timestamp: {time, valid, trusted} | None}]}``."""
    roots = signatures.load_roots(current_app.config.get("GRADEBOOK_TRUSTED_ROOTS"))
    reports = signatures.verify_pdf(pdf, roots)
    if not reports:
        raise ValidationFailed(errors={"file": ["Tệp PDF không có chữ ký số nào."]})
    roles = {f"Sig_{r}": r for r in ORDER}
    signers_out = [{"name": r.name, "role": roles.get(r.field, r.field), "signed_at": r.signed_at,
                    "trusted": r.trusted, "intact": r.intact, "valid": r.valid,
                    "timestamp": None if r.timestamp is None else {
                        "time": r.timestamp.time, "valid": r.timestamp.valid, "trusted": r.timestamp.trusted}}
                   for r in reports]
    return {"valid": all(r.valid for r in reports) and not any(r.modified_after for r in reports),
            "intact": all(r.intact for r in reports),
            "modified_after_signing": any(r.modified_after for r in reports), "signers": signers_out}


def mark_stale(class_id: int) -> int:
    """Transcripts of a class whose gradebook changed after they were made (unlocked) need generating again."""
    rows = db.session.scalars(select(Transcript).where(Transcript.class_id == class_id)).all()
    for row in rows:
        row.stale = True
    db.session.flush()
    return len(rows)


def start_batch(user, class_id: int, school_year: str):
    """A job building every student's transcript of a class; the class must be the caller's to manage."""
    from .models import TranscriptBatch

    klass = accounts.get_class(class_id)
    if klass is None or klass.school_year != school_year or not _manages(user, klass):
        raise NotFound("Không tìm thấy lớp của năm học này.")
    batch = TranscriptBatch(class_id=class_id, school_year=school_year, created_by=user.id,
                            total=len(accounts.class_student_ids(class_id)))
    db.session.add(batch)
    db.session.flush()
    return batch


def ensure_batch_manageable(user, batch):
    """The batch, or NotFound unless the caller manages its class."""
    klass = accounts.get_class(batch.class_id) if batch is not None else None
    if klass is None or not _manages(user, klass):
        raise NotFound("Không tìm thấy lượt tạo học bạ.")
    return batch


def run_batch(batch) -> None:
    """Build each student's transcript, committing progress after each so the page shows it moving.
    Signed transcripts are kept (never rebuilt behind their signers)."""
    user = accounts.get_user(batch.created_by) if batch.created_by else None
    batch.status, batch.done, batch.transcript_ids = "running", 0, []
    db.session.commit()
    ids = []
    for student in accounts.class_students(batch.class_id):
        existing = db.session.scalar(select(Transcript).where(Transcript.student_id == student.id,
                                                              Transcript.school_year == batch.school_year))
        row = existing if existing is not None and existing.signatures else generate(user, student.id,
                                                                                      batch.school_year)
        ids.append(row.id)
        batch.done, batch.transcript_ids = batch.done + 1, list(ids)
        db.session.commit()
    batch.status = "done"
    db.session.commit()


def batch_zip(batch) -> bytes:
    """Every PDF of the batch in one zip, named by the class list order and the student's name."""
    import io
    import re
    import unicodedata
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for number, tid in enumerate(batch.transcript_ids, start=1):
            row = db.session.get(Transcript, tid)
            if row is None:
                continue
            student = accounts.get_user(row.student_id)
            ascii_name = unicodedata.normalize("NFD", student.full_name if student else "").replace("đ", "d")
            ascii_name = re.sub(r"[^A-Za-z0-9]+", "-", "".join(c for c in ascii_name if ord(c) < 128)).strip("-")
            zf.writestr(f"{number:02d}-{ascii_name or row.student_id}-{row.school_year}.pdf", row.pdf)
    return out.getvalue()


def managed_classes(user) -> list:
    """Classes whose transcripts ``user`` builds: a teacher's homeroom classes, an admin's school's classes."""
    if user.role == TEACHER:
        ids = [cid for cid in accounts.taught_class_ids(user.id) if accounts.is_homeroom(user.id, cid)]
    elif user.role == ADMIN:
        ids = accounts.all_class_ids(user.school_id)
    else:
        ids = []
    classes = [k for k in (accounts.get_class(i) for i in ids) if k is not None]
    return sorted(classes, key=lambda k: (k.school_year, k.name), reverse=True)


def ensure_class_manageable(user, class_id: int):
    """The class, or NotFound unless the caller is its homeroom teacher or an admin of its school."""
    klass = accounts.get_class(class_id)
    if klass is None or not _manages(user, klass):
        raise NotFound("Không tìm thấy lớp.")
    return klass


def class_overview(klass) -> dict:
    """Each student of the class with their transcript of the class's year (or None), and the latest batch."""
    from .models import TranscriptBatch

    rows = {t.student_id: t for t in db.session.scalars(select(Transcript).where(
        Transcript.class_id == klass.id, Transcript.school_year == klass.school_year))}
    batch = db.session.scalars(select(TranscriptBatch).where(TranscriptBatch.class_id == klass.id)
                               .order_by(TranscriptBatch.id.desc()).limit(1)).first()
    return {"students": [(s, rows.get(s.id)) for s in accounts.class_students(klass.id)], "batch": batch}
