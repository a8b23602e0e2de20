"""The floor of an autosave: the least a Flask app can do to store one answer, for ``exam_day_bench.py``.

Same database (``DATABASE_URL``, the kernel's SQLite pragmas: WAL, busy timeout), same gunicorn settings as
the real server, and the same request (``PUT`` with the bench's JSON body and bearer header), but it
authenticates nothing, checks nothing and upserts one row of its own table in one statement. The CPU the real
autosave spends per request, divided by this app's, is the overhead of everything the product adds
(authentication, permission checks, validation, ordering with submit, the ORM, the API layer). Not a product
endpoint: never mounted in ``lms``::

    DATABASE_URL=... gunicorn -w 2 -k gthread --threads 8 --chdir bench floor_app:app
"""
from __future__ import annotations

import os
from datetime import datetime, timezone

from flask import Flask, jsonify, request
from sqlalchemy import JSON, Column, DateTime, Integer, MetaData, Table, create_engine

from lms.core import db as kernel_db  # registers the kernel's SQLite pragmas on every engine

metadata = MetaData()
answers = Table("bench_floor_answers", metadata,
                Column("attempt_id", Integer, primary_key=True), Column("question_id", Integer, primary_key=True),
                Column("answer", JSON), Column("answered_at", DateTime))


def _upsert(dialect: str):
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(answers)
    return stmt.on_conflict_do_update(index_elements=[answers.c.attempt_id, answers.c.question_id],
                                      set_={"answer": stmt.excluded.answer, "answered_at": stmt.excluded.answered_at})


def create_schema(url: str) -> None:
    engine = create_engine(url)
    metadata.create_all(engine)
    engine.dispose()


def create_floor_app() -> Flask:
    url = os.environ["DATABASE_URL"]
    # pool_pre_ping as lms.core.config sets it for PostgreSQL, so both apps pay the same per-checkout ping, and
    # the kernel's connection class on SQLite (writers taking turns), so both queue alike.
    engine = create_engine(url, **kernel_db.engine_options(url, {"pool_pre_ping": url.startswith("postgres")}))
    upsert = _upsert(engine.dialect.name)
    app = Flask(__name__)

    @app.put("/floor/attempts/<int:attempt_id>/answers")
    def save(attempt_id: int):
        body = request.get_json()
        question_id, value = next(iter(body["answers"].items()))
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        with engine.begin() as conn:
            conn.execute(upsert, {"attempt_id": attempt_id, "question_id": int(question_id), "answer": value,
                                  "answered_at": now})
        return jsonify(saved_at=now.isoformat() + "Z", seq=body.get("seq"))

    return app


if os.environ.get("DATABASE_URL"):
    app = create_floor_app()
