"""Web pages of accounts: sign in, sign out, change password, the per-role dashboard."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from lms.core.db import db
from lms.core.errors import ValidationFailed

from . import passwords, services, sessions, throttle

web = Blueprint("accounts_web", __name__, template_folder="templates")


class LoginForm(FlaskForm):
    username = StringField("Tên đăng nhập", validators=[DataRequired(), Length(max=80)])
    password = PasswordField("Mật khẩu", validators=[DataRequired(), Length(max=200)])


class PasswordForm(FlaskForm):
    current_password = PasswordField("Mật khẩu hiện tại", validators=[DataRequired(), Length(max=200)])
    new_password = PasswordField("Mật khẩu mới", validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField("Nhập lại mật khẩu mới", validators=[DataRequired(), Length(max=200)])


def _safe_next(target: str | None) -> str:
    # Only same-site relative paths: an open redirect after login is a phishing tool.
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("accounts_web.dashboard")


@web.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("accounts_web.dashboard"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        # The same limits as the API's token route (lms.accounts.throttle), shared by every worker.
        retry = throttle.retry_after(form.username.data, request.remote_addr)
        if retry is not None:
            flash(_("Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau %(minutes)s phút.",
                    minutes=max(1, -(-retry // 60))), "error")
            status = 429
        else:
            user = services.authenticate(form.username.data, form.password.data)
            if user is not None:
                sessions.sign_in(user)
                db.session.commit()
                if user.must_change_password:
                    return redirect(url_for("accounts_web.change_password"))
                return redirect(_safe_next(request.args.get("next")))
            throttle.record_failure(form.username.data, request.remote_addr)
            db.session.commit()  # the failure must count although the attempt failed
            flash(_("Sai tên đăng nhập hoặc mật khẩu."), "error")
            status = 401
    elif request.method == "POST":
        status = 400
    return render_template("accounts/login.html", form=form), status


@web.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        # Ended on the server: a copy of this cookie (a stolen one) stops working too; other browsers stay.
        sessions.sign_out(current_user._get_current_object())
        db.session.commit()
    logout_user()
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("accounts_web.login"))


@web.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's own password; the other browsers and API tokens of the account are signed out. The only
    page open to a user who must replace an issued password (account card, admin reset)."""
    form = PasswordForm()
    status = 200
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if form.new_password.data != form.confirm.data:
            form.confirm.errors.append(_("Hai lần nhập mật khẩu mới không khớp."))
            status = 422
        else:
            try:
                services.change_password(user, form.current_password.data, form.new_password.data)
            except ValidationFailed as error:
                db.session.rollback()
                for name, messages in (error.errors or {}).items():
                    getattr(form, name).errors.extend(messages)
                status = 422
            else:
                sessions.sign_in(user)  # this browser stays signed in, in a new session
                db.session.commit()
                flash(_("Đã đổi mật khẩu. Các thiết bị khác đã được đăng xuất."), "info")
                return redirect(url_for("accounts_web.dashboard"))
    elif request.method == "POST":
        status = 400
    return render_template("accounts/password.html", form=form, min_length=passwords.MIN_PASSWORD_LENGTH), status


@web.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("accounts_web.dashboard"))
    return redirect(url_for("accounts_web.login"))


@web.route("/dashboard")
@login_required
def dashboard():
    from .api import student_class_ids, taught_class_ids
    from .models import SchoolClass

    if current_user.role == "student":
        ids = student_class_ids(current_user.id)
    elif current_user.role == "teacher":
        ids = taught_class_ids(current_user.id)
    else:
        ids = set()
    classes = db.session.scalars(db.select(SchoolClass).where(SchoolClass.id.in_(ids or {-1}))
                                 .order_by(SchoolClass.name)).all()
    cards = current_app.extensions.get("lms_dashboard_cards", [])
    visible = [c for c in cards if current_user.role in c["roles"]]
    from lms.core.home import home_panels

    return render_template("accounts/dashboard.html", classes=classes, cards=visible,
                           panels=home_panels(current_user))
