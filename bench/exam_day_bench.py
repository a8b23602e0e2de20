"""Benchmark: exam day. N students start one 40-question exam, autosave every ~10 s, then submit.

It seeds a fresh database (a throwaway PostgreSQL database next to ``--database-url`` unless
``--no-create-db``), starts gunicorn on ``wsgi:app`` with that DATABASE_URL/REDIS_URL, drives the API over
keep-alive ``http.client`` connections from a pool of threads, and reports starts, autosaves/s, latency
percentiles (p50/p95/p99) per request kind, errors, and whether every acknowledged answer is in the
database afterwards. Not run by the test suite::

    .venv/bin/python bench/exam_day_bench.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        --redis-url redis://127.0.0.1:6379/0 --students 2000 --seconds 120
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUESTIONS = 40


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) in milliseconds of a list of seconds."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))] * 1000


def create_database(url: str) -> tuple[str, callable]:
    """A fresh PostgreSQL database next to ``url``; returns its URL and a function dropping it."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"exam_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return base.set(database=name).render_as_string(hide_password=False), drop


def seed(env: dict, students: int) -> dict:
    """Schema, a school, a class of ``students``, a teacher, 40 questions and an open 60-minute exam; tokens."""
    os.environ.update(env)
    from datetime import timedelta

    from werkzeug.security import generate_password_hash

    from lms.accounts import services as accounts
    from lms.accounts.models import Enrolment, SchoolClass, TeachingAssignment, User
    from lms.app import create_app
    from lms.core.db import db, utcnow
    from lms.curriculum.services import ensure_subjects
    from question_bank.models import Question, QuestionVersion
    from question_bank.types import validate

    app = create_app()
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.create_all()  # tables whose migration the lead has not generated yet
        ensure_subjects()
        school = accounts.create_school(None, name="Trường THPT Bench", code=f"B{uuid.uuid4().hex[:6]}")
        teacher = accounts.create_user(None, username=f"gv{uuid.uuid4().hex[:6]}", password="bench-password-1",
                                       full_name="Giáo viên", role="teacher", school_id=school.id)
        klass = SchoolClass(name="12A1", grade=12, school_id=school.id, school_year="2026-2027",
                            homeroom_teacher_id=teacher.id)
        db.session.add(klass)
        db.session.flush()
        db.session.add(TeachingAssignment(class_id=klass.id, teacher_id=teacher.id, subject_code="toan"))
        # One shared hash: hashing 2000 passwords would dominate the set-up and the bench signs in by token.
        shared_hash = generate_password_hash("bench-password-1", method="pbkdf2:sha256:1000")
        users = [User(username=f"hs{n}-{uuid.uuid4().hex[:6]}", password_hash=shared_hash, full_name=f"Học sinh {n}",
                      role="student", school_id=school.id) for n in range(students)]
        db.session.add_all(users)
        db.session.flush()
        db.session.add_all([Enrolment(class_id=klass.id, student_id=u.id) for u in users])
        ids = []
        for n in range(QUESTIONS):
            body = validate({"type": "single_choice", "stem": f"<p>Câu {n + 1}: $x + {n} = {n + 2}$, x = ?</p>",
                             "options": [{"text": str(v), "correct": v == 2} for v in (1, 2, 3, 4)]})
            question = Question(owner_id=teacher.id, school_id=school.id, subject_code="toan", grade=12,
                                level="nhan_biet", qtype="single_choice", tags=[], scope="personal", status="draft",
                                current_version=1, dup_key=uuid.uuid4().hex, search_text="")
            db.session.add(question)
            db.session.flush()
            db.session.add(QuestionVersion(question_id=question.id, version=1, body=body, created_by=teacher.id))
            ids.append(question.id)
        from lms.exams import services as exams

        exam = exams.create_exam(teacher, {
            "title": "Thi thử (bench)", "subject": "toan", "grade": 12, "class_ids": [klass.id], "mode": "exam",
            "duration_minutes": 60, "opens_at": utcnow() - timedelta(minutes=1), "closes_at": None,
            "max_attempts": 1, "shuffle_questions": True, "shuffle_options": True, "review": "after_submit",
            "counted": "best", "sections": [{"title": "Trắc nghiệm", "points_per_question": "0.25",
                                             "scoring": "proportional", "question_ids": ids}]})
        tokens = [accounts.issue_token(u)[0] for u in users]
        db.session.commit()
        return {"exam_id": exam.id, "tokens": tokens}


class Student:
    def __init__(self, token: str):
        self.token = token
        self.attempt_id = None
        self.questions: list[dict] = []
        self.acked: dict[str, str] = {}
        self.next_save = 0.0


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latency = defaultdict(list)
        self.errors = defaultdict(int)

    def record(self, kind: str, seconds: float, ok: bool, status) -> None:
        with self.lock:
            self.latency[kind].append(seconds)
            if not ok:
                self.errors[f"{kind} {status}"] += 1


def call(conn_box: list, host: str, port: int, method: str, path: str, token: str, body=None):
    """One request on the thread's keep-alive connection (reconnecting once if the server closed it)."""
    payload = json.dumps(body).encode() if body is not None else None
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    if payload is not None:
        headers["Content-Type"] = "application/json"
    for retry in range(2):
        try:
            if conn_box[0] is None:
                conn_box[0] = http.client.HTTPConnection(host, port, timeout=60)
            conn_box[0].request(method, path, body=payload, headers=headers)
            resp = conn_box[0].getresponse()
            data = resp.read()
            return resp.status, (json.loads(data) if data else None)
        except (http.client.HTTPException, ConnectionError, TimeoutError, OSError):
            if conn_box[0] is not None:
                conn_box[0].close()
            conn_box[0] = None
            if retry:
                return None, None
    return None, None


def drive(students: list[Student], exam_id: int, args, stats: Stats, stop_at: float) -> None:
    """One thread: start its students' attempts, autosave each every ~interval until ``stop_at``, submit."""
    conn = [None]
    rng = random.Random()
    host, port = "127.0.0.1", args.port
    for s in students:
        t = time.perf_counter()
        status, doc = call(conn, host, port, "POST", f"/api/v1/exams/{exam_id}/attempts", s.token)
        stats.record("start", time.perf_counter() - t, status in (200, 201), status)
        if status in (200, 201):
            s.attempt_id, s.questions = doc["id"], doc["questions"]
            s.next_save = time.monotonic() + rng.uniform(0, args.interval)
    while time.monotonic() < stop_at:
        now = time.monotonic()
        due = [s for s in students if s.attempt_id and s.next_save <= now]
        for s in due:
            picked = rng.sample(s.questions, k=min(len(s.questions), rng.randint(1, 3)))
            answers = {str(q["id"]): rng.choice(q["options"])["id"] for q in picked}
            t = time.perf_counter()
            status, _ = call(conn, host, port, "PUT", f"/api/v1/attempts/{s.attempt_id}/answers", s.token,
                             {"answers": answers})
            stats.record("autosave", time.perf_counter() - t, status == 200, status)
            if status == 200:
                s.acked.update(answers)
            s.next_save = time.monotonic() + args.interval * rng.uniform(0.8, 1.2)
        time.sleep(0.05 if not due else 0)
    for s in students:
        if not s.attempt_id:
            continue
        t = time.perf_counter()
        status, _ = call(conn, host, port, "POST", f"/api/v1/attempts/{s.attempt_id}/submit", s.token)
        stats.record("submit", time.perf_counter() - t, status == 200, status)


def verify(env: dict, students: list[Student]) -> tuple[int, int]:
    """Compare every acknowledged answer with the database: returns (checked, missing or different)."""
    from sqlalchemy import JSON, Integer, column, create_engine, select, table

    engine = create_engine(env["DATABASE_URL"])
    checked = bad = 0
    # Typed columns so both PostgreSQL and SQLite hand back the decoded JSON answer.
    items = table("exam_attempt_items", column("attempt_id", Integer), column("question_id", Integer),
                  column("answer", JSON))
    with engine.connect() as conn:
        rows = conn.execute(select(items.c.attempt_id, items.c.question_id, items.c.answer)).all()
    stored = {(a, q): v for a, q, v in rows}
    for s in students:
        for qid, value in s.acked.items():
            checked += 1
            if stored.get((s.attempt_id, int(qid))) != value:
                bad += 1
    engine.dispose()
    return checked, bad


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--redis-url", default="")
    parser.add_argument("--no-create-db", action="store_true", help="use --database-url as is (must be empty)")
    parser.add_argument("--students", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=60, help="autosave phase length")
    parser.add_argument("--interval", type=float, default=10, help="seconds between a student's autosaves")
    parser.add_argument("--threads", type=int, default=64, help="client threads (each one keep-alive connection)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--worker-threads", type=int, default=8, help="gthread threads per worker")
    parser.add_argument("--port", type=int, default=8799)
    args = parser.parse_args()

    drop = None
    url = args.database_url
    if url.startswith("postgres") and not args.no_create_db:
        url, drop = create_database(url)
    data_dir = tempfile.mkdtemp(prefix="exam-bench-")
    env = {"DATABASE_URL": url, "LMS_DATA_DIR": data_dir, "SECRET_KEY": "bench-" + uuid.uuid4().hex * 2}
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    server = None
    try:
        t0 = time.perf_counter()
        seeded = seed(env, args.students)
        print(f"seeded {args.students} students, {QUESTIONS} questions in {time.perf_counter() - t0:.1f}s")
        server = subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "-w", str(args.workers), "-k", "gthread", "--threads",
             str(args.worker_threads), "-b", f"127.0.0.1:{args.port}", "--keep-alive", "30", "--log-level",
             "warning", "wsgi:app"], cwd=ROOT, env={**os.environ, **env}, start_new_session=True)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=2)
                conn.request("GET", "/api/v1/openapi.json")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.3)
        else:
            raise SystemExit("gunicorn did not start")
        students = [Student(token) for token in seeded["tokens"]]
        stats = Stats()
        groups = [students[i::args.threads] for i in range(args.threads)]
        started = time.monotonic()
        stop_at = started + args.seconds
        threads = [threading.Thread(target=drive, args=(g, seeded["exam_id"], args, stats, stop_at)) for g in groups if g]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
        checked, bad = verify(env, students)
        print(f"students {args.students}, threads {args.threads}, gunicorn {args.workers}x{args.worker_threads} "
              f"gthread, autosave phase {args.seconds:.0f}s (total {elapsed:.1f}s)")
        for kind in ("start", "autosave", "submit"):
            values = stats.latency[kind]
            rate = len(values) / args.seconds if kind == "autosave" else len(values) / elapsed
            print(f"{kind:9s} n={len(values):6d} rate={rate:7.1f}/s p50={percentile(values, 50):7.1f}ms "
                  f"p95={percentile(values, 95):7.1f}ms p99={percentile(values, 99):7.1f}ms")
        print("errors:", dict(stats.errors) or "none")
        print(f"acknowledged answers checked in the database: {checked}, missing or different: {bad}")
        return 1 if bad else 0
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        if drop is not None:
            drop()


if __name__ == "__main__":
    sys.exit(main())
