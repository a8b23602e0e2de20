"""The SQLAlchemy handle, model base and column helpers shared by every feature."""
from __future__ import annotations

from datetime import datetime, timezone

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, MetaData, TypeDecorator, event
from sqlalchemy.engine import Engine

# Stable constraint names so Alembic batch mode on SQLite and plain ALTERs on PostgreSQL agree.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))


def utcnow() -> datetime:
    """Timezone-aware now in UTC; every timestamp is stored in UTC."""
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """A DateTime that always comes back timezone-aware (SQLite forgets the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use lms.core.db.utcnow()")
        return value.astimezone(timezone.utc) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value


#: How long a SQLite writer waits for another's lock before giving up (the embedded default serves several threads).
SQLITE_BUSY_TIMEOUT_MS = 30_000


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """WAL lets readers go on while one writer commits; a busy timeout queues writers instead of failing them."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def month_key(column, zone: str):
    """SQL for ``YYYY-MM`` of a UTC timestamp column as seen in ``zone``, on PostgreSQL and SQLite alike,
    so monthly figures group by the local calendar month (a question written at 06:00 on the 1st in Hanoi
    is still in the previous month in UTC)."""
    from zoneinfo import ZoneInfo

    from sqlalchemy import func

    if db.engine.dialect.name == "postgresql":
        return func.to_char(func.timezone(zone, column), "YYYY-MM")
    # SQLite keeps UTC text; shift by the zone's offset now (Vietnam has no daylight saving time).
    minutes = int(ZoneInfo(zone).utcoffset(datetime.now()).total_seconds() // 60)
    return func.strftime("%Y-%m", column, f"{minutes:+d} minutes")


def for_update(stmt, *, of=None):
    """Make ``stmt`` (the SELECT of the row a write depends on) exclusive until the transaction ends, on every
    engine: the one way features order writers that read, check and then write the same row (an exam attempt's
    submit and auto-submit). A writer whose first statement is itself a write of that row (an UPDATE guarded
    by the row's state) needs no more: that statement waits for the same lock.

    PostgreSQL: ``SELECT ... FOR UPDATE`` (of ``of``), so a second writer of that row waits for the first to
    commit and then reads what it wrote. SQLite has no row locks and its default (deferred) transactions read
    first and take the database's write lock only at their first write, which let a submit grade answers that
    a parallel save then overwrote and acknowledged. There the transaction takes the write lock *before* the
    read (``BEGIN IMMEDIATE``, under the busy timeout), so writers of any row run one after another, and the
    read sees every earlier commit. ``populate_existing`` refreshes an object the session already holds.
    """
    stmt = stmt.execution_options(populate_existing=True)
    if db.session.get_bind().dialect.name == "sqlite":
        begin_immediate()
        return stmt
    return stmt.with_for_update(of=of)


def begin_immediate() -> None:
    """On SQLite, make the session's transaction hold the write lock from now on (no-op on other engines).

    pysqlite (legacy transaction control) opens a transaction only before the first INSERT/UPDATE/DELETE, so
    reads until then ran in autocommit and ``BEGIN IMMEDIATE`` can start one here; a transaction that has
    already written holds the lock and is left as it is.
    """
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return
    if not connection.connection.driver_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
