"""Sign-in throttling: failed logins are counted where every worker and every web node sees them.

Three limits apply to each attempt, all counting failures only (a successful sign-in is never slowed):
per address and username (``LOGIN_FAILURE_LIMIT``, guessing one account from one machine), per username
from any address (``LOGIN_USERNAME_FAILURE_LIMIT``, a botnet guessing one account) and per address across
usernames (``LOGIN_ADDRESS_FAILURE_LIMIT``, password spraying: one common password tried on many accounts).
The API token route and the web sign-in form share them.

Where the counts live: with ``REDIS_URL`` set, in Redis through ``lms.core.ratelimits`` (the ``limits``
storage Flask-Limiter was built on). Without it, in the application's own database (``login_failures``, one
row per failure and key): the embedded default runs several gunicorn workers, and per-process memory would give
each worker its own allowance. The database
is already shared by every worker and node, needs no new service, and a failed sign-in is rare enough that a
row insert costs nothing; a sliding window over the rows is also exact, unlike fixed windows.
Keys are SHA-256 digests, so neither usernames nor addresses are stored or logged in the clear.
"""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select

from lms.core.db import db, utcnow
from lms.core import ratelimits
from lms.core.ratelimits import RateLimitItem, parse

from .models import LoginFailure

#: (config name, default, what the key names): the limits applied to every sign-in attempt.
LIMITS = (
    ("LOGIN_FAILURE_LIMIT", "10 per 5 minutes", "pair"),
    ("LOGIN_USERNAME_FAILURE_LIMIT", "20 per 15 minutes", "user"),
    ("LOGIN_ADDRESS_FAILURE_LIMIT", "100 per 5 minutes", "addr"),
)


@dataclass(frozen=True)
class _Limit:
    key: str
    item: RateLimitItem

    @property
    def window(self) -> timedelta:
        return timedelta(seconds=self.item.get_expiry())


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _limits(username: str, address: str | None) -> list[_Limit]:
    name = (username or "").strip().lower()
    addr = address or "-"
    values = {"pair": f"{addr}/{name}", "user": name, "addr": addr}
    out = []
    for setting, default, scope in LIMITS:
        raw = current_app.config.get(setting) or default
        out.append(_Limit(key=_digest(f"login/{scope}/{values[scope]}"), item=parse(raw)))
    return out


def _use_redis() -> bool:
    return bool(current_app.config.get("REDIS_URL"))


def retry_after(username: str, address: str | None, now: datetime | None = None) -> int | None:
    """Seconds until this attempt may be tried, or None when no limit is reached. Check before verifying
    the password, so a blocked guess costs nothing and reveals nothing."""
    now = now or utcnow()
    waits = []
    for limit in _limits(username, address):
        if _use_redis():
            strategy = ratelimits.strategy()
            if not strategy.test(limit.item, limit.key):
                reset = strategy.get_window_stats(limit.item, limit.key).reset_time
                waits.append(reset - now.timestamp())
            continue
        # The failure that must age out before the count drops below the limit: the amount-th newest.
        oldest_counted = db.session.scalar(
            select(LoginFailure.failed_at).where(LoginFailure.key == limit.key,
                                                 LoginFailure.failed_at > now - limit.window)
            .order_by(LoginFailure.failed_at.desc()).offset(limit.item.amount - 1).limit(1))
        if oldest_counted is not None:
            waits.append((oldest_counted + limit.window - now).total_seconds())
    if not waits:
        return None
    return max(1, math.ceil(max(waits)))


def record_failure(username: str, address: str | None, now: datetime | None = None) -> None:
    """Count a failed sign-in against every limit. On the database the caller must commit even though the
    request fails (the routes do so before answering 401)."""
    now = now or utcnow()
    limits = _limits(username, address)
    if _use_redis():
        for limit in limits:
            ratelimits.strategy().hit(limit.item, limit.key)
        return
    longest = max(limit.window for limit in limits)
    # Rows older than every window count for nothing; removing them here keeps the table at the size of the
    # last few minutes' failures without a separate cleanup job.
    db.session.execute(delete(LoginFailure).where(LoginFailure.failed_at < now - longest))
    db.session.add_all([LoginFailure(key=limit.key, failed_at=now) for limit in limits])
    db.session.flush()
