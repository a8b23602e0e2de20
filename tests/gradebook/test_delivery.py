"""Outbound delivery against a real HTTP receiver on 127.0.0.1 that fails its first calls."""
import datetime as dt
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from lms.core.db import db, utcnow
from lms.gradebook import delivery
from lms.gradebook.models import OutboxEvent

SECRET = "bi-mat-webhook"


class Receiver:
    """Answers 503 to the first ``fail`` POSTs, then 200; records every call."""

    def __init__(self, fail: int):
        self.fail, self.calls, self.accepted = fail, [], []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls.append((dict(self.headers), body))
                if len(receiver.calls) <= receiver.fail:
                    self.send_response(503)
                    self.end_headers()
                    return
                receiver.accepted.append((self.headers["Idempotency-Key"], self.headers["X-Signature"], body))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(app, monkeypatch):
    r = Receiver(fail=3)
    monkeypatch.setitem(app.config, "GRADEBOOK_WEBHOOK_URL", r.url)
    monkeypatch.setitem(app.config, "GRADEBOOK_WEBHOOK_SECRET", SECRET)
    monkeypatch.setitem(app.config, "GRADEBOOK_WEBHOOK_BACKOFF_SECONDS", 10)
    monkeypatch.setitem(app.config, "GRADEBOOK_WEBHOOK_TIMEOUT", 5)
    yield r
    r.close()


def _run(app, at):
    with app.app_context():
        counts = delivery.deliver_due(now=at)
        db.session.commit()
        return counts


def test_failing_receiver_gets_every_event_once_in_the_end(app, world, book, receiver):
    sem = book()
    col = sem.column("tx")
    sem.put(col, {world.student: 7})       # event 1: its immediate delivery fails (call 1)
    sem.put(col, {world.student2: "8,25"})  # event 2: immediate delivery retries nothing due yet; event 2 fails (call 2)
    with app.app_context():
        events = db.session.scalars(db.select(OutboxEvent).order_by(OutboxEvent.id)).all()
        assert len(events) == 2 and all(e.delivered_at is None for e in events)
        assert events[0].attempts == 1 and events[0].next_attempt_at > utcnow()
        assert "503" in events[0].last_error
    later = utcnow() + dt.timedelta(hours=7)
    for _ in range(6):
        _run(app, later)
        later += dt.timedelta(hours=7)
    assert len(receiver.calls) <= 3 + 2 + 1
    keys = [key for key, _, _ in receiver.accepted]
    assert len(keys) == 2 and len(set(keys)) == 2  # nothing lost, nothing duplicated
    for key, signature, body in receiver.accepted:
        assert signature == hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert json.loads(body)["idempotency_key"] == key
    assert json.loads(receiver.accepted[1][2])["new_value"] == "8.3"
    calls_before = len(receiver.calls)
    assert _run(app, later + dt.timedelta(days=1)) == {"delivered": 0, "failed": 0}
    assert len(receiver.calls) == calls_before  # delivered events are never sent again
    with app.app_context():
        assert all(e.delivered_at is not None for e in db.session.scalars(db.select(OutboxEvent)))


def test_backoff_doubles_and_is_capped(app, monkeypatch):
    monkeypatch.setitem(app.config, "GRADEBOOK_WEBHOOK_BACKOFF_SECONDS", 30)
    with app.app_context():
        assert [delivery.backoff(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
        assert delivery.backoff(30) == delivery.MAX_BACKOFF


def test_no_receiver_configured_writes_no_events(app, world, book):
    sem = book()
    sem.put(sem.column("tx"), {world.student: 7})
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(OutboxEvent.id))) == 0
