import os
import time

from sqlalchemy import select

from lms.core.db import db
from lms.core.jobs import JobQueue, jobs


def _queue_with_probe(app, huey):
    """A separate queue with one job that records a school name, bound to ``huey``."""
    from lms.accounts.models import School

    queue = JobQueue()

    @queue.task()
    def rename_school(school_id, name):
        db.session.get(School, school_id).name = name

    queue.init_app(app, huey=huey)
    return queue, rename_school


def test_enqueued_job_runs_only_after_commit(app, factory):
    from huey import MemoryHuey
    from lms.accounts.models import School

    school_id = factory.school()
    queue, job = _queue_with_probe(app, MemoryHuey("t", immediate=True))
    with app.app_context():
        job.enqueue(school_id, "Đã đổi tên")
        db.session.rollback()  # a rolled-back request sends nothing
        assert db.session.get(School, school_id).name != "Đã đổi tên"
        job.enqueue(school_id, "Đã đổi tên")
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(School, school_id).name == "Đã đổi tên"


def test_a_real_consumer_runs_the_job(app, factory, tmp_path):
    """SqliteHuey in the data dir by default; RedisHuey when REDIS_URL is set (the PostgreSQL+Redis run)."""
    from huey import RedisHuey, SqliteHuey
    from lms.accounts.models import School

    school_id = factory.school()
    if os.environ.get("REDIS_URL"):
        huey = RedisHuey(f"lms-test-{os.getpid()}", url=os.environ["REDIS_URL"])
    else:
        huey = SqliteHuey("lms-test", filename=str(tmp_path / "jobs.db"))
    queue, job = _queue_with_probe(app, huey)
    consumer = queue.consumer(workers=1, app=app)
    consumer._set_signal_handlers = lambda: None  # signals belong to the main thread; pytest owns it here
    with app.app_context():
        job.enqueue(school_id, "Từ hàng đợi")
        db.session.commit()
    consumer.start()
    try:
        deadline = time.time() + 20
        while time.time() < deadline:
            with app.app_context():
                if db.session.scalar(select(School.name).where(School.id == school_id)) == "Từ hàng đợi":
                    break
            time.sleep(0.1)
        else:
            raise AssertionError("the consumer did not run the job")
    finally:
        consumer.stop(graceful=False)
        huey.flush()


def test_every_declared_job_is_bound(app):
    with app.app_context():
        assert jobs.huey is not None
        assert jobs.bound_names() == jobs.names()


def test_a_second_app_in_the_process_does_not_take_the_first_apps_jobs(app, factory, tmp_path):
    """Each app runs its own jobs in its own context (tests/core/test_migrations.py builds a second app)."""
    from lms.app import create_app

    # SQLite searches with whoosh; the PG pass also sets REDIS_URL, which whoosh allows only when told so.
    other = create_app({"TESTING": True, "LMS_DATA_DIR": str(tmp_path), "SECRET_KEY": "y" * 40,
                        "DATABASE_URL": f"sqlite:///{tmp_path / 'other.db'}", "JOBS_IMMEDIATE": "true",
                        "SEARCH_ALLOW_LOCAL_INDEX": "1"})
    with app.app_context(), other.app_context():
        assert jobs.binding(app).app is app and jobs.binding(other).app is other
        assert jobs.binding(app).huey is not jobs.binding(other).huey
