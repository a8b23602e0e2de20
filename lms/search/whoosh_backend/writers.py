"""A whoosh segment writer that writes the same segment as whoosh's own, at a fraction of the CPU.

Whoosh's ``SegmentWriter`` spends its time per posting in pure Python: each token goes through a chain of
generator filters, each posting becomes a tuple in a pool that is sorted as a whole at commit, and writing
looks up the document's field length in the new segment's column file once per posting. On the 110k
benchmark corpus (about 190 postings per document) that capped indexing at ~320 documents per CPU-second.

:class:`FastSegmentWriter` keeps whoosh's file format, codec and commit/merge logic, and changes three
things:

* Text fields with one of our analyzers (:mod:`lms.search.analysis`) are tokenised once per distinct value
  with one regular expression (``title`` and ``title_f`` share the value, so share the tokens), folded and
  paired from that list, and counted with ``collections.Counter``: the terms, frequencies and weights the
  analyzer chain would have produced (tested against whoosh's writer in tests/search/test_whoosh_writer.py).
* The pool is ``{field: {term: postings}}`` with document numbers and weights in typed arrays, appended in
  document order, so nothing is sorted but the distinct terms, and nothing is spilled to disk.
* Field lengths are remembered as they are written (one byte per document and field, as the column
  stores them), and each posting list is written block by block from array slices.

The pool holds the whole segment in memory (about 16 bytes a posting: ~350 MB for 110,000 documents), which
is why a rebuild writes one segment in one writer: merging many small segments would re-post every document
through whoosh's slow path again.
"""
from __future__ import annotations

from array import array
from collections import Counter

from whoosh.formats import Frequency
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from lms.search.analysis import fold_token, bigrams, tokens

from .schemas import BIGRAM_FIELDS, EXACT_FIELDS, FOLDED_FIELDS

# Frequency postings: weight freq * 1.0 and value pack_uint(freq); shared objects for the common counts.
_FREQ_VALUES = [pack_uint(n) for n in range(256)]


class _Postings:
    """One term's postings in document order."""

    __slots__ = ("ids", "weights", "values")

    def __init__(self):
        self.ids = array("I")
        self.weights = array("f")
        self.values: list = []


class _Pool:
    """``{field: {term bytes: _Postings}}``; ``add`` takes whoosh's posting tuples (merged segments)."""

    def __init__(self):
        self.fields: dict[str, dict[bytes, _Postings]] = {}

    def terms(self, fieldname: str) -> dict[bytes, _Postings]:
        terms = self.fields.get(fieldname)
        if terms is None:
            terms = self.fields[fieldname] = {}
        return terms

    def add(self, item):
        fieldname, tbytes, docnum, weight, vbytes = item
        terms = self.terms(fieldname)
        postings = terms.get(tbytes)
        if postings is None:
            postings = terms[tbytes] = _Postings()
        postings.ids.append(docnum)
        postings.weights.append(weight)
        postings.values.append(vbytes)

    def cleanup(self):
        self.fields.clear()


class _LengthRecorder:
    """Stands in for the codec's per-document writer and remembers every field length byte it is given, so
    the postings writer need not read them back from the column file."""

    def __init__(self, perdocwriter, lengths: dict[str, bytearray]):
        self._pdw = perdocwriter
        self._lengths = lengths
        self._docnum = 0

    def __getattr__(self, name):
        return getattr(self._pdw, name)

    def start_doc(self, docnum):
        self._docnum = docnum
        self._pdw.start_doc(docnum)

    def add_field(self, fieldname, fieldobj, value, length):
        if length:
            column = self._lengths.get(fieldname)
            if column is None:
                column = self._lengths[fieldname] = bytearray()
            if len(column) <= self._docnum:
                column.extend(bytes(self._docnum + 1 - len(column)))
            column[self._docnum] = length_to_byte(length)
        self._pdw.add_field(fieldname, fieldobj, value, length)


def _token_counts(fieldname: str, value: str, cache: dict) -> Counter | None:
    """The ``{term: frequency}`` our analyzer gives ``value`` in ``fieldname``, or None for other fields."""
    if fieldname in EXACT_FIELDS:
        kind = "exact"
    elif fieldname in FOLDED_FIELDS:
        kind = "folded"
    elif fieldname in BIGRAM_FIELDS:
        kind = "bigram"
    else:
        return None
    key = (kind, value)
    counts = cache.get(key)
    if counts is None:
        exact = cache.get(("tokens", value))
        if exact is None:
            exact = cache[("tokens", value)] = tokens(value)
        if kind == "exact":
            counts = Counter(exact)
        else:
            folded = [fold_token(t) for t in exact]
            counts = Counter(folded if kind == "folded" else bigrams(folded))
        cache[key] = counts
    return counts


class FastSegmentWriter(SegmentWriter):
    """Whoosh's ``SegmentWriter`` with our fast tokenising, an in-memory pool and bulk posting writes.

    Takes the same arguments as ``whoosh.writing.SegmentWriter`` (``limitmb`` is accepted and unused: the
    pool never spills).
    """

    def __init__(self, ix, **kwargs):
        super().__init__(ix, **kwargs)
        self.pool = _Pool()
        self._lengths: dict[str, bytearray] = {}
        self.perdocwriter = _LengthRecorder(self.perdocwriter, self._lengths)
        # Fields our analyzers index as plain term frequencies (no positions): the fast path applies.
        self._fast = {name for name, field in self.schema.items()
                      if field.indexed and type(field.format) is Frequency and field.format.field_boost == 1.0
                      and name in EXACT_FIELDS | FOLDED_FIELDS | BIGRAM_FIELDS}

    def add_document(self, **fields):
        """As ``SegmentWriter.add_document`` (same stored values, columns and lengths), without boosts or
        term vectors (the schema has neither)."""
        self._check_state()
        perdocwriter, schema, docnum, pool = self.perdocwriter, self.schema, self.docnum, self.pool
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)
        cache: dict = {}
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields[fieldname]
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if field.indexed:
                    terms = pool.terms(fieldname)
                    counts = _token_counts(fieldname, value, cache) if fieldname in self._fast else None
                    if counts is not None:
                        for text, freq in counts.items():
                            tbytes = text.encode("utf-8")
                            postings = terms.get(tbytes)
                            if postings is None:
                                postings = terms[tbytes] = _Postings()
                            postings.ids.append(docnum)
                            postings.weights.append(freq)
                            postings.values.append(_FREQ_VALUES[freq] if freq < 256 else pack_uint(freq))
                            length += freq
                        if not field.scorable:
                            length = 0
                    else:
                        for tbytes, freq, weight, vbytes in field.index(value):
                            if field.scorable:
                                length += freq
                            pool.add((fieldname, tbytes, docnum, weight, vbytes))
                perdocwriter.add_field(fieldname, field, value if field.stored else None, length)
                column = field.column_type
                if column:
                    perdocwriter.add_column_value(fieldname, column, field.to_column_value(value))
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self):
        self.perdocwriter.close()
        fieldwriter = self.fieldwriter
        # Whoosh's writer feeds the postings writer each posting's length as read back from the column
        # (quantised to a byte); the bytes recorded while writing give the same values.
        length_stats = self.codec.length_stats
        for fieldname in sorted(self.pool.fields):
            terms = self.pool.fields[fieldname]
            if not terms:
                continue
            fieldobj = self.schema[fieldname]
            fieldwriter.start_field(fieldname, fieldobj)
            column = self._lengths.get(fieldname, b"") if length_stats else b""
            for tbytes in sorted(terms):
                fieldwriter.start_term(tbytes)
                _write_postings(fieldwriter._postwriter, terms[tbytes], column)
                fieldwriter.finish_term()
            fieldwriter.finish_field()
        fieldwriter.close()

    def _close_segment(self):
        super()._close_segment()
        self._lengths.clear()


def _write_postings(postwriter, postings: _Postings, column) -> None:
    """Fill ``postwriter``'s block buffer a block at a time, as its ``add_posting`` would one posting at a
    time: full blocks are written here, the last one is left for ``finish_postings`` (which inlines a short
    list or writes it as the final block)."""
    ids, weights, values = postings.ids, postings.weights, postings.values
    limit, n = postwriter._blocklimit, len(ids)
    width = len(column)
    for start in range(0, n, limit):
        end = min(start + limit, n)
        block_ids = ids[start:end]
        block_weights = weights[start:end]
        postwriter._ids = block_ids
        postwriter._weights = block_weights
        postwriter._values = [v for v in values[start:end] if v]
        postwriter._maxweight = max(0, max(block_weights))
        lengths = [column[d] for d in block_ids if d < width and column[d]] if width else ()
        if lengths:
            postwriter._minlength = byte_to_length(min(lengths))
            postwriter._maxlength = byte_to_length(max(lengths))
        else:
            postwriter._minlength, postwriter._maxlength = None, 0
        if end < n:
            postwriter._write_block()

