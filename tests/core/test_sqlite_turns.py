"""SQLite writers take turns (lms.core.db.WriterTurnConnection): threads of a process on a mutex, processes on
a file lock, instead of polling under SQLite's busy timeout. The engines here set the busy timeout to zero, so
a writer that reached SQLite while another held its write lock would fail at once: each test that passes shows
the wait happened in the turn."""
from __future__ import annotations

import subprocess
import sys
import textwrap
import threading

import pytest
from sqlalchemy import create_engine, event
from sqlalchemy.exc import OperationalError

from lms.core import db as kernel_db


def _engine(path, **options):
    url = f"sqlite:///{path}"
    engine = create_engine(url, **kernel_db.engine_options(url, options))

    @event.listens_for(engine, "connect")
    def no_busy_wait(dbapi_connection, record):  # runs after the kernel's pragmas (registered first, on Engine)
        dbapi_connection.execute("PRAGMA busy_timeout=0")

    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS t (x INTEGER)")
    return engine


def _write_in_thread(engine, value, done: list):
    def run():
        try:
            with engine.begin() as conn:
                conn.exec_driver_sql(f"INSERT INTO t VALUES ({value})")
            done.append(value)
        except Exception as exc:  # noqa: BLE001 (reported to the test)
            done.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _values(engine) -> list[int]:
    with engine.connect() as conn:
        return sorted(r[0] for r in conn.exec_driver_sql("SELECT x FROM t"))


@pytest.mark.parametrize("end", ["commit", "rollback", "close"])
def test_a_second_writer_waits_for_the_turn_and_goes_on_when_the_first_ends(tmp_path, end):
    engine = _engine(tmp_path / "turns.db")
    first = engine.connect()
    first.exec_driver_sql("INSERT INTO t VALUES (1)")  # holds the turn and SQLite's write lock
    assert first.connection.driver_connection._turn_step == 2
    done: list = []
    thread = _write_in_thread(engine, 2, done)
    thread.join(0.3)
    assert thread.is_alive() and done == []  # waiting for its turn, not failed by SQLite
    getattr(first, end)()  # close: the pool's reset rolls back, which ends the turn
    thread.join(10)
    assert done == [2]
    assert _values(engine) == ([1, 2] if end == "commit" else [2])
    engine.dispose()


def test_a_writer_of_another_process_waits_for_the_turn(tmp_path):
    engine = _engine(tmp_path / "turns.db")
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys
        from sqlalchemy import create_engine
        from lms.core import db as kernel_db
        url = "sqlite:///{tmp_path / 'turns.db'}"
        engine = create_engine(url, **kernel_db.engine_options(url, {{}}))
        with engine.connect() as conn:
            conn.exec_driver_sql("INSERT INTO t VALUES (1)")
            print("holding", flush=True)
            sys.stdin.readline()
            conn.commit()
        """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        done: list = []
        thread = _write_in_thread(engine, 2, done)
        thread.join(0.5)
        assert thread.is_alive() and done == []  # in flock, behind the other process
        holder.stdin.write("\n")
        holder.stdin.flush()
        thread.join(10)
        assert done == [2]
        assert _values(engine) == [1, 2]
    finally:
        holder.kill()
        holder.wait()
        engine.dispose()


def test_readers_do_not_wait_for_the_turn(tmp_path):
    engine = _engine(tmp_path / "turns.db")
    with engine.connect() as writer:
        writer.exec_driver_sql("INSERT INTO t VALUES (1)")
        seen: list = []

        def read():
            with engine.connect() as conn:
                seen.append(conn.exec_driver_sql("SELECT count(*) FROM t").scalar())

        reader = threading.Thread(target=read)
        reader.start()
        reader.join(5)
        assert seen == [0]  # WAL: the last commit, at once
        writer.rollback()
    engine.dispose()


def test_a_turn_never_given_up_fails_the_waiting_writer_as_sqlite_would(tmp_path, monkeypatch):
    monkeypatch.setattr(kernel_db, "SQLITE_BUSY_TIMEOUT_MS", 200)
    engine = _engine(tmp_path / "turns.db")
    with engine.connect() as first:
        first.exec_driver_sql("INSERT INTO t VALUES (1)")
        with engine.connect() as second, pytest.raises(OperationalError, match="database is locked"):
            second.exec_driver_sql("INSERT INTO t VALUES (2)")
        first.commit()
    with engine.begin() as conn:  # the writer that gave up left no turn behind
        conn.exec_driver_sql("INSERT INTO t VALUES (3)")
    assert _values(engine) == [1, 3]
    engine.dispose()


def test_in_memory_databases_share_nothing_and_take_no_turns():
    engine = create_engine("sqlite://", **kernel_db.engine_options("sqlite://", {}))
    with engine.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        conn.exec_driver_sql("INSERT INTO t VALUES (1)")
        assert conn.connection.driver_connection._turn_step == 0
    engine.dispose()


def test_other_engines_get_their_options_unchanged():
    options = {"pool_pre_ping": True}
    assert kernel_db.engine_options("postgresql+psycopg://u@h/db", options) is options


def test_turn_taking_connections_keep_the_kernel_pragmas(tmp_path):
    # WAL, the busy timeout and foreign keys are set on every SQLite connection, this subclass included.
    url = f"sqlite:///{tmp_path / 'pragmas.db'}"
    engine = create_engine(url, **kernel_db.engine_options(url, {}))
    with engine.connect() as conn:
        assert isinstance(conn.connection.driver_connection, kernel_db.WriterTurnConnection)
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == kernel_db.SQLITE_BUSY_TIMEOUT_MS
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_the_app_takes_turns_on_sqlite(app):
    with app.app_context():
        connection = kernel_db.db.session.connection()
        if connection.dialect.name != "sqlite":
            pytest.skip("SQLite only")
        assert isinstance(connection.connection.driver_connection, kernel_db.WriterTurnConnection)
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        kernel_db.db.session.rollback()
