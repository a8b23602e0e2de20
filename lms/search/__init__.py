"""Full-text search over lectures and questions: Vietnamese analysis and a whoosh-backed index.

``init_app`` registers the search API and page, the indexing signal handlers and jobs, the
``flask search rebuild|reconcile`` commands and a demo seeder that indexes the demo content.
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
                  help="Documents per index commit")
    def rebuild(batch_size):
        """Empty the index and index every lecture and question from the database."""
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


def init_app(app: Flask) -> None:
    from lms.core.seeding import register_seeder

    from . import handlers, routes, tasks, views  # noqa: F401  (tasks: jobs register before jobs.init_app)

    app.register_blueprint(routes.bp)
    app.register_blueprint(views.web)
    handlers.connect()
    app.cli.add_command(_cli())
    register_seeder(app, _seed)
