"""Media: object storage, streamed uploads, HLS transcoding and protected playback (issue 3).

The pure engine lives in ``storage/``, ``processing/``, ``sniffing.py`` and ``streaming.py``; this package's
Flask side is ``api.py`` (what other features call), ``routes.py`` (``package_routes.py`` for interactive
packages), ``services.py`` (storage access, the asset record), ``uploads.py``, ``pipeline.py``
(processing) and ``tasks.py``.
"""
from __future__ import annotations

import logging
import os
import shutil
import tempfile

log = logging.getLogger(__name__)

DEMO_VIDEO_NAME = "bai-giang-mau.mp4"


def init_app(app) -> None:
    """Register the API blueprint, the jobs (before ``jobs.init_app``) and the demo seeder."""
    from lms.core.ops import register_readiness_check
    from lms.core.seeding import register_seeder

    # tasks registers the jobs, package_routes its endpoints on routes.bp
    from . import cli, package_origin, package_routes, routes, services, tasks  # noqa: F401

    app.register_blueprint(routes.bp)
    # First of all before-request hooks: on the packages' host nothing else may run, e.g. Flask-WTF's CSRF check
    # answering a stray POST with an HTML error page whose CSRF token would set a session cookie there.
    app.before_request_funcs.setdefault(None, []).insert(0, package_origin.package_host_only)
    app.after_request(package_origin.no_cookie_on_package_host)
    cli.init_app(app)
    register_readiness_check(app, "storage", lambda: services.get_storage().check())
    register_seeder(app, seed_demo)


def seed_demo(context: dict) -> None:
    """A short generated lecture video owned by the demo teacher; its id goes to ``context["media"]``.

    Idempotent: an existing asset of that name and owner is reused. Skipped without ffmpeg.
    """
    from sqlalchemy import select

    from lms.accounts.api import get_user
    from lms.core.db import db

    from . import services, uploads
    from .models import MediaAsset
    from .processing import ProcessingError
    from .processing.ffmpeg import run_ffmpeg

    teacher = get_user(context["users"]["teacher"])
    existing = db.session.scalar(select(MediaAsset).where(MediaAsset.owner_id == teacher.id,
                                                          MediaAsset.filename == DEMO_VIDEO_NAME))
    if existing is None:
        if shutil.which("ffmpeg") is None:
            log.warning("ffmpeg missing: no demo video")
            return
        work = tempfile.mkdtemp(dir=services.tmp_dir())
        try:
            path = os.path.join(work, DEMO_VIDEO_NAME)
            run_ffmpeg(["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
                        "-f", "lavfi", "-i", "testsrc=size=640x360:rate=25",
                        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100", "-t", "6",
                        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", path])
            with open(path, "rb") as source:
                existing = uploads.store_upload(teacher, source, DEMO_VIDEO_NAME, "video/mp4")
        except ProcessingError as exc:
            log.warning("demo video not generated: %s", exc)
            return
        finally:
            shutil.rmtree(work, ignore_errors=True)
    # Claimed so the unclaimed-upload sweep keeps it even before a lecture uses it.
    services.claim([existing.id], teacher)
    context.setdefault("media", {})["demo_video"] = existing.id
