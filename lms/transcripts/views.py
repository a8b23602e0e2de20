"""Pages of the học bạ số: verify any signed PDF."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import login_required

from lms.core.errors import DomainError, ValidationFailed
from lms.core.permissions import require

from . import services

web = Blueprint("transcripts_web", __name__, url_prefix="/transcripts", template_folder="templates")

MAX_PDF_BYTES = 20 * 1024 * 1024


@web.route("/verify", methods=["GET", "POST"])
@login_required
def verify():
    """Upload a PDF; every signature is reported: signer, time, intact, changed after signing, trusted."""
    report, error, status = None, None, 200
    if request.method == "POST":
        upload = request.files.get("file")
        data = upload.read(MAX_PDF_BYTES + 1) if upload else b""
        if not data or len(data) > MAX_PDF_BYTES:
            error, status = "Chọn một tệp PDF (tối đa 20 MB).", 422
        else:
            try:
                report = services.verify(data)
            except DomainError as exc:
                error = "; ".join([m for ms in (exc.errors or {}).values() for m in ms] or [exc.detail])
                status = 422
    return render_template("transcripts/verify.html", report=report, error=error,
                           labels=services.LABELS), status


STATUS_LABELS = {"draft": "Chưa ký", "signed_homeroom": "GVCN đã ký", "signed": "Đã ký đủ"}


@web.route("/")
@login_required
def index():
    """The classes whose học bạ the caller builds and signs."""
    from flask_login import current_user

    require(current_user.role in ("teacher", "admin"), "Trang này dành cho giáo viên chủ nhiệm và nhà trường.")
    return render_template("transcripts/index.html", classes=services.managed_classes(current_user))


@web.route("/classes/<int:class_id>", methods=["GET", "POST"])
@login_required
def class_page(class_id):
    """A class's transcripts: build them all (a job), download, sign each in turn."""
    from flask import flash, redirect, url_for
    from flask_login import current_user

    from lms.core.db import db

    from . import tasks

    klass = services.ensure_class_manageable(current_user, class_id)
    if request.method == "POST":
        batch = services.start_batch(current_user, klass.id, klass.school_year)
        tasks.build_class_transcripts.enqueue(batch.id)
        db.session.commit()
        flash("Đang tạo học bạ cả lớp; trang tự cập nhật tiến độ.", "info")
        return redirect(url_for("transcripts_web.class_page", class_id=klass.id))
    overview = services.class_overview(klass)
    return render_template("transcripts/class.html", klass=klass, overview=overview, labels=STATUS_LABELS)


@web.route("/<int:transcript_id>/sign", methods=["POST"])
@login_required
def sign(transcript_id):
    """Sign one transcript from the class page with a PKCS#12 file and its password."""
    from flask import flash, redirect, url_for
    from flask_login import current_user

    from lms.core.db import db

    from lms.core import signatures

    from .models import Transcript

    row = services.ensure_readable(current_user, db.session.get(Transcript, transcript_id))
    upload = request.files.get("pkcs12")
    data = upload.read(64 * 1024 + 1) if upload else b""
    role = request.form.get("as") or ("homeroom" if current_user.role == "teacher" else "principal")
    try:
        if not data or len(data) > 64 * 1024:
            raise ValidationFailed(errors={"pkcs12": ["Chọn tệp chứng thư số (.p12/.pfx)."]})
        services.sign(current_user, row, role, signatures.Pkcs12Signer(data, request.form.get("password", "")))
    except DomainError as exc:
        db.session.rollback()
        flash("; ".join([m for ms in (exc.errors or {}).values() for m in ms] or [exc.detail]), "error")
    else:
        db.session.commit()
        flash(f"Đã ký: {services.LABELS[role]}.", "info")
    return redirect(url_for("transcripts_web.class_page", class_id=row.class_id))


@web.route("/<int:transcript_id>/pdf")
@login_required
def pdf(transcript_id):
    """Download a transcript (the student, their parents, the homeroom teacher, admins)."""
    from flask import Response
    from flask_login import current_user

    from lms.core.db import db

    from .models import Transcript

    row = services.ensure_readable(current_user, db.session.get(Transcript, transcript_id))
    return Response(row.pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="hoc-ba-{row.student_id}-{row.school_year}.pdf"'})
