"""Operations: /healthz, /readyz, /metrics, request ids in logs and jobs, proxy headers, one periodic tick."""
from __future__ import annotations

import io
import json
import logging
import os
import time
import uuid
from datetime import datetime

import pytest
from sqlalchemy import select

from lms.core.db import db
from lms.core.jobs import JobQueue


def test_healthz_answers_without_login(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200 and resp.get_json() == {"status": "ok"}


def test_readyz_checks_database_queue_and_storage(client):
    resp = client.get("/readyz")
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert set(body["checks"]) == {"database", "queue", "storage"}
    assert all(check["ok"] for check in body["checks"].values())


def test_readyz_is_503_naming_unreachable_storage(app, client, monkeypatch):
    from media.storage import make_storage

    # A real S3 client against a closed local port: connection refused, as when MinIO is down.
    broken = make_storage({"S3_ENDPOINT": "127.0.0.1:9", "S3_ACCESS_KEY": "a", "S3_SECRET_KEY": "b"})
    monkeypatch.setitem(app.extensions, "media_storage", broken)
    resp = client.get("/readyz")
    assert resp.status_code == 503
    assert resp.mimetype == "application/problem+json"
    body = resp.get_json()
    assert body["failing"] == ["storage"] and "kho lưu trữ" in body["detail"]
    assert body["checks"]["database"]["ok"] and body["checks"]["queue"]["ok"]


def test_metrics_count_requests_by_route_and_status(client):
    client.get("/healthz")
    client.get("/api/v1/lectures/999999", headers={"Accept": "application/json"})
    resp = client.get("/metrics")
    assert resp.status_code == 200 and resp.mimetype == "text/plain"
    text = resp.get_data(as_text=True)
    assert 'lms_http_requests_total{endpoint="/healthz",method="GET",status="200"}' in text
    assert 'endpoint="/api/v1/lectures/<int:lecture_id>"' in text  # the rule, never the id
    assert "lms_http_request_duration_seconds_bucket" in text
    assert 'lms_job_queue_depth{state="pending"}' in text


def test_metrics_refused_outside_metrics_allow(client):
    resp = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert resp.status_code == 403 and resp.mimetype == "application/problem+json"


def test_operational_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "503" in paths["/readyz"]["get"]["responses"]
    assert "text/plain" in paths["/metrics"]["get"]["responses"]["200"]["content"]
    assert "security" not in paths["/healthz"]["get"]


def _capture(logger_name: str):
    from lms.core.ops.logs import JsonFormatter, RequestIdFilter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return stream, lambda: logger.removeHandler(handler)


def test_request_id_is_accepted_returned_and_on_the_log_line(client):
    stream, stop = _capture("lms.access")
    try:
        resp = client.get("/api/v1/me", headers={"X-Request-ID": "lb-7f3a9c2e11", "Accept": "application/json"})
        generated = client.get("/healthz?x=1", headers={"X-Request-ID": "bad id <script>"})
    finally:
        stop()
    assert resp.headers["X-Request-ID"] == "lb-7f3a9c2e11"
    assert generated.headers["X-Request-ID"] != "bad id <script>"
    assert len(generated.headers["X-Request-ID"]) == 32
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    me = next(line for line in lines if line.get("route") == "/api/v1/me")
    assert me["request_id"] == "lb-7f3a9c2e11" and me["status"] == 401 and me["level"] == "info"
    assert "duration_ms" in me


def test_log_lines_mask_tokens_passwords_and_signatures():
    from lms.core.ops.logs import JsonFormatter, bound_request_id

    with bound_request_id("job-123456789"):
        record = logging.LogRecord("lms.x", logging.WARNING, __file__, 1,
                                   "retry %s with Authorization: Bearer abc.def password=hunter2", (
                                       "https://s3/x?X-Amz-Signature=deadbeef&a=1",), None)
        record.request_id = "job-123456789"
        line = json.loads(JsonFormatter().format(record))
    assert "abc.def" not in line["msg"] and "hunter2" not in line["msg"] and "deadbeef" not in line["msg"]
    assert line["request_id"] == "job-123456789"


@pytest.mark.parametrize("message", [
    "TOKEN=abc123", "Api_Key: 'abc123'", "ſecret=abc123", "to\u212aen=abc123", "x-amz-credential=abc123",
    "authorization: BEARER abc123",
])
def test_masking_is_case_blind_whatever_the_spelling(message):
    # The quick word check in front of the patterns must let through all that the (?i) patterns match,
    # including the Unicode letters they fold (the long s, the Kelvin sign).
    from lms.core.ops.logs import redact

    assert "abc123" not in redact(message)
    line = "PUT /api/v1/attempts/<int:attempt_id>/answers 200"
    assert redact(line) == line


def test_timestamps_stay_right_across_seconds():
    from lms.core.ops.logs import JsonFormatter

    formatter = JsonFormatter()
    stamps = []
    for created in (1764979199.75, 1764979200.0, 1764979200.5, 1764979199.25):
        record = logging.LogRecord("lms.x", logging.INFO, __file__, 1, "m", (), None)
        record.created, record.msecs = created, (created - int(created)) * 1000
        stamps.append(json.loads(formatter.format(record))["ts"])
    assert stamps == ["2025-12-05T23:59:59.750Z", "2025-12-06T00:00:00.000Z", "2025-12-06T00:00:00.500Z",
                      "2025-12-05T23:59:59.250Z"]


def _shared_huey(tmp_path, name: str):
    """Two handles on one queue, as two worker machines have: Redis in the PG pass, the SQLite file otherwise."""
    from huey import RedisHuey, SqliteHuey

    if os.environ.get("REDIS_URL"):
        return [RedisHuey(name, url=os.environ["REDIS_URL"]) for _ in range(2)]
    return [SqliteHuey(name, filename=str(tmp_path / "jobs.db")) for _ in range(2)]


def test_a_job_runs_under_the_request_id_that_enqueued_it(app, factory, tmp_path):
    from lms.accounts.models import School
    from lms.core.ops import bound_request_id, current_request_id

    school_id = factory.school()
    huey, _ = _shared_huey(tmp_path, f"lms-rid-{uuid.uuid4().hex[:8]}")
    queue = JobQueue()

    @queue.task()
    def record_request_id(sid):
        db.session.get(School, sid).name = current_request_id()

    queue.init_app(app, huey=huey)
    consumer = queue.consumer(workers=1, app=app, periodic=False)
    consumer._set_signal_handlers = lambda: None  # signals belong to the main thread; pytest owns it here
    with app.app_context(), bound_request_id("req-0123456789abcdef"):
        record_request_id.enqueue(school_id)
        db.session.commit()
    consumer.start()
    try:
        deadline = time.time() + 20
        while time.time() < deadline:
            with app.app_context():
                if db.session.scalar(select(School.name).where(School.id == school_id)) == "req-0123456789abcdef":
                    break
            time.sleep(0.1)
        else:
            raise AssertionError("the job did not run under the enqueuing request's id")
    finally:
        consumer.stop(graceful=False)
        huey.flush()


def test_two_workers_enqueue_each_minutes_periodic_jobs_once(app, tmp_path):
    name = f"lms-tick-{uuid.uuid4().hex[:8]}"
    hueys = _shared_huey(tmp_path, name)
    consumers = []
    for huey in hueys:
        queue = JobQueue()

        @queue.periodic(minute="*")
        def every_minute():
            pass

        queue.init_app(app, huey=huey)
        consumers.append(queue.consumer(workers=1, app=app))
    try:
        for minute in (0, 1):
            now = datetime(2026, 12, 4, 18, minute, 5)
            for consumer in consumers:  # both schedulers wake up in the same minute
                consumer._create_scheduler().enqueue_periodic_tasks(now)
            assert hueys[0].pending_count() == minute + 1
        # A worker started with --no-periodic has no periodic scheduler at all.
        queue = JobQueue()
        queue.init_app(app, huey=hueys[1])
        assert queue.consumer(workers=1, app=app, periodic=False)._create_scheduler().periodic is False
    finally:
        hueys[0].flush()


@pytest.fixture
def proxied_app(database_url, tmp_path):
    """A second app on the same database behind one trusted proxy, with metrics open to the proxy's network."""
    from lms.app import create_app

    return create_app({"TESTING": True, "LMS_DATA_DIR": str(tmp_path), "DATABASE_URL": database_url,
                       "SECRET_KEY": "p" * 40, "JOBS_IMMEDIATE": "true", "WTF_CSRF_ENABLED": False,
                       "TRUSTED_PROXIES": "1", "METRICS_ALLOW": "10.0.0.0/8",
                       "LOGIN_FAILURE_LIMIT": "2 per minute", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})


def test_behind_a_trusted_proxy_the_client_address_is_the_forwarded_one(proxied_app, factory):
    client = proxied_app.test_client()
    from_proxy = {"REMOTE_ADDR": "10.0.0.2"}
    # The proxy itself may scrape; a client on the internet forwarded by it may not.
    assert client.get("/metrics", environ_base=from_proxy).status_code == 200
    forwarded = client.get("/metrics", environ_base=from_proxy, headers={"X-Forwarded-For": "198.51.100.7"})
    assert forwarded.status_code == 403
    # A machine outside the allowed network claiming to forward for an allowed one is refused too.
    forged = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"},
                        headers={"X-Forwarded-For": "10.0.0.5"})
    assert forged.status_code == 403
    # The login limit keys on the real client: one address locked out, another still allowed to try.
    factory.user(role="teacher", username="gv_proxy")

    def login(address):
        return client.post("/api/v1/auth/token", json={"username": "gv_proxy", "password": "sai-mat-khau"},
                           environ_base=from_proxy, headers={"X-Forwarded-For": address})

    assert [login("198.51.100.7").status_code for _ in range(3)] == [401, 401, 429]
    assert login("198.51.100.8").status_code == 401
    https = client.get("/healthz", environ_base=from_proxy, headers={"X-Forwarded-Proto": "https"})
    assert https.status_code == 200
