"""Who may find what: the search permission filter, built from the owning features' own rules.

Each feature states what a user may see of its objects as :class:`~lms.search.documents.Allow` clauses
(``search_allow_clauses(user)``); search only combines them. Two guarantees are added here, whatever a
feature returns: a clause from one feature can never match another feature's documents, and students get
no question-bank clauses at all (the bank is staff material; students meet questions only inside exams).
"""
from __future__ import annotations

from typing import Mapping

from lms.core.permissions import STAFF

from .documents import Allow

#: Types whose documents only staff may find.
STAFF_ONLY_TYPES = frozenset({"question"})


def may_search_teacher_fields(user) -> bool:
    """Teacher-only text (question explanations) is searched for staff only."""
    return getattr(user, "role", None) in STAFF


def _scoped(type_: str, clause: Mapping) -> dict | None:
    """Pin ``clause`` to documents of ``type_``; ``None`` if the clause names only other types."""
    clause = dict(clause)
    wanted = clause.get("type")
    if wanted is None:
        clause["type"] = type_
        return clause
    allowed = wanted if isinstance(wanted, (list, tuple, set, frozenset)) else [wanted]
    if type_ not in allowed:
        return None
    clause["type"] = type_
    return clause


def allow_for(user, sources: Mapping) -> Allow:
    """Return the :class:`Allow` filter of ``user`` over every source in ``sources`` (``{type: api}``).

    Without a user, or for a role that is neither staff nor student, nothing is visible.
    """
    role = getattr(user, "role", None)
    if role is None:
        return Allow()
    clauses = []
    for type_, api in sources.items():
        if type_ in STAFF_ONLY_TYPES and role not in STAFF:
            continue
        for clause in api.search_allow_clauses(user) or ():
            scoped = _scoped(type_, clause)
            if scoped is not None:
                clauses.append(scoped)
    return Allow(any_of=clauses)
