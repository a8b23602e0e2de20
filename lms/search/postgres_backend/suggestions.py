""""Did you mean": syllables that match nothing are replaced by their nearest known word (``pg_trgm``).

Trigram similarity finds candidates among the folded vocabulary (ASCII, so the database locale cannot
split a word); an edit distance of at most 1 (short words) or 2 then keeps the close ones, typed the way
the caller typed (with or without diacritics). A candidate is only taken if it finds something the caller
may see, and the corrected query only offered if it does, so a suggestion never reveals a hidden word.
"""
from __future__ import annotations

from sqlalchemy import text

from .vectors import fold_token, quote

#: Candidates read per syllable before the edit-distance check.
CANDIDATES = 12


def remember(session, words: set[str]) -> None:
    """Add ``words`` to the vocabulary (sorted, so concurrent writers take the same locks in one order)."""
    if not words:
        return
    ordered = sorted(words)
    session.execute(text(
        "INSERT INTO search_terms (word, folded) SELECT * FROM unnest(CAST(:w AS varchar[]), CAST(:f AS varchar[])) "
        "ON CONFLICT (word) DO NOTHING"), {"w": ordered, "f": [fold_token(w) for w in ordered]})


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insert, delete, substitute) between two short words."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def suggest(session, exact_tokens: list[str], scope: str, params: dict, teacher_fields: bool) -> str | None:
    """Return the corrected query, or ``None``; ``scope`` is the caller's Allow and filters as SQL."""
    restrict = "" if teacher_fields else ":AB"

    def visible(condition: str, query: str) -> bool:
        return session.execute(text(f"SELECT EXISTS (SELECT 1 FROM search_documents WHERE {scope} AND "
                                    f"{condition} @@ CAST(:suggest_q AS tsquery))"),
                               {**params, "suggest_q": query}).scalar()

    corrected, changed = [], False
    for token in exact_tokens:
        plain = fold_token(token) == token
        column = "folded_tsv" if plain else "exact_tsv"
        if session.execute(text(f"SELECT EXISTS (SELECT 1 FROM search_documents WHERE {column} @@ "
                                f"CAST(:t AS tsquery))"), {"t": quote(token) + ":AB"}).scalar():
            corrected.append(token)
            continue
        rows = session.execute(text(
            "SELECT word, folded, similarity(folded, :f) AS s FROM search_terms WHERE folded % :f "
            "ORDER BY s DESC, word LIMIT :n"), {"f": fold_token(token), "n": CANDIDATES}).all()
        limit = 1 if len(token) <= 4 else 2
        seen, candidates = set(), []
        for word, folded, similarity in rows:
            candidate = folded if plain else word
            distance = edit_distance(token, candidate)
            if candidate not in seen and 0 < distance <= limit:
                seen.add(candidate)
                candidates.append((distance, -similarity, candidate))
        best = next((c for _d, _s, c in sorted(candidates)
                     if visible(column, quote(c) + restrict)), None)
        corrected.append(best or token)
        changed = changed or best is not None
    if not changed:
        return None
    match = " & ".join(quote(fold_token(t)) + restrict for t in corrected)
    return " ".join(corrected) if visible("folded_tsv", match) else None
