"""Pages of the học bạ số: verify any signed PDF."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import login_required

from lms.core.errors import DomainError

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
