"""Fault injection on exam day: students autosave while the web workers and the job worker are killed (SIGKILL)
and restarted; no acknowledged answer may be lost, every attempt must be submitted after its deadline (the
auto-submit), and each score must reach the gradebook exactly once (issue 12, "Done means").

It seeds a fresh database (a temp SQLite file, or a throwaway PostgreSQL database next to ``--database-url``)
with one class of ``--students`` students and a short exam (``--minutes``), starts real gunicorn web workers
and the real job worker (``flask worker``, which runs the minutely auto-submit), and then:

- every student starts the exam and autosaves like the take page: the answers changed since the last
  acknowledged save, in one request, with an increasing ``seq``; on a refused connection or a 5xx it keeps
  them and retries with backoff; half of the students stop at their deadline (the phone died: only the
  periodic auto-submit closes their attempt), the others keep saving until the server answers 409;
- a chaos thread meanwhile SIGKILLs one gunicorn worker every few seconds (the master starts another), the
  whole gunicorn process group now and then (restarted), and the job worker (restarted), until every
  attempt is submitted;
- then it checks the database: for every question, the stored answer is the last acknowledged one or one
  sent later (``answer_seq`` >= the acknowledged seq; equal seq, equal answer); every attempt is graded,
  ``auto_submit``, submitted at or after its deadline and no later than deadline + grace; every student has
  exactly one gradebook score for the exam, equal to the attempt's score, one exam result and one change-log
  entry. Exit status 0 only when all of that holds::

    .venv/bin/python bench/exam_fault_injection.py --students 40 --minutes 1
    .venv/bin/python bench/exam_fault_injection.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres --students 40

``tests/exams/test_fault_injection.py`` runs a smaller one when ``LMS_SLOW_TESTS=1`` (marked ``slow``).
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import exam_day_bench  # noqa: E402  (the same seeding and database helpers)

VENV_BIN = Path(sys.executable).parent


class Servers:
    """gunicorn and the job worker as child process groups that can be killed and restarted."""

    def __init__(self, env: dict, port: int, workers: int, threads: int, log: Path):
        self.env, self.port, self.workers, self.threads = {**os.environ, **env}, port, workers, threads
        self.log = open(log, "ab")
        self.web: subprocess.Popen | None = None
        self.job: subprocess.Popen | None = None
        self.lock = threading.Lock()

    def start_web(self) -> None:
        self.web = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "-w", str(self.workers), "-k", "gthread", "--threads", str(self.threads),
             "-b", f"127.0.0.1:{self.port}", "--log-level", "warning", "wsgi:app"],
            cwd=ROOT, env=self.env, start_new_session=True, stdout=self.log, stderr=subprocess.STDOUT)

    def start_job(self) -> None:
        self.job = subprocess.Popen([str(VENV_BIN / "flask"), "--app", "wsgi", "worker", "--workers", "2"],
                                    cwd=ROOT, env=self.env, start_new_session=True, stdout=self.log,
                                    stderr=subprocess.STDOUT)

    def web_workers(self) -> list[int]:
        """The pids of gunicorn's worker processes (children of the master)."""
        if self.web is None:
            return []
        out = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as f:
                        ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                except (OSError, ValueError, IndexError):
                    continue
                if ppid == self.web.pid:
                    out.append(int(entry))
        return out

    @staticmethod
    def _kill_group(proc: subprocess.Popen | None, sig=signal.SIGKILL) -> None:
        if proc is None:
            return
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def kill_web(self) -> None:
        with self.lock:
            self._kill_group(self.web)
            self.start_web()

    def kill_job(self) -> None:
        with self.lock:
            self._kill_group(self.job)
            self.start_job()

    def stop(self) -> None:
        with self.lock:
            self._kill_group(self.web, signal.SIGTERM)
            self._kill_group(self.job, signal.SIGTERM)
            self.web = self.job = None
        self.log.close()


def wait_up(port: int, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/openapi.json")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


class Student(threading.Thread):
    """One phone running the take page's save loop."""

    def __init__(self, token: str, exam_id: int, port: int, abandons: bool, stop: threading.Event):
        super().__init__(daemon=True)
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/json",
                        "Content-Type": "application/json"}
        self.exam_id, self.port, self.abandons, self.stop = exam_id, port, abandons, stop
        self.rng = random.Random()
        self.attempt_id: int | None = None
        self.deadline: datetime | None = None
        self.questions: list[tuple[str, list[str]]] = []
        self.pending: dict[str, str] = {}
        self.acked: dict[str, tuple[int, str]] = {}  # question -> (seq, answer) of the newest acknowledged
        self.seq = 0
        self.sent = self.acknowledged = self.failed = 0
        self.closed_by_409 = False

    def request(self, method: str, path: str, body: dict | None = None):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            conn.request(method, path, body=json.dumps(body).encode() if body is not None else b"",
                         headers=self.headers)
            resp = conn.getresponse()
            data = resp.read()
            conn.close()
            return resp.status, (json.loads(data) if data else None)
        except (OSError, http.client.HTTPException, ValueError):
            return None, None

    def run(self) -> None:
        backoff = 0.5
        while self.attempt_id is None and not self.stop.is_set():
            status, doc = self.request("POST", f"/api/v1/exams/{self.exam_id}/attempts")
            if status in (200, 201):
                self.attempt_id = doc["id"]
                self.deadline = datetime.fromisoformat(doc["deadline"])
                self.questions = [(str(q["id"]), [o["id"] for o in q["options"]]) for q in doc["questions"]]
                self.seq = doc.get("seq") or 0
            else:
                time.sleep(backoff * self.rng.uniform(0.5, 1.5))
        backoff = 0.5
        while not self.stop.is_set():
            now = datetime.now(self.deadline.tzinfo)
            if self.abandons and now >= self.deadline - timedelta(seconds=2):
                return  # the phone died before the end: the auto-submit must close it
            for qid, options in self.rng.sample(self.questions, k=self.rng.randint(1, 3)):
                self.pending[qid] = self.rng.choice(options)
            sent = dict(self.pending)
            self.seq += 1
            seq = self.seq
            self.sent += 1
            status, _ = self.request("PUT", f"/api/v1/attempts/{self.attempt_id}/answers",
                                     {"answers": sent, "seq": seq})
            if status == 200:
                self.acknowledged += 1
                for qid, value in sent.items():
                    self.acked[qid] = (seq, value)
                    if self.pending.get(qid) == value:
                        del self.pending[qid]
                backoff = 0.5
                time.sleep(self.rng.uniform(0.5, 1.5))
            elif status == 409:
                self.closed_by_409 = True
                return
            else:
                self.failed += 1
                time.sleep(backoff * self.rng.uniform(0.5, 1.5))
                backoff = min(backoff * 2, 8)


def chaos(servers: Servers, stop: threading.Event, counts: dict, rng: random.Random) -> None:
    """Kill something every 2-6 s: mostly one web worker, sometimes all of gunicorn, sometimes the job worker."""
    while not stop.wait(rng.uniform(2, 6)):
        roll = rng.random()
        if roll < 0.6:
            pids = servers.web_workers()
            if pids:
                try:
                    os.kill(rng.choice(pids), signal.SIGKILL)
                    counts["web worker"] += 1
                except ProcessLookupError:
                    pass
        elif roll < 0.8:
            servers.kill_web()
            counts["all of gunicorn"] += 1
        else:
            servers.kill_job()
            counts["job worker"] += 1


def check(url: str, exam_id: int, students: list[Student]) -> dict:
    """Everything the run promises, read from the database."""
    import sqlalchemy as sa
    from sqlalchemy import create_engine, text

    from lms.exams import rules

    engine = create_engine(url)
    report = {"answers checked": 0, "acknowledged answers lost": 0, "attempts": 0, "not submitted": 0,
              "submitted before deadline or after grace": 0, "not auto_submit": 0, "gradebook wrong": 0,
              "gradebook scores": 0, "exam results": 0, "change-log entries": 0}
    with engine.connect() as conn:
        # Typed columns, so both PostgreSQL and SQLite hand back the decoded JSON answer.
        table = sa.table("exam_attempt_items", sa.column("attempt_id", sa.Integer), sa.column("question_id", sa.Integer),
                         sa.column("answer_seq", sa.Integer), sa.column("answer", sa.JSON))
        items = {(a, q): (s, v) for a, q, s, v in conn.execute(sa.select(
            table.c.attempt_id, table.c.question_id, table.c.answer_seq, table.c.answer)).all()}
        attempts = {row.id: row for row in conn.execute(text(
            "SELECT id, student_id, status, deadline, submitted_at, submit_reason, score_10 FROM exam_attempts "
            "WHERE exam_id = :e"), {"e": exam_id}).all()}
        scores = conn.execute(text(
            "SELECT s.student_id, s.value FROM gradebook_scores s JOIN gradebook_columns c ON c.id = s.column_id "
            "WHERE c.exam_id = :e"), {"e": exam_id}).all()
        results = conn.execute(text("SELECT student_id FROM gradebook_exam_results WHERE exam_id = :e"),
                               {"e": exam_id}).all()
        changes = conn.execute(text(
            "SELECT g.student_id FROM gradebook_changes g JOIN gradebook_columns c ON c.id = g.column_id "
            "WHERE c.exam_id = :e AND g.kind = 'score'"), {"e": exam_id}).all()
    engine.dispose()
    for s in students:
        for qid, (seq, value) in s.acked.items():
            report["answers checked"] += 1
            stored_seq, stored = items.get((s.attempt_id, int(qid)), (None, None))
            if stored_seq is None or stored_seq < seq or (stored_seq == seq and stored != value):
                report["acknowledged answers lost"] += 1
    grace = timedelta(seconds=rules.GRACE_SECONDS)

    def aware(value):  # raw SQL on SQLite gives strings; every timestamp is stored in UTC
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)

    by_student = {}
    for attempt in attempts.values():
        report["attempts"] += 1
        by_student[attempt.student_id] = attempt
        if attempt.status != "graded" or attempt.submitted_at is None:
            report["not submitted"] += 1
            continue
        submitted, deadline = aware(attempt.submitted_at), aware(attempt.deadline)
        if not deadline <= submitted <= deadline + grace:
            report["submitted before deadline or after grace"] += 1
        if attempt.submit_reason != "auto_submit":
            report["not auto_submit"] += 1
    per_student = {}
    for student_id, value in scores:
        per_student.setdefault(student_id, []).append(value)
    report["gradebook scores"], report["exam results"], report["change-log entries"] = (
        len(scores), len(results), len(changes))
    result_count, change_count = Counter(r[0] for r in results), Counter(c[0] for c in changes)
    for student_id, attempt in by_student.items():
        values = per_student.get(student_id, [])
        if (len(values) != 1 or attempt.score_10 is None or float(values[0]) != float(attempt.score_10)
                or result_count[student_id] != 1 or change_count[student_id] != 1):
            report["gradebook wrong"] += 1
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="sqlite", help="'sqlite' (a temp file) or postgresql+psycopg://...")
    parser.add_argument("--redis-url", default="")
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--minutes", type=int, default=1, help="exam duration")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--port", type=int, default=8797)
    parser.add_argument("--timeout", type=float, default=300, help="seconds to wait for every auto-submit")
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="exam-chaos-")
    url, drop = args.database_url, None
    if url == "sqlite":
        url = f"sqlite:///{data_dir}/lms.db"
    elif url.startswith("postgres"):
        url, drop = exam_day_bench.create_database(url)
    env = {"DATABASE_URL": url, "LMS_DATA_DIR": data_dir, "SECRET_KEY": "chaos-" + uuid.uuid4().hex * 2}
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    servers = None
    try:
        seeded = exam_day_bench.seed(env, args.students)
        from sqlalchemy import create_engine, text

        engine = create_engine(url)
        with engine.begin() as conn:  # a short exam, so the deadline and the auto-submit come within the run
            conn.execute(text("UPDATE exams SET duration_minutes = :m WHERE id = :e"),
                         {"m": args.minutes, "e": seeded["exam_id"]})
        engine.dispose()
        log = Path(data_dir) / "servers.log"
        servers = Servers(env, args.port, args.workers, args.threads, log)
        servers.start_web()
        servers.start_job()
        wait_up(args.port)
        began = time.monotonic()
        stop, chaos_stop = threading.Event(), threading.Event()
        students = [Student(token, seeded["exam_id"], args.port, n % 2 == 0, stop)
                    for n, token in enumerate(seeded["tokens"])]
        counts = {"web worker": 0, "all of gunicorn": 0, "job worker": 0}
        killer = threading.Thread(target=chaos, args=(servers, chaos_stop, counts, random.Random()), daemon=True)
        killer.start()
        for s in students:
            s.start()
        for s in students:
            s.join(timeout=args.minutes * 60 + 120)
        stop.set()
        saving_done = time.monotonic() - began
        # Keep killing while the auto-submit runs, then let it finish in peace if it has not yet.
        engine = create_engine(url)
        waited_until = time.monotonic() + args.timeout
        open_left = None
        while time.monotonic() < waited_until:
            with engine.connect() as conn:
                open_left = conn.execute(text("SELECT count(*) FROM exam_attempts WHERE status = 'in_progress'")
                                         ).scalar()
            if open_left == 0:
                break
            if time.monotonic() - began > saving_done + 90:
                chaos_stop.set()
            time.sleep(2)
        chaos_stop.set()
        killer.join()
        engine.dispose()
        all_closed = time.monotonic() - began
        report = check(url, seeded["exam_id"], students)
        tracebacks = log.read_text(errors="replace").count("Traceback")
        sent = sum(s.sent for s in students)
        acked = sum(s.acknowledged for s in students)
        failed = sum(s.failed for s in students)
        print(f"database {url.split(':', 1)[0]}, {args.students} students, exam {args.minutes} min, gunicorn "
              f"{args.workers}x{args.threads} gthread + job worker; all saving stopped at {saving_done:.0f}s, every "
              f"attempt closed at {all_closed:.0f}s")
        print(f"SIGKILLs: {counts}")
        print(f"saves sent {sent}, acknowledged {acked}, failed (connection refused/reset, 5xx) {failed}; "
              f"students stopped by 409 {sum(s.closed_by_409 for s in students)}, abandoned at the deadline "
              f"{sum(s.abandons for s in students)}")
        for key, value in report.items():
            print(f"{key}: {value}")
        print(f"server log tracebacks (killed mid-request are expected): {tracebacks}")
        bad = (report["acknowledged answers lost"] or report["not submitted"] or report["not auto_submit"]
               or report["submitted before deadline or after grace"] or report["gradebook wrong"]
               or report["attempts"] != args.students or not acked)
        print("RESULT:", "FAIL" if bad else "OK")
        return 1 if bad else 0
    finally:
        if servers is not None:
            servers.stop()
        if drop is not None:
            drop()


if __name__ == "__main__":
    sys.exit(main())
