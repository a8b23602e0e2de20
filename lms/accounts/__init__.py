"""Users, roles, tokens, schools, classes, enrolment and roster import."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from lms.core.auth import register_token_loader
    from lms.core.db import db
    from lms.core.extensions import login_manager

    from . import routes, services, sessions, views
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

    register_token_loader(services.user_for_token)
    app.register_blueprint(routes.bp)
    app.register_blueprint(views.web)
