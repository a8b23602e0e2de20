"""Roster import in the console: upload, a per-row preview that writes nothing, then confirm.

Between preview and confirm the uploaded bytes are kept in the ``roster_uploads`` table of the application
database, keyed by their SHA-256, and the confirm form names only that hash: what is imported is exactly what was
previewed, no personal data travels back and forth in hidden fields, and web nodes stay stateless (the confirm may
reach another node than the preview did). Only an admin of the same scope as the uploader (the same school, or
both system-wide) can confirm it. Rows older than a day are deleted on the next preview or confirm; the row is
deleted in the same transaction as the import, so confirming twice cannot import twice.
"""
from __future__ import annotations

import hashlib
import re
from datetime import timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from lms.core.db import db, utcnow
from lms.core.errors import DomainError
from lms.core.permissions import page

from .. import roster, years
from ..models import RosterUpload, School, SchoolClass
from . import ADMIN_ONLY, form_int, school_list, web
from .classes import _years

KEEP = timedelta(days=1)
_HASH = re.compile(r"^[0-9a-f]{64}$")
GONE = ("Không tìm thấy tệp đã xem trước: tệp đã quá một ngày, đã được nhập, hoặc do quản trị của phạm vi khác "
        "tải lên. Hãy tải tệp lên lại.")


def _prune() -> None:
    """Delete uploads older than a day (no cron: every preview and confirm does it)."""
    db.session.execute(delete(RosterUpload).where(RosterUpload.created_at < utcnow() - KEEP))


def _keep(data: bytes, filename: str) -> str:
    """Store the previewed bytes for the confirm, in the shared database; return their SHA-256."""
    digest = hashlib.sha256(data).hexdigest()
    try:
        _store(digest, data, filename)
    except IntegrityError:
        db.session.rollback()  # a concurrent preview of the same bytes inserted first: update its row instead
        _store(digest, data, filename)
    return digest


def _store(digest: str, data: bytes, filename: str) -> None:
    # The same bytes previewed again (perhaps by another admin) belong to the latest preview, for a day from now.
    fields = dict(school_id=current_user.school_id, uploaded_by=current_user.id, filename=filename[:255],
                  created_at=utcnow())
    _prune()
    row = db.session.get(RosterUpload, digest)
    if row is None:
        db.session.add(RosterUpload(sha256=digest, content=data, **fields))
    else:
        for name, value in fields.items():
            setattr(row, name, value)
    db.session.commit()


def _pending(digest: str) -> RosterUpload | None:
    """The kept upload named by ``digest`` if the current admin may confirm it, locked until the transaction ends."""
    if not _HASH.match(digest):
        return None
    _prune()
    db.session.commit()
    # FOR UPDATE (PostgreSQL): a second confirm of the same hash waits, then finds the row gone with the import.
    row = db.session.scalar(select(RosterUpload).where(RosterUpload.sha256 == digest).with_for_update())
    if row is None or row.school_id != current_user.school_id:
        return None
    return row


def _options(form) -> dict:
    return {"school_id": form_int(form.get("school_id")), "school_year": (form.get("school_year") or "").strip() or None,
            "create_classes": form.get("create_classes") == "on"}


def _run(data: bytes, filename: str, options: dict, *, dry_run: bool, partial: bool = False):
    rows = roster.read_rows(filename, data)
    return roster.import_roster(current_user, rows, default_school_id=options["school_id"], dry_run=dry_run,
                                partial=partial, school_year=options["school_year"],
                                create_classes=options["create_classes"])


@web.route("/import", methods=["GET"])
@page(ADMIN_ONLY)
def roster_form():
    return render_template("admin/import.html", schools=school_list(), years=_years(),
                           current_year=years.current_school_year(), form={})


@web.route("/import/template.xlsx")
@page(ADMIN_ONLY)
def roster_template():
    from flask import Response

    from lms.core.downloads import attachment_headers

    return Response(roster.template_xlsx(), headers=attachment_headers("mẫu-danh-sách.xlsx"),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@web.route("/import/preview", methods=["POST"])
@page(ADMIN_ONLY)
def roster_preview():
    upload = request.files.get("file")
    options = _options(request.form)
    page_args = dict(schools=school_list(), years=_years(), current_year=years.current_school_year(),
                     form=request.form)
    if upload is None or not upload.filename:
        flash("Chọn tệp danh sách (CSV hoặc XLSX).", "error")
        return render_template("admin/import.html", **page_args), 422
    data = upload.read(roster.MAX_ROSTER_BYTES + 1)
    try:
        result = _run(data, upload.filename, options, dry_run=True)
    except DomainError as exc:
        db.session.rollback()
        messages = [m for values in (exc.errors or {}).values() for m in values] or [exc.detail]
        flash(" ".join(messages), "error")
        return render_template("admin/import.html", **page_args), exc.status
    db.session.rollback()  # a dry run writes nothing; make sure of it
    digest = _keep(data, upload.filename)
    school = db.session.get(School, options["school_id"]) if options["school_id"] else None
    return render_template("admin/import_preview.html", result=result, digest=digest, filename=upload.filename,
                           options=options, school=school)


@web.route("/import/confirm", methods=["POST"])
@page(ADMIN_ONLY)
def roster_confirm():
    digest = request.form.get("digest", "")
    options = _options(request.form)
    upload = _pending(digest)
    if upload is None:
        db.session.rollback()
        flash(GONE, "error")
        return redirect(url_for("admin_web.roster_form"), code=303)
    data, filename = bytes(upload.content), upload.filename
    partial = request.form.get("partial") == "on"
    try:
        result = _run(data, filename, options, dry_run=False, partial=partial)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.detail, "error")
        return redirect(url_for("admin_web.roster_form"), code=303)
    if result.errors and not partial:
        # Something changed since the preview (a username taken meanwhile): nothing was written; show why.
        db.session.rollback()
        school = db.session.get(School, options["school_id"]) if options["school_id"] else None
        flash("Danh sách có dòng lỗi nên chưa nhập gì. Sửa tệp hoặc chọn bỏ qua các dòng lỗi.", "error")
        return render_template("admin/import_preview.html", result=result, digest=digest,
                               filename=filename, options=options, school=school), 422
    db.session.delete(upload)  # with the import: a second confirm of this hash finds nothing
    db.session.commit()
    classes = [db.session.get(SchoolClass, cid) for cid in result.class_ids]
    return render_template("admin/import_result.html", result=result, classes=classes)
