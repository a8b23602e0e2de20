"""The whoosh backend's fast path reads Whoosh-Reloaded internals (posting blocks, the field-length column;
see lms/search/whoosh_backend/masks.py), so the version is pinned and this test compares it with whoosh's
own public search API on the same index: totals, the ranked page (ids and 4-decimal scores) and facets.
A whoosh upgrade that changes those internals fails here rather than in front of users."""
from __future__ import annotations

import pytest
from whoosh import sorting
from whoosh.query import And, AndMaybe, Every, Or, Term

from bench.search_bench import make_docs, make_queries
from lms.search.analysis import bigrams, fold, query_tokens
from lms.search.documents import FACET_FIELDS, MAX_QUERY_TOKENS, sorted_counts
from lms.search.whoosh_backend import SearchIndex, allow_query

W_FOLDED = {"title_f": 2.0, "body_f": 1.0, "teacher_only_f": 0.5}
W_EXACT = {"title": 4.0, "body": 2.0, "teacher_only": 0.5}
W_BIGRAM = 3.0


def public_query(q: str, teacher_fields: bool):
    """The documented meaning of a search as a plain whoosh query (every syllable required, folded; exact
    syllables and bigrams only add score)."""
    exact = query_tokens(q)[:MAX_QUERY_TOKENS]
    if not exact:
        return Every()
    folded = list(dict.fromkeys(fold(t) for t in exact))
    f_fields = [f for f in W_FOLDED if teacher_fields or f != "teacher_only_f"]
    e_fields = [f for f in W_EXACT if teacher_fields or f != "teacher_only"]
    required = And([Or([Term(f, t, boost=W_FOLDED[f]) for f in f_fields]) for t in folded])
    optional = [Term(f, t, boost=W_EXACT[f]) for t in exact for f in e_fields]
    optional += [Term("bigrams", b, boost=W_BIGRAM) for b in bigrams([fold(t) for t in exact])]
    return AndMaybe(required, Or(optional))


def public_search(index: SearchIndex, q, allow, teacher_fields, filters, limit):
    conditions = [Term(name, str(value)) for name, value in filters.items()]
    allowed = allow_query(allow)
    if allowed is not None:
        conditions.append(allowed)
    searcher = index._ix.searcher()
    try:
        facets = {name: sorting.FieldFacet(name) for name in FACET_FIELDS}
        # limit=None scores every hit: len(Results) would count the query's documents before the filter.
        hits = searcher.search(public_query(q, teacher_fields), filter=And(conditions) if conditions else None,
                               limit=None, groupedby=facets if not filters else None)
        items = [(hit["type"], int(hit["obj_id"]), round(hit.score, 4)) for hit in hits[:limit]]
        counts = ({name: sorted_counts({k: len(v) for k, v in hits.groups(name).items()}) for name in FACET_FIELDS}
                  if not filters else None)
        return hits.scored_length(), items, counts
    finally:
        searcher.close()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    index = SearchIndex(tmp_path_factory.mktemp("equivalence") / "ix")
    docs = list(make_docs(400, 60, seed=7))
    # Three commits make three segments, and the re-upsert leaves deleted documents in the first one.
    index.upsert(docs[:200])
    index.upsert(docs[200:])
    index.upsert(docs[50:80])
    index.delete([f"question:{i}" for i in range(90, 100)])
    yield index
    index.close()


@pytest.mark.parametrize("n", range(60))
def test_fast_path_matches_whoosh_public_search(corpus, n):
    kind, q, kwargs, teacher = make_queries(60, seed=7)[n]
    allow = kwargs.pop("allow")
    fast = corpus.search(q, allow=allow, teacher_fields=teacher, per_page=20, **kwargs)
    total, items, facets = public_search(corpus, q, allow, teacher, kwargs, limit=20)
    assert fast.total == total, (kind, q)
    assert [(i["type"], i["id"], i["score"]) for i in fast.items] == items, (kind, q)
    if facets is not None:
        assert fast.facets == facets, (kind, q)
