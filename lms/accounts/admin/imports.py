"""Roster import in the console: upload, a per-row preview that writes nothing, then confirm.

The uploaded bytes are kept server-side under ``$LMS_DATA_DIR/roster-uploads/<sha256>`` between preview and
confirm, and the confirm form names only that hash: what is imported is exactly what was previewed, and no
personal data travels back and forth in hidden fields. Files older than a day are removed on the next upload.
"""
from __future__ import annotations

import hashlib
import os
import re
import time
from pathlib import Path

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from lms.core.db import db
from lms.core.errors import DomainError
from lms.core.permissions import page

from .. import roster, years
from ..models import School, SchoolClass
from . import ADMIN_ONLY, form_int, school_list, web
from .classes import _years

KEEP_SECONDS = 24 * 3600
_HASH = re.compile(r"^[0-9a-f]{64}$")


def _upload_dir() -> Path:
    path = Path(current_app.config["LMS_DATA_DIR"]) / "roster-uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _prune(directory: Path) -> None:
    cutoff = time.time() - KEEP_SECONDS
    for item in directory.iterdir():
        try:
            if item.stat().st_mtime < cutoff:
                item.unlink()
        except FileNotFoundError:
            pass  # another worker removed it first


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
    digest = hashlib.sha256(data).hexdigest()
    directory = _upload_dir()
    _prune(directory)
    target = directory / digest
    if not target.exists():
        temp = directory / f".{digest}.{os.getpid()}"
        temp.write_bytes(data)
        os.replace(temp, target)  # atomic: a concurrent confirm never reads half a file
    school = db.session.get(School, options["school_id"]) if options["school_id"] else None
    return render_template("admin/import_preview.html", result=result, digest=digest, filename=upload.filename,
                           options=options, school=school)


@web.route("/import/confirm", methods=["POST"])
@page(ADMIN_ONLY)
def roster_confirm():
    digest = request.form.get("digest", "")
    options = _options(request.form)
    path = _upload_dir() / digest if _HASH.match(digest) else None
    if path is None or not path.exists():
        flash("Tệp đã xem trước không còn trên máy chủ (quá một ngày hoặc đã nhập). Hãy tải tệp lên lại.", "error")
        return redirect(url_for("admin_web.roster_form"), code=303)
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != digest:
        path.unlink(missing_ok=True)
        flash("Tệp trên máy chủ không khớp bản đã xem trước. Hãy tải tệp lên lại.", "error")
        return redirect(url_for("admin_web.roster_form"), code=303)
    partial = request.form.get("partial") == "on"
    try:
        result = _run(data, request.form.get("filename", "roster"), options, dry_run=False, partial=partial)
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
                               filename=request.form.get("filename", ""), options=options, school=school), 422
    db.session.commit()
    path.unlink(missing_ok=True)
    classes = [db.session.get(SchoolClass, cid) for cid in result.class_ids]
    return render_template("admin/import_result.html", result=result, classes=classes)
