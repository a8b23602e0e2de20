"""Cost of the sign-in checks: a cookie-authenticated request (user loader: account, generation and the
server-side session row) and a failed sign-in (the limiter's reads and writes), in-process on the embedded
default (SQLite in a temp data dir), through the Flask test client so only the app's own work is timed.

    .venv/bin/python bench/auth_bench.py --requests 2000 --failures 300

Run it from another checkout (e.g. ``git archive main | tar -x -C /tmp/main``) to compare with older code.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path.cwd()))


def _timed(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def _summary(name: str, ms: list[float]) -> str:
    ms = sorted(ms)
    p95 = ms[int(len(ms) * 0.95) - 1]
    return f"| {name} | {len(ms)} | {statistics.median(ms):.2f} | {p95:.2f} | {1000 / statistics.mean(ms):.0f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--failures", type=int, default=300)
    args = parser.parse_args()
    for name in ("DATABASE_URL", "REDIS_URL"):
        os.environ.pop(name, None)
    data = tempfile.mkdtemp(prefix="auth-bench-")
    from flask_migrate import upgrade

    from lms.app import create_app
    from lms.core.db import db

    app = create_app({"LMS_DATA_DIR": data, "SECRET_KEY": "b" * 40, "WTF_CSRF_ENABLED": False,
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                      # Far above what the bench sends from one address, so every failure is a real check.
                      "LOGIN_FAILURE_LIMIT": "100000 per minute", "LOGIN_USERNAME_FAILURE_LIMIT": "100000 per minute",
                      "LOGIN_ADDRESS_FAILURE_LIMIT": "100000 per minute"})
    with app.app_context():
        upgrade()
        from lms.accounts.services import create_school, create_user

        school = create_school(None, name="Trường Bench", code="BENCH")
        create_user(None, username="gv.bench", password="mot-cau-de-nho-2026", role="teacher", school_id=school.id)
        db.session.commit()
    client = app.test_client()
    assert client.post("/login", data={"username": "gv.bench", "password": "mot-cau-de-nho-2026"}).status_code == 302
    assert client.get("/api/v1/me").status_code == 200
    _timed(lambda: client.get("/api/v1/me"), 100)  # warm up
    me = _timed(lambda: client.get("/api/v1/me"), args.requests)
    anon = app.test_client()
    bad = {"username": "gv.bench", "password": "sai-mat-khau-roi"}
    failed = _timed(lambda: anon.post("/api/v1/auth/token", json=bad), args.failures)
    assert anon.post("/api/v1/auth/token", json=bad).status_code == 401
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}, SQLite, {data}")
    print("| request | n | median ms | p95 ms | per second (one thread) |")
    print("|---|---:|---:|---:|---:|")
    print(_summary("GET /api/v1/me with a session cookie", me))
    print(_summary("failed POST /api/v1/auth/token", failed))


if __name__ == "__main__":
    main()
