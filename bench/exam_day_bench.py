"""Benchmark: exam day. N students start one 40-question exam, autosave, then submit.

It seeds a fresh database (a throwaway PostgreSQL database next to ``--database-url`` unless
``--no-create-db``; for ``sqlite`` a file in a temporary directory), starts gunicorn on ``wsgi:app`` with that
DATABASE_URL/REDIS_URL, and drives the API over keep-alive ``http.client`` connections, one per client thread.

Autosave modes (``--mode``):

- ``paced``: every student saves every ``--interval`` s (±20 %): the offered load of a real exam room
  (2,000 students / 10 s = 200 saves/s);
- ``closed``: each client thread saves for its students back to back, no think time: capacity, i.e. as
  many saves per second as the server allows with ``--threads`` requests in flight;
- ``rate``: ``--rate`` saves/s in total, spread over the threads on a fixed schedule (a thread that falls
  behind sends at once and the lag is reported).

Then every student submits while a poller watches the gradebook column of the exam: "submit -> gradebook"
is the time from sending the submit to the score being visible there (grading posts it in the submit's
transaction, so it is normally the submit latency). Reported: autosaves/s (overall and per-second
median/min), p50/p95/p99 latency per request kind, errors, CPU shares (this client, gunicorn, the
bench's PostgreSQL backends, everything else on the machine), a probe that saving after submit is a 409,
and whether every acknowledged answer is in the database afterwards. The floor (``bench/floor_app.py``: the
same requests, one upsert each, nothing checked) runs beside the app, and the autosave phase is cut into
``--rounds`` rounds, the app's and the floor's taking turns, so the CPU ratio compares the two under the same
conditions of the machine. Not run by the test suite::

    .venv/bin/python bench/exam_day_bench.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        --redis-url redis://127.0.0.1:6379/0 --students 2000 --seconds 60 --mode closed
    .venv/bin/python bench/exam_day_bench.py --database-url sqlite --students 2000 --seconds 60 --mode closed
"""
from __future__ import annotations

import argparse
import http.client
import itertools
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
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUESTIONS = 40
SAVE_PATH = "/api/v1/attempts/{}/answers"
FLOOR_PATH = "/floor/attempts/{}/answers"


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


def seed(env: dict, students: int, draw_ahead: bool = True) -> dict:
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
            "counted": "best", "gradebook": {"column_kind": "tx", "semester": 1}, "sections": [{"title": "Trắc nghiệm", "points_per_question": "0.25",
                                             "scoring": "proportional", "question_ids": ids}]})
        tokens = [accounts.issue_token(u)[0] for u in users]
        db.session.commit()
        drawn = 0.0
        if draw_ahead:
            # What the worker does once the exam is assigned (lms.exams.papers): every student's paper drawn.
            from lms.exams import papers

            began = time.perf_counter()
            papers.draw_papers.run_now(exam.id)
            drawn = time.perf_counter() - began
        return {"exam_id": exam.id, "tokens": tokens, "drawn": drawn}


class Student:
    def __init__(self, token: str):
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/json",
                        "Content-Type": "application/json"}
        self.attempt_id = None
        self.questions: list[tuple[str, list[str]]] = []  # (question id, option ids)
        self.acked: dict[str, str] = {}
        self.next_save = 0.0
        self.submit_sent: float | None = None
        self.score_10: str | None = None


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latency = defaultdict(list)
        self.errors = defaultdict(int)
        self.per_second = defaultdict(int)  # autosaves completed OK, by (round, whole second since its start)
        self.round = 0
        self.max_lag = 0.0

    def record(self, kind: str, seconds: float, ok: bool, status, second: int | None = None) -> None:
        with self.lock:
            self.latency[kind].append(seconds)
            if not ok:
                self.errors[f"{kind} {status}"] += 1
            elif second is not None:
                self.per_second[(self.round, second)] += 1


def call(conn_box: list, port: int, method: str, path: str, headers: dict, payload: bytes | None = None):
    """One request on the thread's keep-alive connection (reconnecting once if the server closed it)."""
    for retry in range(2):
        try:
            if conn_box[0] is None:
                conn_box[0] = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn_box[0].request(method, path, body=payload, headers=headers)
            resp = conn_box[0].getresponse()
            data = resp.read()
            if resp.will_close:
                conn_box[0].close()
                conn_box[0] = None
            return resp.status, data
        except (http.client.HTTPException, ConnectionError, TimeoutError, OSError):
            if conn_box[0] is not None:
                conn_box[0].close()
            conn_box[0] = None
            if retry:
                return None, None
    return None, None


def _paced(students: list[Student], window: float, began: float):
    """Each student at a uniformly random moment of ``window`` seconds from ``began`` (all at once when 0):
    an offered load of len(all students) / window per second, whatever the server's speed (open loop)."""
    if window <= 0:
        yield from students
        return
    rng = random.Random()
    for moment, s in sorted(((began + rng.uniform(0, window), s) for s in students), key=lambda p: p[0]):
        wait = moment - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        yield s


def start_all(students: list[Student], exam_id: int, port: int, stats: Stats, window: float, began: float) -> None:
    conn = [None]
    rng = random.Random()
    for s in _paced(students, window, began):
        t = time.perf_counter()
        status, data = call(conn, port, "POST", f"/api/v1/exams/{exam_id}/attempts", s.headers, b"")
        stats.record("start", time.perf_counter() - t, status in (200, 201), status)
        if status in (200, 201):
            doc = json.loads(data)
            s.attempt_id = doc["id"]
            s.questions = [(str(q["id"]), [o["id"] for o in q["options"]]) for q in doc["questions"]]
            s.next_save = time.monotonic() + rng.uniform(0, 10)
    if conn[0] is not None:
        conn[0].close()


def autosave(conn: list, port: int, s: Student, rng: random.Random, stats: Stats, phase_start: float,
             path: str = SAVE_PATH, kind: str = "autosave") -> None:
    picked = rng.sample(s.questions, k=rng.randint(1, 3))
    answers = {qid: rng.choice(options) for qid, options in picked}
    t = time.perf_counter()
    status, _ = call(conn, port, "PUT", path.format(s.attempt_id), s.headers, json.dumps({"answers": answers}).encode())
    done = time.perf_counter()
    if kind != "autosave":
        stats.record(kind, done - t, status == 200, status)
        return
    stats.record(kind, done - t, status == 200, status, int(time.monotonic() - phase_start))
    if status == 200:
        s.acked.update(answers)  # one thread drives a student, so acknowledgements arrive in send order


def drive(students: list[Student], args, stats: Stats, phase_start: float, stop_at: float, share: float,
          path: str = SAVE_PATH, kind: str = "autosave") -> None:
    """One client thread: autosave for its students until ``stop_at`` in the chosen mode (against the floor
    app when ``path`` is FLOOR_PATH)."""
    port = args.floor_port if path == FLOOR_PATH else args.port
    conn = [None]
    rng = random.Random()
    mine = [s for s in students if s.attempt_id]
    if not mine:
        return
    if args.mode == "paced":
        for s in mine:
            s.next_save = phase_start + rng.uniform(0, args.interval)
        while time.monotonic() < stop_at:
            now = time.monotonic()
            due = [s for s in mine if s.next_save <= now]
            for s in due:
                stats.max_lag = max(stats.max_lag, time.monotonic() - s.next_save)
                autosave(conn, port, s, rng, stats, phase_start, path, kind)
                s.next_save += args.interval * rng.uniform(0.8, 1.2)
            if not due:
                time.sleep(max(0.0, min(0.05, min(s.next_save for s in mine) - now)))
    elif args.mode == "closed":
        for s in itertools.cycle(mine):
            if time.monotonic() >= stop_at:
                break
            autosave(conn, port, s, rng, stats, phase_start, path, kind)
    else:  # rate
        gap = 1.0 / share
        due = phase_start + rng.uniform(0, gap)
        for s in itertools.cycle(mine):
            if due >= stop_at:
                break
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            else:
                stats.max_lag = max(stats.max_lag, -wait)
            autosave(conn, port, s, rng, stats, phase_start, path, kind)
            due += gap
    if conn[0] is not None:
        conn[0].close()


def submit_all(students: list[Student], port: int, stats: Stats, window: float, began: float) -> None:
    conn = [None]
    for s in _paced([s for s in students if s.attempt_id], window, began):
        s.submit_sent = time.monotonic()
        t = time.perf_counter()
        status, data = call(conn, port, "POST", f"/api/v1/attempts/{s.attempt_id}/submit", s.headers, b"")
        stats.record("submit", time.perf_counter() - t, status == 200, status)
        if status == 200:
            s.score_10 = json.loads(data).get("score_10")
    if conn[0] is not None:
        conn[0].close()


def probe_after_submit(students: list[Student], port: int) -> tuple[int, int]:
    """Saving to a submitted attempt must be a 409: (probes, 409s)."""
    conn = [None]
    probes = conflicts = 0
    for s in [s for s in students if s.attempt_id][:50]:
        qid, options = s.questions[0]
        status, _ = call(conn, port, "PUT", f"/api/v1/attempts/{s.attempt_id}/answers", s.headers,
                         json.dumps({"answers": {qid: options[0]}}).encode())
        probes += 1
        conflicts += status == 409
    return probes, conflicts


class GradebookWatch(threading.Thread):
    """Polls the exam's gradebook column and notes when each student's score first shows up there."""

    def __init__(self, database_url: str, exam_id: int):
        super().__init__(daemon=True)
        from sqlalchemy import create_engine

        self.engine = create_engine(database_url)
        self.exam_id = exam_id
        self.seen: dict[int, tuple[float, str]] = {}
        self.stop = threading.Event()

    def poll(self) -> None:
        from sqlalchemy import text

        with self.engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT s.student_id, s.value FROM gradebook_scores s JOIN gradebook_columns c ON c.id = s.column_id"
                " WHERE c.exam_id = :e AND s.value IS NOT NULL"), {"e": self.exam_id}).all()
        now = time.monotonic()
        for student_id, value in rows:
            self.seen.setdefault(student_id, (now, str(value)))

    def run(self) -> None:
        while not self.stop.is_set():
            self.poll()
            self.stop.wait(0.05)
        self.poll()
        self.engine.dispose()


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


def student_ids(env: dict, students: list[Student]) -> dict[int, Student]:
    from sqlalchemy import create_engine, text

    engine = create_engine(env["DATABASE_URL"])
    with engine.connect() as conn:
        rows = dict(conn.execute(text("SELECT id, student_id FROM exam_attempts")).all())
    engine.dispose()
    return {rows[s.attempt_id]: s for s in students if s.attempt_id in rows}


# -- CPU accounting (Linux /proc) -----------------------------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def _proc_cpu(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK
    except (OSError, IndexError, ValueError):
        return 0.0


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    if int(fh.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    return out


def _backends(dbname: str | None) -> list[int]:
    """PostgreSQL backends serving ``dbname`` (their title is "postgres: user db host(port) state")."""
    if not dbname:
        return []
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as fh:
                    title = fh.read().decode(errors="replace")
            except OSError:
                continue
            if title.startswith("postgres:") and f" {dbname} " in title:
                out.append(int(entry))
    return out


def cpu_sample(server_pid: int, dbname: str | None) -> dict:
    with open("/proc/stat") as fh:
        ticks = [int(v) for v in fh.readline().split()[1:8]]  # user nice system idle iowait irq softirq
    own = os.times()
    return {"wall": time.monotonic(), "machine": (sum(ticks) - ticks[3] - ticks[4]) / TICK, "client": own.user + own.system,
            "server": {p: _proc_cpu(p) for p in [server_pid, *_children(server_pid)]},
            "db": {p: _proc_cpu(p) for p in _backends(dbname)}}


def add_cpu(total: dict | None, part: dict) -> dict:
    """Two ``cpu_seconds`` results added up (``total`` None: the first)."""
    return dict(part) if total is None else {k: total[k] + part[k] for k in total}


def cpu_seconds(a: dict, b: dict) -> dict:
    """CPU seconds each part used between two samples, and the wall-clock capacity of all cores."""
    capacity = (b["wall"] - a["wall"]) * (os.cpu_count() or 1)
    busy = b["machine"] - a["machine"]
    client = b["client"] - a["client"]
    server = sum(v - a["server"].get(p, 0.0) for p, v in b["server"].items())
    database = sum(v - a["db"].get(p, 0.0) for p, v in b["db"].items())
    return {"client": client, "gunicorn": server, "postgres": database, "machine busy": busy,
            "other (not this bench)": busy - client - server - database, "capacity": capacity}


#: Where a sampled frame's time is booked in the profile summary: the first matching path fragment wins.
PROFILE_GROUPS = (("lms/exams/", "lms.exams"), ("lms/accounts/", "lms.accounts"), ("lms/core/", "lms.core"),
                  ("question_bank/", "question_bank"), ("sqlalchemy/", "SQLAlchemy"), ("psycopg", "psycopg"),
                  ("flask_sqlalchemy/", "SQLAlchemy"), ("sqlite3/", "sqlite3"), ("flask_login/", "Flask-Login"),
                  ("flask_limiter/", "Flask-Limiter"), ("limits/", "limits"), ("flask_wtf/", "Flask-WTF"),
                  ("flask/", "Flask"), ("werkzeug/", "Werkzeug"), ("marshmallow/", "marshmallow"),
                  ("gunicorn/", "gunicorn"), ("logging/", "logging"), ("json/", "json"),
                  ("prometheus_client/", "prometheus"))
#: Functions whose inclusive share the summary reports (a sample counts once if any frame matches).
PROFILE_SPANS = (("token lookup", "user_for_token"), ("before_request hooks", "preprocess_request"),
                 ("after_request hooks", "process_response"), ("body schema load", "rest.py:176"),
                 ("exams route (save)", "routes.py"), ("commit", "commit ("), ("gunicorn request parsing", "parse"))


def py_spy(pids: list[int], seconds: float, out_dir: Path) -> list[Path]:
    """Sample ``pids`` (gunicorn workers) for ``seconds`` with py-spy; only threads holding the GIL, so waits
    on the database (a socket, SQLite's lock) are not counted as work. Raw collapsed stacks, one file per pid."""
    spy = ROOT / ".venv/bin/py-spy"
    outs, procs = [], []
    for pid in pids:
        out = out_dir / f"py-spy-{pid}.txt"
        procs.append(subprocess.Popen([str(spy), "record", "--pid", str(pid), "--duration", str(int(seconds)),
                                       "--rate", "250", "--format", "raw", "--gil", "--nonblocking", "-o", str(out)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        outs.append(out)
    for proc in procs:
        proc.wait()
    return [o for o in outs if o.exists()]


def profile_summary(files: list[Path]) -> str:
    """Self time by package and inclusive time of a few spans, in % of the workers' on-CPU samples."""
    groups, spans, total = defaultdict(int), defaultdict(int), 0
    for path in files:
        for line in path.read_text(errors="replace").splitlines():
            stack, _, count = line.rpartition(" ")
            if not count.isdigit():
                continue
            n = int(count)
            total += n
            frames = stack.split(";")
            leaf = frames[-1]
            groups[next((name for part, name in PROFILE_GROUPS if part in leaf), "other (C, stdlib)")] += n
            for name, part in PROFILE_SPANS:
                if any(part in f for f in frames):
                    spans[name] += n
    if not total:
        return "no samples (is py-spy installed and allowed to attach?)"
    by_group = ", ".join(f"{k} {100 * v / total:.0f}%" for k, v in sorted(groups.items(), key=lambda kv: -kv[1]))
    by_span = ", ".join(f"{k} {100 * spans[k] / total:.0f}%" for k, _ in PROFILE_SPANS)
    return f"{total} samples; self time by package: {by_group}\n  inclusive: {by_span}"


def gunicorn(app: str, port: int, args, env: dict, log_path: Path, probe: str | None, cwd: Path = ROOT):
    """Start ``app`` under gunicorn with the bench's server settings; wait until ``probe`` answers (or the
    port accepts connections)."""
    with open(log_path, "ab") as log:
        server = subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "-w", str(args.workers), "-k", "gthread", "--threads",
             str(args.worker_threads), "-b", f"127.0.0.1:{port}", "--keep-alive", "75", "--backlog", "4096",
             "--log-level", "warning", app], cwd=cwd, env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
            start_new_session=True, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            if probe is None:
                conn.connect()
                conn.close()
                time.sleep(1)  # the port is bound by the arbiter before the workers have imported the app
                return server
            conn.request("GET", probe)
            if conn.getresponse().status == 200:
                conn.close()
                return server
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn ({app}) did not start")


def stop(server) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


def load() -> str:
    return "load average " + " ".join(f"{v:.2f}" for v in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="postgresql+psycopg://... or 'sqlite' (a temp file)")
    parser.add_argument("--redis-url", default="")
    parser.add_argument("--no-create-db", action="store_true", help="use --database-url as is (must be empty)")
    parser.add_argument("--students", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=60, help="autosave phase length")
    parser.add_argument("--mode", choices=("paced", "closed", "rate"), default="paced")
    parser.add_argument("--interval", type=float, default=10, help="paced: seconds between a student's autosaves")
    parser.add_argument("--rate", type=float, default=1000, help="rate: autosaves per second offered in total")
    parser.add_argument("--threads", type=int, default=64, help="client threads (each one keep-alive connection)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--worker-threads", type=int, default=8, help="gthread threads per worker")
    parser.add_argument("--port", type=int, default=8799)
    parser.add_argument("--floor-port", type=int, default=8798)
    parser.add_argument("--draw-at-start", action="store_true",
                        help="do not run the paper-drawing job before the exam: every start draws its paper")
    parser.add_argument("--py-spy", type=float, default=0, metavar="SECONDS",
                        help="sample the gunicorn workers with py-spy for this long during the autosave phase")
    parser.add_argument("--floor-seconds", type=float, default=None,
                        help="length of the floor app's autosave phase (default: --seconds, at most 30)")
    parser.add_argument("--rounds", type=int, default=4,
                        help="cut the autosave and floor phases into this many rounds, app and floor taking turns, "
                             "so both are measured under the same conditions of the machine")
    parser.add_argument("--start-window", type=float, default=10,
                        help="starts spread uniformly over this many seconds (0: back to back, closed loop)")
    parser.add_argument("--submit-window", type=float, default=10,
                        help="submits spread uniformly over this many seconds (0: back to back, closed loop)")
    args = parser.parse_args()

    drop = None
    url = args.database_url
    data_dir = tempfile.mkdtemp(prefix="exam-bench-")
    dbname = None
    if url == "sqlite":
        url = f"sqlite:///{data_dir}/lms.db"
    elif url.startswith("postgres") and not args.no_create_db:
        url, drop = create_database(url)
    if url.startswith("postgres"):
        from sqlalchemy.engine import make_url

        dbname = make_url(url).database
    env = {"DATABASE_URL": url, "LMS_DATA_DIR": data_dir, "SECRET_KEY": "bench-" + uuid.uuid4().hex * 2}
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    server = floor = None
    log_path = Path(data_dir) / "gunicorn.log"
    try:
        t0 = time.perf_counter()
        seeded = seed(env, args.students, not args.draw_at_start)
        print(f"seeded {args.students} students, {QUESTIONS} questions in {time.perf_counter() - t0:.1f}s"
              + (f"; papers drawn ahead by the job in {seeded['drawn']:.1f}s" if seeded["drawn"] else
                 "; no paper drawn ahead (each start draws)"))
        print("before the app phases:", load())
        server = gunicorn("wsgi:app", args.port, args, env, log_path, "/api/v1/openapi.json")
        # The floor: same database, same gunicorn settings, same requests, nothing but one upsert each. Up from
        # the start (idle until its rounds), so its rounds can alternate with the app's.
        import floor_app

        floor_app.create_schema(url)
        floor = gunicorn("floor_app:app", args.floor_port, args, env, log_path, None, cwd=ROOT / "bench")
        students = [Student(token) for token in seeded["tokens"]]
        stats = Stats()
        groups = [g for g in (students[i::args.threads] for i in range(args.threads)) if g]

        def run_phase(target, *extra) -> float:
            began = time.monotonic()
            threads = [threading.Thread(target=target, args=(g, *extra)) for g in groups]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            return time.monotonic() - began

        loads = {"start": load()}
        start_cpu_a = cpu_sample(server.pid, dbname)
        start_secs = run_phase(start_all, seeded["exam_id"], args.port, stats, args.start_window, time.monotonic())
        start_used = cpu_seconds(start_cpu_a, cpu_sample(server.pid, dbname))
        # Autosave rounds, the app's and the floor's taking turns: CPU per request compared under the same
        # conditions of the machine (a floor measured minutes later, on a machine that had cooled down or got
        # busier, moved the ratio by a fifth between runs of the same code).
        rounds = max(1, args.rounds)
        floor_secs = args.floor_seconds if args.floor_seconds is not None else min(args.seconds, 30)
        app_len, floor_len = args.seconds / rounds, floor_secs / rounds
        share = args.rate / len(groups)
        used = floor_used = None
        save_secs = floor_wall = 0.0
        round_ratios = []
        spied: list[Path] = []
        loads["autosave"] = load()
        for stats.round in range(rounds):
            before = len(stats.latency["autosave"])
            cpu_a = cpu_sample(server.pid, dbname)
            phase_start = time.monotonic()
            spy = None
            if args.py_spy and stats.round == 0:
                spy = threading.Thread(target=lambda: (time.sleep(min(2.0, app_len / 4)), spied.extend(
                    py_spy(_children(server.pid), min(args.py_spy, app_len - 3), Path(data_dir)))))
                spy.start()
            save_secs += run_phase(drive, args, stats, phase_start, phase_start + app_len, share)
            if spy is not None:
                spy.join()
            app_round = cpu_seconds(cpu_a, cpu_sample(server.pid, dbname))
            floor_before = len(stats.latency["floor"])
            floor_a = cpu_sample(floor.pid, dbname)
            floor_start = time.monotonic()
            floor_wall += run_phase(drive, args, stats, floor_start, floor_start + floor_len, share, FLOOR_PATH,
                                    "floor")
            floor_round = cpu_seconds(floor_a, cpu_sample(floor.pid, dbname))
            app_saves = max(1, len(stats.latency["autosave"]) - before)
            floor_saves = max(1, len(stats.latency["floor"]) - floor_before)
            round_ratios.append((app_round["gunicorn"] + app_round["postgres"]) / app_saves
                                / ((floor_round["gunicorn"] + floor_round["postgres"]) / floor_saves))
            used = add_cpu(used, app_round)
            floor_used = add_cpu(floor_used, floor_round)
        stop(floor)
        floor = None
        watch = GradebookWatch(url, seeded["exam_id"])
        watch.start()
        loads["submit"] = load()
        submit_cpu_a = cpu_sample(server.pid, dbname)
        submit_secs = run_phase(submit_all, args.port, stats, args.submit_window, time.monotonic())
        submit_used = cpu_seconds(submit_cpu_a, cpu_sample(server.pid, dbname))
        time.sleep(0.5)
        watch.stop.set()
        watch.join()
        probes, conflicts = probe_after_submit(students, args.port)
        stop(server)
        server = None

        checked, bad = verify(env, students)
        by_student = student_ids(env, students)
        to_gradebook, missing_gb, wrong_gb = [], 0, 0
        for sid, s in by_student.items():
            if s.score_10 is None:
                continue
            seen = watch.seen.get(sid)
            if seen is None:
                missing_gb += 1
                continue
            to_gradebook.append(max(0.0, seen[0] - s.submit_sent))
            wrong_gb += Decimal(seen[1]) != Decimal(s.score_10)  # SQLite and PostgreSQL print Numeric differently
        shares = {k: round(100 * v / used["capacity"], 1) for k, v in used.items() if k != "capacity"}
        print(f"database {url.split(':', 1)[0]}, students {args.students}, client threads {args.threads}, "
              f"gunicorn {args.workers}x{args.worker_threads} gthread, mode {args.mode}"
              + (f" {args.rate:.0f}/s" if args.mode == "rate" else f" every {args.interval:.0f}s"
                 if args.mode == "paced" else "")
              + f", autosave phase {save_secs:.1f}s")
        phases = {"start": start_secs, "autosave": save_secs, "submit": submit_secs, "floor": floor_wall}
        print(f"starts offered over {args.start_window:.0f}s, submits over {args.submit_window:.0f}s "
              f"(0: back to back); autosave and floor in {rounds} rounds each, taking turns; machine load when each "
              "phase began: " + "; ".join(f"{k}: {v}" for k, v in loads.items()))
        for kind in ("start", "autosave", "submit", "floor"):
            values = stats.latency[kind]
            print(f"{kind:9s} n={len(values):6d} rate={len(values) / phases[kind]:7.1f}/s "
                  f"p50={percentile(values, 50):7.1f}ms p95={percentile(values, 95):7.1f}ms "
                  f"p99={percentile(values, 99):7.1f}ms max={percentile(values, 100):7.1f}ms")
        seconds = [stats.per_second.get((r, i), 0) for r in range(rounds) for i in range(1, int(app_len) - 1)]
        if seconds:
            print(f"autosaves/s per second (excluding first and last): median {statistics.median(seconds):.0f}, "
                  f"min {min(seconds)}, max {max(seconds)}; client max lag behind schedule {stats.max_lag * 1000:.0f}ms")
        print(f"submit -> score in gradebook: n={len(to_gradebook)} p50={percentile(to_gradebook, 50):.1f}ms "
              f"p99={percentile(to_gradebook, 99):.1f}ms max={percentile(to_gradebook, 100):.1f}ms; "
              f"missing {missing_gb}, different from the submit response {wrong_gb}")
        print("CPU during the autosave phase, % of all cores:", shares)
        saves = max(1, len(stats.latency["autosave"]))
        per_save = {k: used[k] * 1000 / saves for k in ("client", "gunicorn", "postgres")}
        own = sum(per_save.values())
        print("CPU per autosave: " + ", ".join(f"{k} {v:.2f}ms" for k, v in per_save.items())
              + (f"; {os.cpu_count()} idle cores would serve about {(os.cpu_count() or 1) * 1000 / own:.0f}/s"
                 " at this cost (client included)"))
        for kind, spent in (("start", start_used), ("submit", submit_used)):
            n = max(1, len(stats.latency[kind]))
            cost = (spent["gunicorn"] + spent["postgres"]) * 1000 / n
            print(f"CPU per {kind} (app + database): {cost:.2f}ms; other load during it "
                  f"{100 * spent['other (not this bench)'] / spent['capacity']:.0f}% of the machine; "
                  f"{os.cpu_count()} idle cores would serve about {(os.cpu_count() or 1) * 1000 / cost:.0f}/s")
        floor_saves = max(1, len(stats.latency["floor"]))
        floor_cost = (floor_used["gunicorn"] + floor_used["postgres"]) * 1000 / floor_saves
        app_cost = per_save["gunicorn"] + per_save["postgres"]
        print(f"floor app (bench/floor_app.py, one upsert, no checks): CPU per request gunicorn "
              f"{floor_used['gunicorn'] * 1000 / floor_saves:.2f}ms, postgres {floor_used['postgres'] * 1000 / floor_saves:.2f}ms"
              f"; other load during it {100 * floor_used['other (not this bench)'] / floor_used['capacity']:.0f}% of the machine")
        print(f"AUTOSAVE CPU (app + database) {app_cost:.2f}ms vs floor {floor_cost:.2f}ms: ratio "
              f"{app_cost / floor_cost:.2f} (goal <= 2); by round " + " ".join(f"{r:.2f}" for r in round_ratios))
        if args.py_spy:
            print("py-spy profile of the gunicorn workers during the autosave phase (py-spy in the bench's own "
                  "processes, not counted above):\n  " + profile_summary(spied))
        print("errors:", dict(stats.errors) or "none")
        print(f"autosave after submit: {conflicts}/{probes} answered 409")
        print(f"acknowledged answers checked in the database: {checked}, missing or different: {bad}")
        tracebacks = log_path.read_text(errors="replace").count("Traceback")
        print(f"server log tracebacks: {tracebacks}")
        failed = bad or stats.errors or missing_gb or wrong_gb or conflicts != probes or tracebacks
        return 1 if failed else 0
    finally:
        for running in (server, floor):
            if running is not None:
                stop(running)
        if drop is not None:
            drop()


if __name__ == "__main__":
    sys.exit(main())
