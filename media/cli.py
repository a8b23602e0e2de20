"""``flask storage init``: create the bucket and let browsers on the app's origins fetch media from it;
``flask media reprocess-pdfs``: give PDFs stored before the e-textbook reader its copy, page count and text."""
from __future__ import annotations

import click
from flask import Flask, current_app

from .storage import StorageError


def init_app(app: Flask) -> None:
    @app.cli.group("storage")
    def storage_group():
        """Object storage set-up."""

    @storage_group.command("init")
    @click.option("--origin", "origins", multiple=True,
                  help="An origin the site is served from (repeatable); default: APP_ORIGINS.")
    def storage_init(origins):
        """Create the bucket and set its CORS rules (GET/HEAD with Range, PUT) for the site's origins.

        Idempotent: run it at every deployment. Needed before browsers play HLS from S3 (hls.js fetches
        segments by XHR, which the browser blocks without CORS).
        """
        from . import services

        from lms.core.config import ConfigError
        from lms.core.config import origins as parse_origins

        try:
            wanted = list(parse_origins("--origin", ",".join(origins))) if origins else \
                list(current_app.config.get("APP_ORIGINS") or ())
        except ConfigError as exc:
            raise click.UsageError(str(exc)) from None
        storage = services.get_storage()
        try:
            messages = storage.prepare_for_browsers(wanted)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None
        except StorageError as exc:
            raise click.ClickException(f"storage not ready: {exc}") from None
        for message in messages:
            click.echo(message)

    @app.cli.group("media")
    def media_group():
        """Media maintenance."""

    @media_group.command("reprocess-pdfs")
    def reprocess_pdfs():
        """Make the reader copy, page count and search text of every ready PDF.

        For PDFs processed before the reader existed; safe to run again (each run replaces what the last
        made). The lectures using them are re-indexed for search (by the worker when the backend is whoosh).
        """
        from lms.core.db import db

        from . import documents, services

        counts = documents.reprocess_all(services.get_storage(), services.tmp_dir())
        db.session.commit()
        click.echo(f"PDFs reprocessed: {counts['done']}, failed: {counts['failed']}")
