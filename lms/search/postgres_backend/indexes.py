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
    FILTER_FIELDS,
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
from .vectors import RANK_WEIGHTS, Queries, allow_query, analyse

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
        """Add a bind parameter; returns its placeholder."""
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    def test(self, field: str, values: tuple[str, ...]) -> str:
        """``field`` has one of ``values`` (for ``class_ids``: shares one), as SQL on the columns."""
        column = COLUMNS[field]
        if field == "class_ids":
            return f"{column} && CAST({self.bind(list(values))} AS varchar[])"
        if len(values) == 1:
            return f"{column} = {self.bind(values[0])}"
        return f"{column} = ANY(CAST({self.bind(list(values))} AS varchar[]))"

    def allow(self, allow: Allow) -> str:
        """``allow`` as SQL on the columns (the search itself tests it in the GIN index instead)."""
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
        # Inside an app context: the caller's session and transaction. Outside: one of our own, committed.
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
            exact, folded, words = analyse(p["title"], p["body"], p["teacher_only"],
                                           {field: p[field] for field in FILTER_FIELDS})
            rows.append({"doc_type": p["type"], "obj_id": p["obj_id"], "title": p["title"], "body": p["body"],
                         **{name: p[name] for name in ("subject", "grade", "level", "status", "qtype",
                                                        "visibility", "owner_id", "school_id", "audience")},
                         "class_ids": list(p["class_ids"]), "updated_at": p["updated_at"],
                         "exact_tsv": exact, "folded_tsv": folded})
            vocabulary |= words
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
        """See :meth:`lms.search.backends.SearchBackend.search`.

        One statement: the GIN index finds the rows that hold every folded syllable *and* the caller's
        Allow (filter lexemes of ``folded_tsv``), so only rows the caller may see are read; they are read
        once into ``m``, which gives the total, each facet (under every active filter but its own) and the
        ranked page. Only hits passing every filter are scored.
        """
        if not isinstance(allow, Allow):
            raise TypeError("allow must be an Allow")
        check_paging(page, per_page)
        if not allow.unrestricted and not allow.clauses:
            return Results(total=0, items=[], facets={name: {} for name in FACET_FIELDS}, page=page,
                           per_page=per_page)
        exact_tokens = query_tokens(q)[:MAX_QUERY_TOKENS]
        active = {name: str(value) for name, value in (("type", type), ("subject", subject), ("grade", grade),
                                                        ("level", level), ("status", status), ("qtype", qtype))
                  if value not in (None, "")}
        sql = Sql()
        queries = Queries(exact_tokens, teacher_fields) if exact_tokens else None
        parts = ([f"({queries.match})"] if queries else []) + ([] if allow.unrestricted
                                                               else [f"({allow_query(allow.clauses)})"])
        where = f"folded_tsv @@ CAST({sql.bind(' & '.join(parts))} AS tsquery)" if parts else "TRUE"
        flags = {name: sql.test(name, (value,)) for name, value in active.items()}
        with self._session() as session:
            total, facets, items = self._run(session, sql, where, flags, queries, page, per_page)
            suggestion = None
            if total < SUGGEST_BELOW and exact_tokens:
                scope = " AND ".join([sql.allow(allow)] + list(flags.values()))
                suggestion = suggestions.suggest(session, exact_tokens, scope, sql.params, teacher_fields)
        return Results(total=total, items=items, facets=facets, suggestion=suggestion, page=page,
                       per_page=per_page)

    @staticmethod
    def _run(session, sql: Sql, where: str, flags: dict[str, str], queries: Queries | None, page: int,
             per_page: int) -> tuple[int, dict, list[dict]]:
        names = list(flags)
        all_flags = " AND ".join(f"f_{n}" for n in names) or "TRUE"
        if queries is None:
            # A blank query lists everything visible, newest first, every hit scoring 1.0.
            score, order = "1.0", "updated_at DESC, doc_type, obj_id"
        else:
            weights = f"CAST({sql.bind(RANK_WEIGHTS)} AS real[])"
            terms = [f"ts_rank({weights}, folded_tsv, CAST({sql.bind(queries.folded_any)} AS tsquery))",
                     f"{_W_EXACT} * ts_rank({weights}, exact_tsv, CAST({sql.bind(queries.exact)} AS tsquery))"]
            # ts_rank treats <-> like &, so each adjacent pair the document holds as typed adds a fixed
            # bonus (about one title match) instead.
            terms += [f"{_W_PHRASE} * (folded_tsv @@ CAST({sql.bind(pair)} AS tsquery))::int"
                      for pair in queries.phrases]
            score, order = " + ".join(terms), "score DESC, doc_type, obj_id"
        flag_columns = "".join(f", ({cond}) AS f_{name}" for name, cond in flags.items())
        # Only hits passing every filter are scored; the others only count towards facets.
        scored = f"CASE WHEN {' AND '.join(flags.values()) or 'TRUE'} THEN {score} END"
        limit, offset = sql.bind(per_page), sql.bind((page - 1) * per_page)
        # The first branch types the columns: (kind, value, count, obj_id, title, score, body, rank).
        selects = [f"SELECT 'total', NULL::varchar, count(*), NULL::varchar, NULL::text, NULL::float8, NULL::text, "
                   f"NULL::bigint FROM m WHERE {all_flags}"]
        for facet in FACET_FIELDS:
            column = COLUMNS[facet]
            others = " AND ".join(f"f_{n}" for n in names if n != facet) or "TRUE"
            selects.append(f"SELECT '{facet}', {column}, count(*), NULL, NULL, NULL, NULL, NULL FROM m "
                           f"WHERE {others} GROUP BY {column}")
        selects.append(f"SELECT 'hit', t.doc_type, NULL, t.obj_id, d.title, t.score, "
                       f"left(d.body, {SNIPPET_SOURCE_CHARS}), t.n FROM top t "
                       f"JOIN search_documents d USING (doc_type, obj_id)")
        statement = (
            f"WITH m AS MATERIALIZED (SELECT doc_type, obj_id, subject, grade, level, status, updated_at"
            f"{flag_columns}, {scored} AS score FROM search_documents WHERE {where}), "
            f"page AS (SELECT doc_type, obj_id, score FROM m WHERE {all_flags} ORDER BY {order} "
            f"LIMIT {limit} OFFSET {offset}), "
            # Numbered after the LIMIT (a top-N sort), not over every hit (a full sort).
            f"top AS (SELECT *, row_number() OVER () AS n FROM page) "
            + " UNION ALL ".join(selects))
        total, facets, hits = 0, {name: {} for name in FACET_FIELDS}, []
        for kind, value, n, obj_id, title, score_, body, rank in session.execute(text(statement), sql.params):
            if kind == "total":
                total = n
            elif kind == "hit":
                hits.append((rank, value, obj_id, title, score_, body))
            else:
                facets[kind][value] = n
        marked = set(queries.folded) if queries is not None else set()
        items = [{"type": doc_type, "id": int(obj_id) if obj_id.isdigit() else obj_id, "title": title or "",
                  "snippet": snippet(body or "", marked), "score": round(float(score_), 4)}
                 for _rank, doc_type, obj_id, title, score_, body in sorted(hits)]
        return total, {name: sorted_counts(counts) for name, counts in facets.items()}, items

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
