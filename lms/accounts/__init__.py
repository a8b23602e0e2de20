"""Users, roles, tokens, schools, classes, enrolment and roster import."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from lms.core.auth import register_token_loader
    from lms.core.db import db
    from lms.core.extensions import login_manager

    from . import routes, services, views
    from .models import User

    @login_manager.user_loader
    def load_user(user_id: str):
        user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
        return user if user is not None and user.active else None

    register_token_loader(services.user_for_token)
    app.register_blueprint(routes.bp)
    app.register_blueprint(views.web)
