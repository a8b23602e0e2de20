"""Helpers for lecture tests: ready media assets without running ffmpeg, and lectures made through the API."""
import hashlib
import itertools

import pytest

from lms.core.db import db

_n = itertools.count(1)


@pytest.fixture
def asset(app):
    """``asset(owner_id, kind="video", duration_s=100.0)`` -> id of a processed asset row."""

    def make(owner_id, kind="video", duration_s=100.0, filename=None, status="ready", hls=False):
        from media.models import MediaAsset

        n = next(_n)
        with app.app_context():
            row = MediaAsset(owner_id=owner_id, kind=kind, status=status, progress=100,
                             filename=filename or f"bai-giang-{n}.mp4", content_type="video/mp4", size=1000,
                             sha256=hashlib.sha256(str(n).encode()).hexdigest(),
                             duration_s=duration_s if kind in ("video", "audio") else None,
                             hls_master_key=f"assets/{n}/hls/master.m3u8" if hls else None,
                             thumbnail_key=f"assets/{n}/thumb.jpg" if hls else None)
            db.session.add(row)
            db.session.commit()
            return row.id

    return make


@pytest.fixture
def login(app):
    """``login(username)`` -> a test client signed in through the login page (for HTML pages)."""
    from tests.conftest import PASSWORD

    def make(username):
        client = app.test_client()
        assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
        return client

    return make


@pytest.fixture
def make_lecture(world):
    """``make_lecture(as_="teacher", submit=False, **fields)`` -> the created lecture JSON."""

    def make(as_="teacher", submit=False, **fields):
        body = {"title": "Hàm số bậc nhất", "description": "<p>Đồ thị $y=ax+b$</p>", "subject": "toan",
                "grade": 10, "visibility": "private"}
        body.update(fields)
        client = world.as_(as_)
        resp = client.post("/lectures", json=body)
        assert resp.status_code == 201, resp.get_json()
        data = resp.get_json()
        if submit:
            resp = client.post(f"/lectures/{data['id']}/submit")
            assert resp.status_code == 200, resp.get_json()
            data = resp.get_json()
        return data

    return make


class Clock:
    """A controllable ``utcnow`` for watch-progress tests: time advances only when the test says so."""

    def __init__(self):
        from datetime import datetime, timezone

        self.now = datetime(2026, 12, 4, 8, 0, tzinfo=timezone.utc)

    def __call__(self):
        return self.now

    def advance(self, seconds: float) -> None:
        from datetime import timedelta

        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch):
    """The lecture services' clock (lifecycle, collections, progress), frozen at a fixed instant;
    ``clock.advance(s)`` moves it on."""
    from lms.lectures import collections, progress, services

    fake = Clock()
    for module in (services, collections, progress):
        monkeypatch.setattr(module, "utcnow", fake)
    return fake
