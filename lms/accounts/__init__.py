"""Users, roles, tokens, schools, classes, enrolment and roster import."""
from __future__ import annotations

from datetime import timedelta

from flask import Flask, flash, redirect, request, url_for

#: How stale ``last_seen_at`` may get before a request refreshes it: one write per user per few minutes,
#: not one per request.
LAST_SEEN_PRECISION = timedelta(minutes=5)
#: API routes a user with a forced password change may still call: change it, see who they are, sign out.
API_ALLOWED_BEFORE_CHANGE = {("/api/v1/me/password", "POST"), ("/api/v1/me", "GET"), ("/api/v1/auth/token", "DELETE"),
                             ("/api/v1/auth/token", "POST"), ("/api/v1/auth/logout", "POST"),
                             ("/api/v1/auth/logout-all", "POST")}
WEB_ALLOWED_BEFORE_CHANGE = {"accounts_web.change_password", "accounts_web.logout", "accounts_web.login", "static",
                             "vendor"}


def init_app(app: Flask) -> None:
    from flask_login import current_user
    from sqlalchemy import update

    from lms.core.auth import register_token_loader
    from lms.core.db import db, utcnow
    from lms.core.extensions import login_manager

    from . import admin, guardian_routes, routes, services, sessions, views
    from .errors import PasswordChangeRequired
    from .models import User

    @login_manager.user_loader
    def load_user(session_id: str):
        # The session holds "<id>:<generation>" (User.get_id); a bare id is a cookie from before generations
        # existed and counts as generation 0. A cookie from an older generation was ended server-side.
        user_id, _, generation = session_id.partition(":")
        if not user_id.isdigit() or not (generation or "0").isdigit():
            return None
        user = db.session.get(User, int(user_id))
        if user is None or not user.active or int(generation or "0") != (user.session_generation or 0):
            return None
        return user if sessions.cookie_is_live(user) else None

    @app.before_request
    def password_change_and_last_seen():
        if request.endpoint in ("static", "vendor") or not current_user.is_authenticated:
            return None
        now = utcnow()
        if current_user.last_seen_at is None or now - current_user.last_seen_at > LAST_SEEN_PRECISION:
            # Its own tiny transaction before the view runs, so the view's commit or rollback is unaffected.
            db.session.execute(update(User).where(User.id == current_user.id).values(last_seen_at=now))
            db.session.commit()
        if not current_user.must_change_password:
            return None
        if request.path.startswith("/api/"):
            if (request.path.rstrip("/"), request.method) in API_ALLOWED_BEFORE_CHANGE:
                return None
            raise PasswordChangeRequired("Tài khoản đang dùng mật khẩu được cấp. Hãy đổi mật khẩu "
                                         "(POST /api/v1/me/password) trước khi tiếp tục.")
        if request.endpoint in WEB_ALLOWED_BEFORE_CHANGE:
            return None
        flash("Bạn đang dùng mật khẩu được cấp. Hãy đặt mật khẩu của riêng bạn để tiếp tục.", "info")
        return redirect(url_for("accounts_web.change_password"))

    register_token_loader(services.user_for_token)
    app.register_blueprint(routes.bp)
    app.register_blueprint(guardian_routes.bp)
    app.register_blueprint(views.web)
    admin.init_app(app)
