"""The background job port: huey behind a small interface, the only module that imports huey.

SqliteHuey in ``LMS_DATA_DIR`` by default, RedisHuey when ``REDIS_URL`` is set, and huey's immediate mode
when ``JOBS_IMMEDIATE`` is on (tests). Jobs take ids, run in their own app context and commit once; they are
enqueued only after the surrounding database transaction commits, so a worker never sees a row that was
rolled back or not yet written. Each job carries the request id of the request that enqueued it, so the
worker's log lines can be joined to that request.

Periodic jobs are enqueued once per minute across all workers: every consumer's scheduler must first claim
the minute in the queue's own storage (Redis, or the SQLite file), and only the one that claims it enqueues.
``flask worker --no-periodic`` runs a consumer without a scheduler at all.
"""
from __future__ import annotations

import contextvars
import functools
import logging
import os
import socket
from dataclasses import dataclass
from datetime import timedelta

from flask import Flask, current_app
from huey import MemoryHuey, RedisHuey, SqliteHuey, crontab
from sqlalchemy import event
from sqlalchemy.orm import Session

from .db import db
from .ops.logs import bound_request_id, current_request_id

log = logging.getLogger(__name__)

_PENDING = "lms_pending_jobs"
_TICK_KEY = "lms.periodic.{:%Y%m%d%H%M}"
#: Retries left for the job running in this thread (huey counts them down); None outside a job.
_RETRIES_LEFT: contextvars.ContextVar[int | None] = contextvars.ContextVar("lms_job_retries_left", default=None)


@dataclass
class _Registered:
    fn: object
    retries: int
    retry_delay: int
    retry_backoff: float
    schedule: dict | None


@dataclass
class _Binding:
    """One app's huey and the job wrappers bound to it."""

    app: Flask
    huey: object
    wrappers: dict


class JobQueue:
    """Registry of job functions; each app binds them to its own huey (``app.extensions["lms_jobs"]``).

    Per-app binding matters when one process holds two apps (tests, scripts): each app's jobs run in that
    app's context against that app's database.
    """

    def __init__(self):
        self._registered: dict[str, _Registered] = {}

    def task(self, *, retries: int = 0, retry_delay: int = 0, retry_backoff: float = 0):
        """Declare a job. Call ``job.enqueue(*ids)`` to run it after the current transaction commits.

        A job that raises is run again up to ``retries`` times, ``retry_delay`` seconds later (multiplied by
        ``retry_backoff`` after each retry when given); :func:`final_attempt` tells the body whether a failure
        now is the last word.
        """
        def decorator(fn):
            name = f"{fn.__module__}.{fn.__name__}"
            self._registered[name] = _Registered(fn, retries, retry_delay, retry_backoff, None)
            return _JobHandle(self, name)
        return decorator

    def periodic(self, **cron):
        """Declare a periodic job with crontab fields (``minute="*/15"``)."""
        def decorator(fn):
            name = f"{fn.__module__}.{fn.__name__}"
            self._registered[name] = _Registered(fn, 0, 0, 0, cron)
            return _JobHandle(self, name)
        return decorator

    def init_app(self, app: Flask, huey=None) -> None:
        """Bind the registered jobs to a huey chosen by the config (or the one given, for tests)."""
        cfg = app.config
        if huey is not None:
            pass
        elif cfg.get("JOBS_IMMEDIATE"):
            huey = MemoryHuey("lms", immediate=True)
        elif cfg.get("REDIS_URL"):
            huey = RedisHuey("lms", url=cfg["REDIS_URL"])
        else:
            huey = SqliteHuey("lms", filename=os.path.join(cfg["LMS_DATA_DIR"], "jobs.db"))
        binding = _Binding(app, huey, {})
        for name, reg in self._registered.items():
            binding.wrappers[name] = self._bind(app, huey, name, reg)
        app.extensions.setdefault("lms_jobs", {})[id(self)] = binding

    def binding(self, app: Flask | None = None) -> _Binding:
        app = app or current_app._get_current_object()
        try:
            return app.extensions["lms_jobs"][id(self)]
        except KeyError:
            raise RuntimeError("jobs.init_app(app) was not called for this app") from None

    @property
    def huey(self):
        """The current app's huey."""
        return self.binding().huey

    @staticmethod
    def _bind(app: Flask, huey, name: str, reg: _Registered):
        @functools.wraps(reg.fn)
        def run_in_app(*args, request_id=None, task=None):
            left = _RETRIES_LEFT.set(task.retries if task is not None else 0)
            with bound_request_id(request_id), app.app_context():
                try:
                    result = reg.fn(*args)
                    db.session.commit()
                    return result
                except Exception:
                    db.session.rollback()
                    log.exception("job %s failed", name)
                    raise
                finally:
                    db.session.remove()
                    _RETRIES_LEFT.reset(left)

        # huey names a task "<module>.<name>" from the wrapped function already.
        short = reg.fn.__name__
        if reg.schedule is not None:
            return huey.periodic_task(crontab(**reg.schedule), name=short)(run_in_app)
        return huey.task(retries=reg.retries, retry_delay=reg.retry_delay, retry_backoff=reg.retry_backoff,
                         context=True, name=short)(run_in_app)

    def enqueue_now(self, name: str, *args, app: Flask | None = None) -> None:
        """Send a job immediately (CLI, or code that already committed)."""
        wrappers = self.binding(app).wrappers
        if name not in wrappers:
            raise KeyError(f"unknown job {name}")
        wrappers[name](*args, request_id=None if current_request_id() == "-" else current_request_id())

    def enqueue_after_commit(self, name: str, *args) -> None:
        pending = db.session.info.setdefault(_PENDING, {})
        # The same job for the same ids once per transaction; a dict keeps the order and finds repeats at once
        # (a notice to a whole school enqueues one e-mail per reader).
        app = current_app._get_current_object()
        pending.setdefault((id(self), id(app), name, args), (self, app, name, args))

    def consumer(self, workers: int = 2, app: Flask | None = None, periodic: bool = True):
        """A huey consumer for ``flask worker``; ``periodic=False`` leaves the periodic jobs to other workers."""
        huey = self.binding(app).huey
        if periodic:
            claim_ticks(huey)
        return huey.create_consumer(workers=workers, worker_type="thread", periodic=periodic,
                                    check_worker_health=True)

    def depth(self, app: Flask | None = None) -> dict[str, int]:
        """Jobs waiting now and jobs scheduled for later (retries): for metrics and readiness."""
        huey = self.binding(app).huey
        return {"pending": huey.pending_count(), "scheduled": huey.scheduled_count()}

    def names(self) -> list[str]:
        return sorted(self._registered)

    def bound_names(self, app: Flask | None = None) -> list[str]:
        return sorted(self.binding(app).wrappers)


def claim_ticks(huey) -> None:
    """Make this huey's scheduler enqueue a minute's periodic jobs only if it is first to claim that minute.

    The claim is an atomic put-if-empty in the queue's storage (HSETNX in Redis, an INSERT in the SQLite
    file), which every worker of a deployment shares; claims older than a few minutes are removed.
    """
    if getattr(huey, "_lms_claims_ticks", False):
        return
    read_periodic = huey.read_periodic
    me = f"{socket.gethostname()}:{os.getpid()}"

    def read_claimed(timestamp):
        due = read_periodic(timestamp)
        if not due:
            return due
        tick = (timestamp or huey._get_timestamp()).replace(second=0, microsecond=0)
        if not huey.put_if_empty(_TICK_KEY.format(tick), me):
            log.info("periodic tick %s: claimed by another worker", f"{tick:%Y-%m-%dT%H:%M}",
                     extra={"tick": f"{tick:%Y-%m-%dT%H:%M}", "claimed": False})
            return []
        log.info("periodic tick %s: enqueueing %d jobs", f"{tick:%Y-%m-%dT%H:%M}", len(due),
                 extra={"tick": f"{tick:%Y-%m-%dT%H:%M}", "claimed": True, "jobs": len(due)})
        for minutes in range(3, 8):
            huey.storage.delete_data(_TICK_KEY.format(tick - timedelta(minutes=minutes)))
        return due

    huey.read_periodic = read_claimed
    huey._lms_claims_ticks = True


def retries_left() -> int:
    """How many more times huey will run the current job if it raises now (0 outside a queued run)."""
    return _RETRIES_LEFT.get() or 0


def final_attempt() -> bool:
    """True when the running job has no retry left, so a failure now is final."""
    return retries_left() == 0


class _JobHandle:
    def __init__(self, queue: JobQueue, name: str):
        self.queue, self.name = queue, name

    def enqueue(self, *args) -> None:
        """Run this job with ``args`` once the current database transaction commits."""
        self.queue.enqueue_after_commit(self.name, *args)

    def run_now(self, *args):
        """Call the job body directly in the current app context (CLI, tests of the body itself)."""
        return self.queue._registered[self.name].fn(*args)


jobs = JobQueue()


@event.listens_for(Session, "after_commit")
def _send_pending(session):
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    for queue, app, name, args in pending.values():
        try:
            queue.enqueue_now(name, *args, app=app)
        except Exception:
            # A lost enqueue must not undo a committed request; the periodic reconcilers pick it up.
            log.exception("could not enqueue %s", name)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session):
    session.info.pop(_PENDING, None)
