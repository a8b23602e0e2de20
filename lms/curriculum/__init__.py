"""Subjects of the 2018 programme and the topic tree per subject and grade."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from . import routes

    app.register_blueprint(routes.bp)
