"""The whoosh backend's fast segment writer writes what whoosh's own writer writes, and ``bulk`` uses one.

The comparison reads both indexes back through whoosh: every term's statistics (weight, document frequency,
min/max length, max weight) and postings, every document's field lengths, stored fields and columns.
"""
import random
import unicodedata

import pytest
from whoosh import index as whoosh_index
from whoosh.writing import SegmentWriter

from lms.search.documents import Allow
from lms.search.whoosh_backend import SearchIndex
from lms.search.whoosh_backend.schemas import build_schema, to_fields
from lms.search.whoosh_backend.writers import FastSegmentWriter

EVERYTHING = Allow.everything()
WORDS = ("phương trình|bậc hai|đạo hàm|hàm số|Đường tròn|học sinh|sinh học|x^2|3,5|12.75|số|và|của|"
         "chuyển đổi số|ĐỀ THI|toán").split("|")


def corpus(count, seed=3):
    rng = random.Random(seed)

    def text(n):
        words = " ".join(rng.choice(WORDS) for _ in range(n))
        # Some documents arrive decomposed (NFD) from phones, some with HTML and LaTeX.
        return unicodedata.normalize("NFD", words) if rng.random() < 0.2 else words

    docs = []
    for i in range(1, count + 1):
        # Long bodies repeat terms (frequencies above 1) and span several 128-posting blocks of common terms.
        body = f"<p>{text(rng.randint(0, 300))}</p><p>$\\frac{{{i}}}{{x^2+1}}$ {text(5)}</p>"
        doc = {"type": rng.choice(["lecture", "question"]), "obj_id": i, "title": text(rng.randint(0, 8)),
               "body": body, "teacher_only": text(10) if rng.random() < 0.5 else None,
               "subject": rng.choice(["toan", "vat-li"]), "grade": rng.randint(1, 12), "status": "published",
               "visibility": rng.choice(["shared", "class"]), "owner_id": rng.randint(1, 5), "school_id": 1,
               "updated_at": f"2026-09-{rng.randint(1, 28):02d}T08:00:00+07:00"}
        if doc["visibility"] == "class":
            doc["class_ids"] = rng.sample(range(1, 9), 2)
        docs.append(doc)
    return docs


def build(path, writer_class, batches):
    path.mkdir()
    ix = whoosh_index.create_in(path, build_schema())
    for batch in batches:
        writer = writer_class(ix)
        for doc in batch:
            writer.update_document(**to_fields(doc))
        writer.commit()
    return ix


def contents(ix):
    reader = ix.reader()
    fields = sorted(reader.indexed_field_names())
    terms = {}
    for name in fields:
        for term in reader.lexicon(name):
            info = reader.term_info(name, term)
            postings = reader.postings(name, term)
            terms[(name, term)] = (info.weight(), info.doc_frequency(), info.min_length(), info.max_length(),
                                   info.max_weight(), list(postings.items_as("weight")))
    docs = range(reader.doc_count_all())
    lengths = {(d, name): reader.doc_field_length(d, name) for d in docs for name in fields}
    stored = [reader.stored_fields(d) for d in docs]
    columns = {name: list(reader.column_reader(name)) for name in ("doc_key", "updated_at", "subject", "grade")}
    deleted = sorted(reader.all_doc_ids())
    return terms, lengths, stored, columns, deleted, {name: reader.field_length(name) for name in fields}


@pytest.mark.parametrize("batches", [[slice(0, 240)], [slice(i, i + 20) for i in range(0, 240, 20)] + [slice(0, 60)]],
                         ids=["one segment", "12 commits, merges and replacements"])
def test_fast_writer_writes_the_segments_whoosh_writes(tmp_path, batches):
    docs = corpus(240)
    parts = [docs[s] for s in batches]
    stock = build(tmp_path / "stock", SegmentWriter, parts)
    fast = build(tmp_path / "fast", FastSegmentWriter, parts)
    assert len(stock._segments()) == len(fast._segments())
    expected, got = contents(stock), contents(fast)
    assert expected[0].keys() == got[0].keys()
    for part, (want, have) in enumerate(zip(expected, got)):
        assert want == have, f"part {part} differs"
    assert fast.doc_count() == 240


def test_bulk_replace_swaps_the_whole_index_at_one_commit(tmp_path):
    ix, other = SearchIndex(tmp_path / "ix"), SearchIndex(tmp_path / "ix")
    ix.upsert([{"type": "lecture", "obj_id": 1, "title": "Phân số"}])
    with ix.bulk(replace=True) as writer:
        assert writer.upsert([{"type": "lecture", "obj_id": 2, "title": "Hình học"}]) == 1
        writer.upsert([{"type": "question", "obj_id": 3, "title": "Hình tròn"}])
        # Until the block ends, other searchers see the old index.
        assert other.search("hinh", allow=EVERYTHING).total == 0
        assert other.search("phan so", allow=EVERYTHING).total == 1
    assert other.search("hinh", allow=EVERYTHING).total == 2
    assert other.search("phan so", allow=EVERYTHING).total == 0
    assert ix.doc_count() == 2
    ix.close()
    other.close()


def test_bulk_without_replace_updates_in_place_and_an_error_writes_nothing(tmp_path):
    ix = SearchIndex(tmp_path / "ix")
    ix.upsert([{"type": "lecture", "obj_id": 1, "title": "Phân số"}, {"type": "lecture", "obj_id": 2, "title": "Số"}])
    with ix.bulk() as writer:
        writer.upsert([{"type": "lecture", "obj_id": 1, "title": "Hình thang"}])
    assert ix.doc_count() == 2
    assert ix.search("phan", allow=EVERYTHING).total == 0
    assert ix.search("hinh thang", allow=EVERYTHING).total == 1
    with pytest.raises(ValueError):
        with ix.bulk(replace=True) as writer:
            writer.upsert([{"type": "lecture", "obj_id": 5, "title": "Mới"}])
            writer.upsert([{"type": "video", "obj_id": 6}])
    assert ix.doc_count() == 2
    assert ix.search("moi", allow=EVERYTHING).total == 0
    ix.close()
