"""Counters shared by every worker and node: the one import site of ``limits`` (Flask-Limiter's engine).

Only sign-in throttling counts anything (lms.accounts.throttle), and it counts in Redis when ``REDIS_URL`` is
set. Flask-Limiter, used here before, registered a before- and an after-request hook on every request for
route limits this app never declares: a tenth of an autosave's CPU at the exam-room load (bench/RESULTS.md,
issue 16). The storage and strategy it wrapped are used directly instead: same URIs, same fixed windows.
"""
from __future__ import annotations

from flask import Flask, current_app
from limits import RateLimitItem, parse, parse_many
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

__all__ = ["RateLimitItem", "parse", "parse_many", "strategy", "reset", "init_app"]

_KEY = "lms_ratelimits"


def init_app(app: Flask) -> None:
    """Connect to the counters' storage: Redis when ``REDIS_URL`` is set, else this process's memory."""
    app.extensions[_KEY] = FixedWindowRateLimiter(storage_from_string(app.config.get("REDIS_URL") or "memory://"))


def strategy() -> FixedWindowRateLimiter:
    """The current app's fixed-window counter (``test``, ``hit``, ``get_window_stats``)."""
    return current_app.extensions[_KEY]


def reset(app: Flask) -> None:
    """Forget every count (tests start clean)."""
    app.extensions[_KEY].storage.reset()
