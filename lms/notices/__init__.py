"""Announcements (thông báo) and in-app notifications: an exam assigned, a score released, a lecture or question
reviewed, an announcement. Sits above the gradebook and listens to the lower packages' signals."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the API, the page, the signal handlers, the fan-out job, the menu and the header's count."""
    from flask_login import current_user

    from lms.core.home import register_home_panel
    from lms.core.web import register_nav

    from . import handlers, routes, services, tasks, views  # noqa: F401  (tasks registers its job on import)

    app.register_blueprint(routes.bp)
    app.register_blueprint(views.web)
    handlers.connect()
    register_nav(app, title="Thông báo", endpoint="notices_web.index",
                 roles=("admin", "department", "teacher", "student", "parent"), order=90,
                 description="Thông báo của trường, lớp và các hoạt động mới.")

    register_home_panel(app, name="announcements", template="notices/_home.html",
                        provider=lambda user: services.visible_announcements(user, limit=5),
                        roles=("admin", "department", "teacher", "student", "parent"), order=10)

    @app.context_processor
    def unread_notices():
        # Only on pages (the API never renders templates); one indexed count per page view.
        if current_user and current_user.is_authenticated:
            return {"unread_notices": services.unread_count(current_user.id)}
        return {}
