"""The whoosh backend's SearchIndex: matching, ranking, permissions, facets, suggestions, writers (see also
the contract both backends pass, test_contract.py)."""

import threading

import pytest

from lms.search.documents import Allow
from lms.search.whoosh_backend import SearchIndex

EVERYTHING = Allow.everything()


def lecture(obj_id, title, body="", **extra):
    doc = {"type": "lecture", "obj_id": obj_id, "title": title, "body": body, "subject": "toan", "grade": 10,
           "status": "published", "visibility": "shared", "owner_id": 1, "school_id": 1}
    doc.update(extra)
    return doc


def ids(results):
    return [(item["type"], item["id"]) for item in results.items]


@pytest.fixture
def ix(tmp_path):
    index = SearchIndex(tmp_path / "ix")
    yield index
    index.close()


def test_a_second_index_object_sees_commits_of_the_first(tmp_path):
    reader, writer = SearchIndex(tmp_path / "ix"), SearchIndex(tmp_path / "ix")
    assert reader.search("phan so", allow=EVERYTHING).total == 0
    writer.upsert([lecture(1, "Phân số")])
    assert reader.search("phan so", allow=EVERYTHING).total == 1
    reader.close()
    writer.close()


def test_concurrent_upserts_from_two_threads_do_not_raise(tmp_path):
    first, second = SearchIndex(tmp_path / "ix"), SearchIndex(tmp_path / "ix")
    errors = []

    def write(index, offset):
        try:
            for batch in range(8):
                index.upsert([lecture(offset + batch * 5 + i, f"Bài {offset} {batch} {i}") for i in range(5)])
                index.search("bai", allow=EVERYTHING)
        except Exception as exc:  # collected so the main thread can report it
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(first, 0)), threading.Thread(target=write, args=(second, 1000)),
               threading.Thread(target=write, args=(first, 2000))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert first.search("bai", allow=EVERYTHING).total == 120
    first.close()
    second.close()


def test_counts_and_ranking_hold_across_segments_and_deletions(ix):
    # One commit per upsert makes several segments; deletions and replacements leave dead documents in them.
    ix.upsert([lecture(i, "Phân số", subject="toan") for i in range(1, 4)])
    ix.upsert([lecture(i, "Phân số", subject="khtn") for i in range(4, 7)])
    ix.upsert([lecture(2, "Phân số", subject="khtn")])
    ix.delete(["lecture:5"])
    results = ix.search("phan so", allow=EVERYTHING)
    assert results.total == 5
    assert results.facets["subject"] == {"khtn": 3, "toan": 2}
    # Equal scores keep index order, as whoosh ranks ties.
    assert ids(results) == [("lecture", 1), ("lecture", 3), ("lecture", 4), ("lecture", 6), ("lecture", 2)]
    assert ix.search("phan so", allow=EVERYTHING, subject="toan").facets["subject"] == {"khtn": 3, "toan": 2}
    assert ix.search("", allow=EVERYTHING, page=2, per_page=4).items == [
        {"type": "lecture", "id": 2, "title": "Phân số", "snippet": "", "score": 1.0}]


def test_a_search_sees_a_commit_made_between_two_searches(ix):
    ix.upsert([lecture(1, "Phân số")])
    assert ix.search("phan so", allow=EVERYTHING).total == 1  # warms the cached postings
    ix.upsert([lecture(2, "Phân số thập phân")])
    ix.delete(["lecture:1"])
    assert ids(ix.search("phan so", allow=EVERYTHING)) == [("lecture", 2)]

