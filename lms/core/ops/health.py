"""Liveness and readiness: ``/healthz`` says the process answers, ``/readyz`` that its dependencies do.

Features register a readiness check (media: object storage) with ``register_readiness_check``; the kernel
registers the database and the job queue. A load balancer takes a node out of rotation on a 503, and the body
names the part that failed so the operator knows where to look.
"""
from __future__ import annotations

import concurrent.futures
import logging
import time
from typing import Callable

from flask import Flask, current_app, jsonify
from sqlalchemy import text

from ..db import db
from ..errors import problem

log = logging.getLogger(__name__)

#: Longest a single check may take before it counts as failed (a hung dependency is a failed one).
CHECK_TIMEOUT = 3.0
#: How the parts are named to the operator (the ``failing`` list keeps the machine names).
_NAMES = {"database": "cơ sở dữ liệu", "queue": "hàng đợi công việc", "storage": "kho lưu trữ tệp"}
_pool = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="readyz")


def register_readiness_check(app: Flask, name: str, check: Callable[[], None]) -> None:
    """Add ``check`` (raises when ``name`` is not usable) to ``/readyz``; it runs inside an app context."""
    app.extensions.setdefault("lms_readiness", {})[name] = check


def _database() -> None:
    db.session.execute(text("SELECT 1"))
    db.session.rollback()


def _run(app: Flask, check: Callable[[], None]) -> None:
    with app.app_context():
        try:
            check()
        finally:
            db.session.remove()


def readiness(app: Flask) -> dict[str, dict]:
    """Run every check in parallel, each bounded by ``CHECK_TIMEOUT``: ``{name: {ok, ms, error?}}``."""
    checks = {"database": _database, **app.extensions.get("lms_readiness", {})}
    started = {name: time.perf_counter() for name in checks}
    futures = {name: _pool.submit(_run, app, check) for name, check in checks.items()}
    report = {}
    for name, future in futures.items():
        try:
            future.result(timeout=max(0.1, CHECK_TIMEOUT - (time.perf_counter() - started[name])))
            report[name] = {"ok": True}
        except concurrent.futures.TimeoutError:
            report[name] = {"ok": False, "error": f"no answer within {CHECK_TIMEOUT:g} s"}
        except Exception as exc:  # any failure of a dependency means "not ready", never a 500
            # The class name and first line only: driver messages can carry host names but no secrets.
            first_line = (str(exc).splitlines() or [""])[0][:200]
            report[name] = {"ok": False, "error": f"{type(exc).__name__}: {first_line}"}
        report[name]["ms"] = round((time.perf_counter() - started[name]) * 1000, 1)
    return report


def healthz():
    """The process is up and serving requests (no dependency is touched)."""
    return jsonify({"status": "ok"})


def readyz():
    """200 when the database, the job queue and object storage answer; 503 naming the failing part."""
    report = readiness(current_app._get_current_object())
    failing = sorted(name for name, result in report.items() if not result["ok"])
    if failing:
        log.warning("not ready: %s", ", ".join(f"{n} ({report[n]['error']})" for n in failing))
        return problem(503, "Chưa sẵn sàng", f"Chưa sẵn sàng: không kết nối được {', '.join(_NAMES.get(n, n) for n in failing)}.", slug="not-ready",
                       headers={"Cache-Control": "no-store", "Retry-After": "5"},
                       extra={"failing": failing, "checks": report})
    return jsonify({"status": "ok", "checks": report}), 200, {"Cache-Control": "no-store"}
