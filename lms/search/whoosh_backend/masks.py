"""Doc-id bitmasks and cached posting lists: the fast path under :class:`~.indexes.SearchIndex`.

It reads Whoosh-Reloaded 2.7.5 internals (the whoosh 3 codec's posting blocks and the per-document
field-length column), which is why the version is pinned in requirements.txt and
``tests/search/test_whoosh_equivalence.py`` compares its results with whoosh's public search API.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Iterable

from whoosh.codec.whoosh3 import LENGTHS_COLUMN

#: Posting lists kept per segment; a segment is immutable, so these survive commits that do not touch it.
SEGMENT_TERM_CACHE_SIZE = 2048

# Bit positions set in each byte value, to turn a mask into doc numbers one byte at a time.
_BIT_POSITIONS = tuple(tuple(j for j in range(8) if byte >> j & 1) for byte in range(256))


def mask_of(docnums: Iterable[int], size: int) -> int:
    bits = bytearray((size >> 3) + 1)
    for d in docnums:
        bits[d >> 3] |= 1 << (d & 7)
    return int.from_bytes(bits, "little")


def docnums(mask: int) -> list[int]:
    """Return the doc numbers set in ``mask``, ascending."""
    out: list[int] = []
    if mask <= 0:
        return out
    extend, positions = out.extend, _BIT_POSITIONS
    for i, byte in enumerate(mask.to_bytes((mask.bit_length() + 7) >> 3, "little")):
        if byte:
            base = i << 3
            extend([base + j for j in positions[byte]])
    return out



class Segment:
    """What one segment says about terms: cached postings. A segment's postings never change; deleting
    a document only marks it, so deleted documents are included here and masked out per searcher
    (editing one question must not throw away the warm postings of the 100,000-document segment).

    ``term()`` returns ``(mask, tfs, max_tf)``: the documents holding the term as a bitmask of segment doc
    numbers, their term frequencies where not 1 (scored fields only), and the largest of those. ``lengths()`` returns the
    field-length bytes whoosh stores per document (BM25F's ``fl``).
    """

    def __init__(self, size: int):
        self.size = size
        self.terms: OrderedDict = OrderedDict()
        self.length_bytes: dict[str, Any] = {}

    def term(self, reader, field_name: str, btext: bytes, scored: bool):
        key = (field_name, btext)
        found = self.terms.get(key)
        if found is not None:
            self.terms.move_to_end(key)
            return found
        mask, tfs = 0, {}
        if (field_name, btext) in reader:
            ids = read_postings(reader.postings(field_name, btext), tfs if scored else None)
            mask = mask_of(ids, self.size)
        found = self.terms[key] = (mask, tfs, max(tfs.values(), default=1.0))
        if len(self.terms) > SEGMENT_TERM_CACHE_SIZE:
            self.terms.popitem(last=False)
        return found

    def lengths(self, reader, field_name: str):
        found = self.length_bytes.get(field_name)
        if found is None:
            column = reader._perdoc._cached_reader(f"_{field_name}_len", LENGTHS_COLUMN)
            found = column.load() if column is not None else bytes(self.size)
            self.length_bytes[field_name] = found
        return found


def read_postings(matcher, tfs: dict | None) -> list[int]:
    """Return the doc numbers of a posting list (deleted ones included) and fill ``tfs`` with the term
    frequencies that are not 1. Reads whoosh 3 codec blocks whole - a tuple of ids and an array of
    weights per 128 postings - instead of three method calls per posting; other matchers go one by one."""
    # SegmentReader wraps the postings in a FilterMatcher dropping deleted documents; read past it.
    matcher = leaf = getattr(matcher, "child", matcher)
    ids: list[int] = []
    if all(hasattr(leaf, a) for a in ("_read_ids", "_read_weights", "_next_block", "_ids", "_weights")):
        while leaf.is_active():
            if leaf._ids is None:
                leaf._read_ids()
            block = leaf._ids
            ids.extend(block)
            if tfs is not None:
                if leaf._weights is None:
                    leaf._read_weights()
                weights = leaf._weights
                if any(w != 1 for w in weights):
                    tfs.update((d, w) for d, w in zip(block, weights) if w != 1)
            leaf._next_block()
        return ids
    while matcher.is_active():
        ids.append(matcher.id())
        if tfs is not None and matcher.weight() != 1:
            tfs[matcher.id()] = matcher.weight()
        matcher.next()
    return ids



def docnums_first(mask: int, limit: int) -> list[int]:
    out: list[int] = []
    positions = _BIT_POSITIONS
    for i, byte in enumerate(mask.to_bytes((mask.bit_length() + 7) >> 3, "little")):
        if byte:
            base = i << 3
            for j in positions[byte]:
                out.append(base + j)
                if len(out) == limit:
                    return out
    return out

