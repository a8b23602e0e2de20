"""The background job port: huey behind a small interface, the only module that imports huey.

SqliteHuey in ``LMS_DATA_DIR`` by default, RedisHuey when ``REDIS_URL`` is set, and huey's immediate mode
when ``JOBS_IMMEDIATE`` is on (tests). Jobs take ids, run in their own app context and commit once; they are
enqueued only after the surrounding database transaction commits, so a worker never sees a row that was
rolled back or not yet written.
"""
from __future__ import annotations

import functools
import logging
import os
from dataclasses import dataclass

from flask import Flask
from huey import MemoryHuey, RedisHuey, SqliteHuey, crontab
from sqlalchemy import event
from sqlalchemy.orm import Session

from .db import db

log = logging.getLogger(__name__)

_PENDING = "lms_pending_jobs"


@dataclass
class _Registered:
    fn: object
    retries: int
    retry_delay: int
    schedule: dict | None


class JobQueue:
    """Registry of job functions bound to one huey instance per app."""

    def __init__(self):
        self._registered: dict[str, _Registered] = {}
        self._wrappers: dict[str, object] = {}
        self.huey = None
        self.app: Flask | None = None

    def task(self, *, retries: int = 0, retry_delay: int = 0):
        """Declare a job. Call ``job.enqueue(*ids)`` to run it after the current transaction commits."""
        def decorator(fn):
            name = f"{fn.__module__}.{fn.__name__}"
            self._registered[name] = _Registered(fn, retries, retry_delay, None)
            return _JobHandle(self, name)
        return decorator

    def periodic(self, **cron):
        """Declare a periodic job with crontab fields (``minute="*/15"``)."""
        def decorator(fn):
            name = f"{fn.__module__}.{fn.__name__}"
            self._registered[name] = _Registered(fn, 0, 0, cron)
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
        self.huey = huey
        self.app = app
        self._wrappers = {}
        for name, reg in self._registered.items():
            self._bind(name, reg)

    def _bind(self, name: str, reg: _Registered) -> None:
        app = self.app

        @functools.wraps(reg.fn)
        def run_in_app(*args):
            with app.app_context():
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

        if reg.schedule is not None:
            wrapper = self.huey.periodic_task(crontab(**reg.schedule), name=name)(run_in_app)
        else:
            wrapper = self.huey.task(retries=reg.retries, retry_delay=reg.retry_delay, name=name)(run_in_app)
        self._wrappers[name] = wrapper

    def enqueue_now(self, name: str, *args) -> None:
        """Send a job immediately (CLI, or code that already committed)."""
        if name not in self._wrappers:
            raise KeyError(f"unknown job {name}")
        self._wrappers[name](*args)

    def enqueue_after_commit(self, name: str, *args) -> None:
        pending = db.session.info.setdefault(_PENDING, [])
        if (self, name, args) not in pending:  # the same job for the same ids once per transaction
            pending.append((self, name, args))

    def consumer(self, workers: int = 2):
        """A huey consumer for ``flask worker``."""
        return self.huey.create_consumer(workers=workers, worker_type="thread", periodic=True,
                                         check_worker_health=True)

    def names(self) -> list[str]:
        return sorted(self._registered)


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
    for queue, name, args in pending:
        try:
            queue.enqueue_now(name, *args)
        except Exception:
            # A lost enqueue must not undo a committed request; the periodic reconcilers pick it up.
            log.exception("could not enqueue %s", name)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session):
    session.info.pop(_PENDING, None)
