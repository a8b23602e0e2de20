"""Gradebook use cases: columns, score entry, averages, year view, exam posting, lock, sign and verify.

Services take the acting user (None for the exam pipeline), raise domain errors, flush and never commit:
the request or the exam transaction that called them commits once. Every score change goes through
``scores._apply`` so the change log and the delivery outbox cannot be skipped.

The modules, lowest first: ``columns`` (identity, lock, columns), ``scores`` (entry and change log),
``qualities`` (primary qualities and year result), ``summaries`` (averages, the gradebook, a student's year),
``imports`` (XLSX/CSV), ``exam_results`` (posting exam scores), ``package_scores`` (a lecture's package counted
in a column, posted the exam way), ``signoffs`` (one subject's sign-off),
``class_summaries`` (the class's semester summary, signed by the homeroom teacher and the principal). This package re-exports what routes, views,
handlers and the API use, so callers keep writing ``services.build_gradebook``.
"""
from __future__ import annotations

from .class_summaries import build_summary, check_signer, class_summary, sign_summary, unlock_summary
from .columns import (
    MAX_COLUMNS_PER_BOOK, book_columns, column_value_kind, create_column, ensure_unlocked, get_column, get_lock,
    is_locked, is_summary_locked, required_tx, subject_or_404, update_column, value_kind,
)
from .exam_results import (
    counted_result, post_exam_score, record_exam_result, release_exam_columns, sync_exam_columns,
)
from .imports import import_sheet
from .package_scores import link_package, post_package_score, unlink_package
from .qualities import qualities_of, set_qualities
from .scores import Entry, _apply, change_log, display, parse_entry, set_comments, set_scores
from .signoffs import sign, snapshot, trusted_roots, unlock, verify
from .summaries import RowAverage, build_gradebook, row_average, student_year

__all__ = [
    "build_summary", "check_signer", "class_summary", "sign_summary", "unlock_summary", "column_value_kind",
    "is_summary_locked", "value_kind", "qualities_of", "set_qualities",
    "MAX_COLUMNS_PER_BOOK", "Entry", "RowAverage", "_apply", "book_columns", "build_gradebook", "change_log",
    "counted_result", "create_column", "release_exam_columns", "display", "ensure_unlocked", "get_column", "get_lock", "import_sheet",
    "is_locked", "parse_entry", "post_exam_score", "record_exam_result", "required_tx", "row_average", "set_comments",
    "set_scores", "sign", "snapshot", "student_year", "subject_or_404", "sync_exam_columns", "trusted_roots",
    "unlock", "update_column", "verify", "link_package", "post_package_score", "unlink_package",
]
