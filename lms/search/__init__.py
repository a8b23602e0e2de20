"""Full-text search over lectures and questions: Vietnamese analysis and one index behind a port.

``SEARCH_BACKEND`` picks the index (:mod:`lms.search.backends`): ``postgres`` inside the database, shared
by every node, or ``whoosh``, files in this machine's ``LMS_DATA_DIR``. ``init_app`` registers the search
API and page, the indexing signal handlers and jobs, the ``flask search rebuild|reconcile`` commands and a
demo seeder that indexes the demo content.
"""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup


def _cli() -> AppGroup:
    from . import reconcile as reconciliation
    from . import service

    group = AppGroup("search", help="Maintain the search index of lectures and questions.")

    @group.command("rebuild")
    @click.option("--batch-size", default=service.BATCH_SIZE, show_default=True, type=click.IntRange(1, 100_000),
                  help="Documents per batch (postgres: per commit)")
    def rebuild(batch_size):
        """Index every lecture and question from the database again (whoosh: from empty; postgres: row by
        row in committed batches, searchable throughout)."""
        counts = service.rebuild(batch_size=batch_size,
                                 progress=lambda type_, n: click.echo(f"  {type_}: {n} indexed"))
        click.echo("rebuilt: " + ", ".join(f"{n} {type_}s" for type_, n in counts.items())
                   + f"; {service.get_index().doc_count()} documents in the index")

    @group.command("reconcile")
    def reconcile():
        """Fix missing, stale and extra documents by comparing the index with the database."""
        report = reconciliation.reconcile()
        click.echo(f"reconciled: {report.summary()}")
        for kind in ("missing", "stale", "extra"):
            keys = getattr(report, kind)
            if keys:
                shown = ", ".join(keys[:20]) + (f" … (+{len(keys) - 20})" if len(keys) > 20 else "")
                click.echo(f"  {kind}: {shown}")

    return group


def _seed(context: dict) -> None:
    """Demo seeder: the other features seeded their content first (search is last), so reconcile indexes
    it all; running it again changes nothing."""
    from . import reconcile as reconciliation

    reconciliation.reconcile()


def check_single_node(config) -> None:
    """Refuse ``whoosh`` with a shared job queue: each machine would search its own partial index.

    ``REDIS_URL`` is how the platform runs on several machines; a whoosh index lives in one machine's
    ``LMS_DATA_DIR`` and is written by whichever worker ran the job, so the other nodes never see it.
    ``SEARCH_ALLOW_LOCAL_INDEX=1`` allows it for one machine that uses Redis for its queue only.
    """
    from lms.core.config import ConfigError

    if (config.get("SEARCH_BACKEND") == "whoosh" and config.get("REDIS_URL")
            and not config.get("SEARCH_ALLOW_LOCAL_INDEX")):
        raise ConfigError(
            "SEARCH_BACKEND=whoosh keeps the search index in this machine's LMS_DATA_DIR, but REDIS_URL is set, "
            "which means several web and worker nodes share the work: each would search its own partial index "
            "(new content found on one node only, deleted content still found on another). Use "
            "SEARCH_BACKEND=postgres with a PostgreSQL DATABASE_URL, or set SEARCH_ALLOW_LOCAL_INDEX=1 if this "
            "really is a single machine.")


def init_app(app: Flask) -> None:
    from lms.core.seeding import register_seeder

    check_single_node(app.config)

    from . import handlers, routes, tasks, views  # noqa: F401  (tasks: jobs register before jobs.init_app)
    from .postgres_backend import models  # noqa: F401  (the tables exist on every database: one schema)

    app.register_blueprint(routes.bp)
    app.register_blueprint(views.web)
    handlers.connect()
    app.cli.add_command(_cli())
    register_seeder(app, _seed)
