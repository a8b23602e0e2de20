"""The application factory: the kernel, then each feature's ``init_app``. The only place that knows everything."""
from __future__ import annotations

from flask import Flask

from lms.core import auth, errors, limits, ops, ratelimits, web
from lms.core.config import load_config
from lms.core.db import db, engine_options
from lms.core.extensions import migrate
from lms.core.jobs import jobs
from lms.core.openapi import docs_view, spec_view
from lms.core.rest import DbIntConverter
from lms.core.permissions import PUBLIC

# Feature packages in dependency order (lower layers first); see shared/STYLE.md.
FEATURES = (
    "lms.accounts",
    "lms.curriculum",
    "media",
    "question_bank",
    "lms.lectures",
    "lms.exams",
    "lms.gradebook",
    "lms.search",
    "lms.reports",
    "lms.transcripts",
    "lms.notices",
    "lms.family",
)


def create_app(overrides: dict | None = None) -> Flask:
    """Build the app from the environment plus ``overrides`` (tests pass their own data dir and database)."""
    import importlib
    import os

    config = load_config(overrides=overrides)
    app = Flask("lms", static_folder=os.path.join(os.path.dirname(__file__), "core", "static"),
                template_folder=os.path.join(os.path.dirname(__file__), "core", "templates"))
    app.config.update(config)
    # Ids past PostgreSQL's integer range are simply "not found" (404 for every method), never a database error.
    app.url_map.converters["int"] = DbIntConverter
    # First, so every later hook and log line already has the request id and the real client address.
    ops.init_app(app, queue_depth=lambda: jobs.depth(app))

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config["SQLALCHEMY_DATABASE_URI"],
                                                            app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations"),
                     render_as_batch=True, compare_type=True)
    ratelimits.init_app(app)
    limits.init_app(app)
    auth.init_app(app)
    errors.init_app(app)
    web.init_app(app)

    for name in FEATURES:
        importlib.import_module(name).init_app(app)

    jobs.init_app(app)
    ops.register_readiness_check(app, "queue", lambda: jobs.depth(app))
    spec_view.permission_rule = PUBLIC
    web.register_vendor_assets(app)
    app.add_url_rule("/api/v1/openapi.json", "openapi", spec_view)
    docs_view.permission_rule = PUBLIC
    app.add_url_rule("/api/v1/docs", "api_docs", docs_view)

    from lms import cli

    cli.init_app(app)

    @app.teardown_request
    def rollback_unfinished(exc):
        # A request that failed after writing leaves nothing half-done behind.
        if exc is not None:
            db.session.rollback()

    return app
