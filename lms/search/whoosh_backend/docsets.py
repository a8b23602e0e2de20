"""Counting and top-k scoring on doc-id bitmasks over one whoosh searcher (see :class:`DocSets`)."""
from __future__ import annotations

import heapq
from collections import OrderedDict
from typing import Iterable

from whoosh.util.numeric import byte_to_length

from lms.search.analysis import bigrams, fold
from lms.search.documents import Allow

from .masks import Segment, docnums, docnums_first, mask_of

# Relative weights of the query parts. Every syllable must match a folded field (recall); the exact
# fields and the bigram field only add score, so the same words with the caller's diacritics, and the
# caller's two-syllable words, rank first. Titles count double their bodies.
_W_EXACT_TITLE, _W_EXACT_BODY = 4.0, 2.0
_W_FOLDED_TITLE, _W_FOLDED_BODY, _W_TEACHER = 2.0, 1.0, 0.5
_W_BIGRAM = 3.0

#: Global doc-id masks kept per searcher (terms, Allow filters, facet values); emptied at each refresh.
_MASK_CACHE_SIZE = 1024
#: Posting lists kept per segment; a segment is immutable, so these survive commits that do not touch it.
_SEGMENT_TERM_CACHE_SIZE = 2048
#: Hits are split into 2**_SPLIT_TERMS groups by the terms with the highest score bounds (see top()).
_SPLIT_TERMS = 4
_SPLIT_ABOVE = 2000


def unique(tokens: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(tokens))


def scored_terms(exact_tokens: list[str], teacher_fields: bool) -> list[tuple[str, str, float]]:
    """Return the ``(field, text, boost)`` terms whose BM25F scores add up to a document's score.

    Every syllable must match a folded field (recall); the exact fields and the bigram field only add
    score, so the same words with the caller's diacritics, and the caller's two-syllable words, rank
    first. A document's score is the sum over the terms it contains, as whoosh's
    ``AndMaybe(And(Or(folded...)...), Or(exact... bigrams...))`` would score it.
    """
    terms = []
    for term in unique(fold(t) for t in exact_tokens):
        terms += [("title_f", term, _W_FOLDED_TITLE), ("body_f", term, _W_FOLDED_BODY)]
        if teacher_fields:
            terms.append(("teacher_only_f", term, _W_TEACHER))
    for term in exact_tokens:
        terms += [("title", term, _W_EXACT_TITLE), ("body", term, _W_EXACT_BODY)]
        if teacher_fields:
            terms.append(("teacher_only", term, _W_TEACHER))
    terms += [("bigrams", b, _W_BIGRAM) for b in bigrams([fold(t) for t in exact_tokens])]
    return terms



class DocSets:
    """Doc-id bitmasks over one searcher: term masks, Allow filters, facet values, and top-k scoring.

    Global doc numbers are a leaf reader's offset plus its segment doc number, as in whoosh, so masks of
    segments are shifted into place. Masks are cached here for this searcher only; postings are cached
    per segment (``segments``, shared across searchers and pruned to the live ones) so a commit that adds
    a small segment leaves the big segments' postings warm.
    """

    def __init__(self, searcher, segments: dict):
        self.searcher = searcher
        self.schema = searcher.schema
        self.leaves = []
        live_keys = set()
        for reader, offset in searcher.reader().leaf_readers():
            segment = reader.segment() if hasattr(reader, "segment") else None
            if segment is None:  # an empty or cleared index has no segment
                continue
            key = segment.segment_id()
            live_keys.add(key)
            if key not in segments:
                segments[key] = Segment(reader.doc_count_all())
            alive = (1 << segments[key].size) - 1
            if reader.has_deletions():
                alive &= ~mask_of(reader.deleted_docs_set, segments[key].size)
            self.leaves.append((reader, offset, segments[key], alive))
        for key in set(segments) - live_keys:
            del segments[key]
        self.masks: OrderedDict = OrderedDict()
        self.live = 0
        for _reader, offset, _segment, alive in self.leaves:
            self.live |= alive << offset
        weighting = searcher.weighting
        self.B, self.K1 = weighting.B, weighting.K1

    def _cached(self, key, compute):
        found = self.masks.get(key)
        if found is None:
            found = self.masks[key] = compute()
            if len(self.masks) > _MASK_CACHE_SIZE:
                self.masks.popitem(last=False)
        else:
            self.masks.move_to_end(key)
        return found

    def term(self, field_name: str, text: str) -> int:
        """Return the mask of live documents whose ``field_name`` holds ``text``."""
        def compute():
            try:
                btext = self.schema[field_name].to_bytes(text)
            except ValueError:
                return 0
            scored = self.schema[field_name].scorable
            mask = 0
            for reader, offset, segment, alive in self.leaves:
                part = segment.term(reader, field_name, btext, scored)[0] & alive
                if part:
                    mask |= part << offset
            return mask
        return self._cached(("term", field_name, text), compute)

    def allow(self, allow: Allow) -> int:
        """Return the mask of documents ``allow`` lets through (an OR of ANDs of ORs, as :meth:`Allow.to_query`)."""
        if allow.unrestricted:
            return self.live

        def compute():
            mask = 0
            for clause in allow.clauses:
                part = self.live
                for name, values in clause:
                    any_value = 0
                    for value in values:
                        any_value |= self.term(name, value)
                    part &= any_value
                mask |= part
            return mask
        return self._cached(("allow", allow.clauses), compute)

    def required(self, exact_tokens: list[str], teacher_fields: bool) -> int:
        """Return the mask of documents where every syllable occurs (folded) in a searched field."""
        if not exact_tokens:
            return self.live
        fields = ("title_f", "body_f") + (("teacher_only_f",) if teacher_fields else ())
        mask = self.live
        for term in unique(fold(t) for t in exact_tokens):
            any_field = 0
            for name in fields:
                any_field |= self.term(name, term)
            mask &= any_field
            if not mask:
                break
        return mask

    def matched_words(self, hits: int, exact_tokens: list[str]) -> frozenset:
        """The folded query terms found in the body of at least one hit (what whoosh's terms=True reports)."""
        return frozenset(t for t in unique(fold(t) for t in exact_tokens) if self.term("body_f", t) & hits)

    def facet_counts(self, name: str, scope: int) -> dict[str, int]:
        """Return ``{value: documents of scope with that value}`` for the indexed values of ``name``."""
        if not scope:
            return {}

        def compute():
            values = set()
            for reader, *_rest in self.leaves:
                values.update(reader.lexicon(name))
            return {v.decode("utf-8"): self.term(name, v.decode("utf-8")) for v in values}
        by_value = self._cached(("facet", name), compute)
        counts = ((value, (scope & mask).bit_count()) for value, mask in by_value.items())
        return {value: count for value, count in counts if count}

    def top(self, hits: int, exact_tokens: list[str], teacher_fields: bool, limit: int) -> list[tuple[int, float]]:
        """Return the ``limit`` best ``(docnum, score)`` of ``hits``: score descending, then doc number.

        Scores are whoosh's BM25F (same idf, average field length, stored field lengths and boosts), summed
        over the query terms each document holds. Not every hit is scored: the hits are split by which of
        the few highest-scoring terms they hold, each group has an upper bound, and groups are scored best
        bound first until no remaining group can reach the ``limit``-th score (exact, like MaxScore).
        """
        if not exact_tokens:
            # A blank query lists everything visible in index order, every document scoring 1.0 (Every()).
            return [(d, 1.0) for d in docnums_first(hits, limit)]
        searcher, B, K1 = self.searcher, self.B, self.K1
        prepared = []
        for name, text, boost in scored_terms(exact_tokens, teacher_fields):
            mask = self.term(name, text) & hits
            if not mask:
                continue
            btext = self.schema[name].to_bytes(text)
            idf = searcher.idf(name, text)
            avgfl = searcher.avg_field_length(name) or 1
            max_tf = max((segment.term(reader, name, btext, True)[2]
                          for reader, _offset, segment, _alive in self.leaves), default=1.0)
            # bm25 grows with tf and shrinks with the field length, so tf = max, length = 0 bounds it.
            bound = _bm25(idf, max(max_tf, 1.0), 0, avgfl, B, K1, boost)
            prepared.append((name, btext, boost, idf, avgfl, mask, bound))
        ranked = sorted(range(len(prepared)), key=lambda i: -prepared[i][6])
        # Each group costs a pass over segments and terms; a few thousand hits are cheaper scored at once.
        split = _SPLIT_TERMS if hits.bit_count() > _SPLIT_ABOVE else 0
        splitters, others = ranked[:split], ranked[split:]
        rest = sum(prepared[i][6] for i in others)
        groups = [(hits, rest)]
        for i in splitters:
            mask, bound = prepared[i][5], prepared[i][6]
            groups = [g for group, total in groups
                      for g in ((group & mask, total + bound), (group & ~mask, total)) if g[0]]
        groups.sort(key=lambda g: -g[1])
        best: list = []
        for group, bound in groups:
            # Keys are scores rounded to 9 places; a bound this far below the worst kept key cannot tie it.
            if len(best) >= limit and bound < best[0][0] - 1e-6:
                break
            for item in self._score(group, prepared):
                if len(best) < limit:
                    heapq.heappush(best, item)
                elif item > best[0]:
                    heapq.heapreplace(best, item)
        best.sort(reverse=True)
        return [(-neg_docnum, score) for _key, neg_docnum, score in best]

    def _score(self, group: int, prepared) -> list[tuple[float, int, float]]:
        B, K1 = self.B, self.K1
        scored: list[tuple[float, int, float]] = []
        for reader, offset, segment, _alive in self.leaves:
            local = (group >> offset) & ((1 << segment.size) - 1)
            if not local:
                continue
            scores: dict[int, float] = {}
            get = scores.get
            for name, btext, boost, idf, avgfl, _mask, _bound in prepared:
                mask, tfs, _max_tf = segment.term(reader, name, btext, True)
                common = local & mask
                if not common:
                    continue
                lengths = segment.lengths(reader, name)
                # bm25() of whoosh.scoring, and the boost applied after it as WrappingMatcher does; with
                # term frequency 1 the score depends only on the length byte, so it is tabled per byte.
                by_byte: dict[int, float] = {}
                for d in docnums(common):
                    tf = tfs.get(d)
                    if tf is None:
                        lbyte = lengths[d]
                        value = by_byte.get(lbyte)
                        if value is None:
                            value = by_byte[lbyte] = _bm25(idf, 1.0, byte_to_length(lbyte), avgfl, B, K1, boost)
                    else:
                        value = _bm25(idf, tf, byte_to_length(lengths[d]), avgfl, B, K1, boost)
                    scores[d] = get(d, 0.0) + value
            # Sums taken in another order than whoosh's matcher tree differ in the last bits; rounding the
            # sort key keeps equal scores equal, so ties fall back to doc number as in whoosh.
            scored += [(round(s, 9), -(offset + d), s) for d, s in scores.items()]
        return scored



def _bm25(idf, tf, fl, avgfl, B, K1, boost):
    score = idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl)))
    return score if boost == 1.0 else score * boost

