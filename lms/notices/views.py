"""Pages of notices: one's notifications and announcements, and the form to announce."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from lms.accounts import api as accounts
from lms.core.db import db
from lms.core.errors import DomainError, NotFound, ValidationFailed

from . import mailing, services, tasks

web = Blueprint("notices_web", __name__, url_prefix="/notices", template_folder="templates")

ANNOUNCERS = ("teacher", "admin", "department")


def _announce_choices(user) -> list:
    """The classes a teacher (or a school's admin) may address, for the form."""
    if user.role == "teacher":
        ids = accounts.taught_class_ids(user.id)
    elif user.role == "admin" and user.school_id is not None:
        ids = accounts.all_class_ids(user.school_id)
    else:
        return []
    return sorted((k for k in (accounts.get_class(i) for i in ids) if k), key=lambda k: (k.school_year, k.name))


@web.route("/", methods=["GET", "POST"])
@login_required
def index():
    """Notifications and announcements; staff may announce from here. Opening the page marks them read."""
    user = current_user._get_current_object()
    status = 200
    if request.method == "POST":
        if user.role not in ANNOUNCERS:
            raise NotFound()
        class_ids = [int(v) for v in request.form.getlist("class_ids") if v.isdigit()]
        title = request.form.get("title", "").strip()[:200]
        try:
            if not title:
                raise ValidationFailed(errors={"title": ["Nhập tiêu đề thông báo."]})
            item = services.create_announcement(user, title=title, body=request.form.get("body", "")[:10000],
                                                class_ids=class_ids)
        except DomainError as error:
            db.session.rollback()
            flash("; ".join([m for ms in (error.errors or {}).values() for m in ms] or [error.detail]), "error")
            status = 422
        else:
            tasks.fan_out_announcement.enqueue(item.id)
            db.session.commit()
            flash("Đã gửi thông báo.", "info")
            return redirect(url_for("notices_web.index"))
    notes = services.notifications(user)
    announcements = services.visible_announcements(user)
    page = render_template("notices/index.html", notes=notes, announcements=announcements,
                           can_announce=user.role in ANNOUNCERS, classes=_announce_choices(user),
                           email=mailing.settings_of(user))
    return page, status


@web.route("/read", methods=["POST"])
@login_required
def read():
    """Mark one notice read (``id``) and follow its link, or mark every notice read."""
    user = current_user._get_current_object()
    raw = request.form.get("id", "")
    if raw.isdigit():
        row = services.mark_read(user, int(raw))
        db.session.commit()
        target = row.url if row.url.startswith("/") and not row.url.startswith("//") else url_for("notices_web.index")
        return redirect(target)
    for row in services.notifications(user, limit=500)["items"]:
        if row.read_at is None:
            services.mark_read(user, row.id)
    db.session.commit()
    return redirect(url_for("notices_web.index"))


@web.route("/email", methods=["POST"])
@login_required
def email():
    """Save the address e-mail copies go to (empty: none) and whether they are sent."""
    user = current_user._get_current_object()
    try:
        mailing.update_settings(user, email=request.form.get("email", "")[:254],
                                email_enabled=request.form.get("email_enabled") == "on")
    except DomainError as error:
        db.session.rollback()
        flash("; ".join(m for ms in (error.errors or {}).values() for m in ms), "error")
        return redirect(url_for("notices_web.index") + "#email-h", 303)
    db.session.commit()
    flash("Đã lưu cài đặt email.", "info")
    return redirect(url_for("notices_web.index") + "#email-h", 303)
