"""The tables of the ``postgres`` search backend.

``search_documents`` holds one row per indexed lecture or question: the filter and facet columns, the
cleaned text (the snippet source) and two ``tsvector`` columns built in Python (:mod:`.vectors`), so
PostgreSQL's parser never re-tokenises Vietnamese and both backends fold the same way. ``search_terms`` is
the vocabulary "did you mean" looks up through ``pg_trgm``. On SQLite the tables exist (one schema for
both databases) but stay empty: the ``whoosh`` backend is used there.
"""
from __future__ import annotations

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.db import db

_TSVECTOR = Text().with_variant(TSVECTOR(), "postgresql")
_STRINGS = JSON().with_variant(ARRAY(String(40)), "postgresql")


class SearchDocument(db.Model):
    """One indexed lecture or question, written in the same transaction as the change it reflects."""

    __tablename__ = "search_documents"

    #: "lecture" | "question"
    doc_type: Mapped[str] = mapped_column(String(16), primary_key=True)
    #: the object's id, as text (documents.doc_key is "<doc_type>:<obj_id>")
    obj_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    #: plain text, shown as the hit's title
    title: Mapped[str] = mapped_column(Text, default="")
    #: plain text of the body (HTML and LaTeX reduced): snippets are cut from it
    body: Mapped[str] = mapped_column(Text, default="")
    #: facet and filter values, as text like the Allow clauses that test them
    subject: Mapped[str | None] = mapped_column(String(40))
    grade: Mapped[str | None] = mapped_column(String(8))
    level: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str | None] = mapped_column(String(40))
    qtype: Mapped[str | None] = mapped_column(String(40))
    #: permission columns: visibility, owner, school, classes (any of), audience ("staff" for the bank)
    visibility: Mapped[str | None] = mapped_column(String(40))
    owner_id: Mapped[str | None] = mapped_column(String(40))
    school_id: Mapped[str | None] = mapped_column(String(40))
    #: ["7", "8"]: the classes a class lecture is shown to
    class_ids: Mapped[list | None] = mapped_column(_STRINGS)
    audience: Mapped[str | None] = mapped_column(String(40))
    #: the object's updated_at as a UTC ISO string, compared by reconciliation
    updated_at: Mapped[str] = mapped_column(String(40), default="")
    #: syllables with their diacritics, lowercased: title weight A, body B, teacher-only text D
    exact_tsv: Mapped[str] = mapped_column(_TSVECTOR)
    #: the same syllables folded (diacritics removed, đ -> d), same weights and positions
    folded_tsv: Mapped[str] = mapped_column(_TSVECTOR)

    __table_args__ = (
        Index("ix_search_documents_exact_tsv", "exact_tsv", postgresql_using="gin"),
        Index("ix_search_documents_folded_tsv", "folded_tsv", postgresql_using="gin"),
        Index("ix_search_documents_class_ids", "class_ids", postgresql_using="gin"),
    )


class SearchTerm(db.Model):
    """A word seen in a title or body, for "did you mean" (never deleted: a suggestion is only offered
    when it finds something the caller may see, so a word whose documents are gone is never suggested)."""

    __tablename__ = "search_terms"

    #: lowercased, diacritics kept
    word: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: the folded word; pg_trgm compares ASCII, which every database locale splits the same way
    folded: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_search_terms_folded_trgm", "folded", postgresql_using="gin",
              postgresql_ops={"folded": "gin_trgm_ops"}),
    )
