"""The ``postgres`` backend's index: rows of ``search_documents`` read and written through SQL.

Inside an app context every call runs on ``db.session``, in the caller's transaction: an edit and its
index row commit (or roll back) together, so every node sees the change at its commit and nothing needs a
rebuild after a crash. Outside one (tests, the benchmark) a call opens the app's context, commits and
closes it. Permission filters, totals and facets are all computed in SQL under the caller's ``Allow``.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterable, Iterator, Mapping

from flask import Flask, has_app_context
from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert

from lms.core.db import db
from lms.search.analysis import query_tokens
from lms.search.backends import SearchBackend
from lms.search.documents import (
    FACET_FIELDS,
    MAX_QUERY_TOKENS,
    SNIPPET_SOURCE_CHARS,
    SUGGEST_BELOW,
    Allow,
    Results,
    check_paging,
    prepare,
    sorted_counts,
    split_key,
)

from . import suggestions
from .models import SearchDocument
from .snippets import snippet
from .vectors import RANK_WEIGHTS, Queries, vectors, words

#: Index document field -> column of search_documents.
COLUMNS = {"type": "doc_type", "subject": "subject", "grade": "grade", "level": "level", "status": "status",
           "qtype": "qtype", "visibility": "visibility", "owner_id": "owner_id", "school_id": "school_id",
           "class_ids": "class_ids", "audience": "audience"}
_UPDATED = ("title", "body", "subject", "grade", "level", "status", "qtype", "visibility", "owner_id",
            "school_id", "class_ids", "audience", "updated_at", "exact_tsv", "folded_tsv")
# Relative weights of the rank parts: the syllables as typed (diacritics and all) and the typed
# two-syllable words count above the folded match every hit has. ts_rank of one title occurrence is ~0.06.
_W_EXACT, _W_PHRASE = 2.0, 0.05


class Sql:
    """A WHERE fragment and its bind parameters, built with generated parameter names."""

    def __init__(self):
        self.params: dict[str, Any] = {}

    def bind(self, value) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    def test(self, field: str, values: tuple[str, ...]) -> str:
        column = COLUMNS[field]
        if field == "class_ids":
            return f"{column} && CAST({self.bind(list(values))} AS varchar[])"
        if len(values) == 1:
            return f"{column} = {self.bind(values[0])}"
        return f"{column} = ANY(CAST({self.bind(list(values))} AS varchar[]))"

    def allow(self, allow: Allow) -> str:
        if allow.unrestricted:
            return "TRUE"
        if not allow.clauses:
            return "FALSE"
        return "(" + " OR ".join("(" + " AND ".join(self.test(n, v) for n, v in clause) + ")"
                                 for clause in allow.clauses) + ")"


class PostgresIndex(SearchBackend):
    """The search index of ``app`` in its PostgreSQL database (see the module docstring)."""

    transactional = True

    def __init__(self, app: Flask):
        self.app = app

    @contextmanager
    def _session(self) -> Iterator:
        if has_app_context():
            yield db.session
            return
        with self.app.app_context():
            try:
                yield db.session
                db.session.commit()
            except BaseException:
                db.session.rollback()
                raise
            finally:
                db.session.remove()

    # -- writing -------------------------------------------------------------------------------------

    def upsert(self, docs: Iterable[Mapping[str, Any]]) -> int:
        """Add or replace documents in the current transaction; every one is validated first."""
        rows, vocabulary = [], set()
        for doc in docs:
            p = prepare(doc)
            exact, folded = vectors(p["title"], p["body"], p["teacher_only"])
            rows.append({"doc_type": p["type"], "obj_id": p["obj_id"], "title": p["title"], "body": p["body"],
                         **{name: p[name] for name in ("subject", "grade", "level", "status", "qtype",
                                                        "visibility", "owner_id", "school_id", "audience")},
                         "class_ids": list(p["class_ids"]), "updated_at": p["updated_at"],
                         "exact_tsv": exact, "folded_tsv": folded})
            vocabulary |= words(p["title"], p["body"])
        if not rows:
            return 0
        table = SearchDocument.__table__
        stmt = insert(table)
        stmt = stmt.on_conflict_do_update(index_elements=["doc_type", "obj_id"],
                                          set_={c: stmt.excluded[c] for c in _UPDATED})
        with self._session() as session:
            session.execute(stmt, rows)
            suggestions.remember(session, vocabulary)
        return len(rows)

    def delete(self, keys: Iterable[str]) -> int:
        """Delete documents by ``doc_key`` in the current transaction."""
        pairs = [split_key(k) for k in dict.fromkeys(keys)]
        if not pairs:
            return 0
        with self._session() as session:
            result = session.execute(text(
                "DELETE FROM search_documents WHERE (doc_type, obj_id) IN "
                "(SELECT * FROM unnest(CAST(:types AS varchar[]), CAST(:ids AS varchar[])))"),
                {"types": [t for t, _ in pairs], "ids": [i for _, i in pairs]})
            return result.rowcount

    def clear(self) -> None:
        """Remove every document (and the spelling vocabulary)."""
        with self._session() as session:
            session.execute(text("DELETE FROM search_documents"))
            session.execute(text("DELETE FROM search_terms"))

    # -- reading -------------------------------------------------------------------------------------

    def search(self, q: str | None, *, allow: Allow, type: str | None = None, subject: str | None = None,
               grade: str | int | None = None, level: str | None = None, status: str | None = None,
               qtype: str | None = None, page: int = 1, per_page: int = 20,
               teacher_fields: bool = False) -> Results:
        """See :meth:`lms.search.backends.SearchBackend.search`; one statement counts, one ranks a page."""
        if not isinstance(allow, Allow):
            raise TypeError("allow must be an Allow")
        check_paging(page, per_page)
        exact_tokens = query_tokens(q)[:MAX_QUERY_TOKENS]
        active = {name: str(value) for name, value in (("type", type), ("subject", subject), ("grade", grade),
                                                        ("level", level), ("status", status), ("qtype", qtype))
                  if value not in (None, "")}
        sql = Sql()
        queries = Queries(exact_tokens, teacher_fields) if exact_tokens else None
        where = [sql.allow(allow)]
        if queries is not None:
            where.append(f"folded_tsv @@ CAST({sql.bind(queries.match)} AS tsquery)")
        flags = {name: sql.test(name, (value,)) for name, value in active.items()}
        base = " AND ".join(where)

        with self._session() as session:
            total, facets = self._counts(session, sql, base, flags)
            items = []
            if (page - 1) * per_page < total:
                items = self._page(session, sql, base, flags, queries, page, per_page)
            suggestion = None
            if total < SUGGEST_BELOW and exact_tokens:
                scope = " AND ".join([sql.allow(allow)] + list(flags.values()))
                suggestion = suggestions.suggest(session, exact_tokens, scope, sql.params, teacher_fields)
        return Results(total=total, items=items, facets=facets, suggestion=suggestion, page=page,
                       per_page=per_page)

    @staticmethod
    def _counts(session, sql: Sql, base: str, flags: dict[str, str]) -> tuple[int, dict]:
        # One pass over the matching rows the caller may see; each facet is counted under every active
        # filter except its own, so the other values of a filtered facet stay offered.
        names = list(flags)
        columns = ", ".join(f"({cond}) AS f_{name}" for name, cond in flags.items())
        parts = ["SELECT 'total' AS facet, NULL AS value, count(*) AS n FROM m"
                 + _where([f"f_{n}" for n in names])]
        for facet in FACET_FIELDS:
            column = COLUMNS[facet]
            parts.append(f"SELECT '{facet}', {column}, count(*) FROM m"
                         + _where([f"f_{n}" for n in names if n != facet]) + f" GROUP BY {column}")
        statement = (f"WITH m AS MATERIALIZED (SELECT doc_type, subject, grade, level, status"
                     f"{', ' + columns if columns else ''} FROM search_documents WHERE {base}) "
                     + " UNION ALL ".join(parts))
        total, facets = 0, {name: {} for name in FACET_FIELDS}
        for facet, value, n in session.execute(text(statement), sql.params):
            if facet == "total":
                total = n
            else:
                facets[facet][value] = n
        return total, {name: sorted_counts(counts) for name, counts in facets.items()}

    @staticmethod
    def _page(session, sql: Sql, base: str, flags: dict[str, str], queries: Queries | None, page: int,
              per_page: int) -> list[dict]:
        where = " AND ".join([base] + list(flags.values()))
        if queries is None:
            # A blank query lists everything visible, newest first, every hit scoring 1.0.
            score, order = "1.0", "updated_at DESC, doc_type, obj_id"
        else:
            weights = sql.bind(RANK_WEIGHTS)
            parts = [f"ts_rank(CAST({weights} AS real[]), folded_tsv, CAST({sql.bind(queries.match)} AS tsquery))",
                     f"{_W_EXACT} * ts_rank(CAST({weights} AS real[]), exact_tsv, "
                     f"CAST({sql.bind(queries.exact)} AS tsquery))"]
            # ts_rank treats <-> like &, so each adjacent pair the document holds as typed adds a fixed bonus
            # (about one title match) instead.
            parts += [f"{_W_PHRASE} * (folded_tsv @@ CAST({sql.bind(pair)} AS tsquery))::int"
                      for pair in queries.phrases]
            score, order = " + ".join(parts), "score DESC, doc_type, obj_id"
        limit, offset = sql.bind(per_page), sql.bind((page - 1) * per_page)
        rows = session.execute(text(
            f"SELECT t.doc_type, t.obj_id, t.title, t.score, left(d.body, {SNIPPET_SOURCE_CHARS}) FROM "
            f"(SELECT doc_type, obj_id, title, updated_at, {score} AS score FROM search_documents WHERE {where} "
            f"ORDER BY {order} LIMIT {limit} OFFSET {offset}) t "
            f"JOIN search_documents d USING (doc_type, obj_id) ORDER BY {order.replace('updated_at', 't.updated_at')}"),
            sql.params).all()
        marked = set(queries.folded) if queries is not None else set()
        return [{"type": doc_type, "id": int(obj_id) if obj_id.isdigit() else obj_id, "title": title or "",
                 "snippet": snippet(body or "", marked),
                 "score": round(float(score), 4)} for doc_type, obj_id, title, score, body in rows]

    def doc_versions(self) -> dict[str, str]:
        """``{doc_key: updated_at}`` of every row."""
        with self._session() as session:
            rows = session.execute(text("SELECT doc_type, obj_id, updated_at FROM search_documents"))
            return {f"{t}:{i}": u for t, i, u in rows}

    def doc_count(self) -> int:
        """The number of rows."""
        with self._session() as session:
            return session.execute(text("SELECT count(*) FROM search_documents")).scalar_one()


def _where(conditions: list[str]) -> str:
    return " WHERE " + " AND ".join(conditions) if conditions else ""
