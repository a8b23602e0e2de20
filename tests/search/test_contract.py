"""The search contract: the same tests run against both backends (``whoosh`` files and ``postgres`` rows).

The ``postgres`` run needs ``TEST_DATABASE_URL`` to be PostgreSQL (the PG pass of scripts/test.sh); the
module is marked ``db`` so that pass does not skip it as a pure library test. Documents and permission
filters are plain data (lms.search.documents), so each test states the same expectation for both.
"""
import os
import unicodedata
from datetime import datetime, timedelta, timezone

import pytest

from lms.search.documents import Allow, Results
from lms.search.whoosh_backend import SearchIndex

pytestmark = pytest.mark.db

EVERYTHING = Allow.everything()


def lecture(obj_id, title, body="", **extra):
    doc = {"type": "lecture", "obj_id": obj_id, "title": title, "body": body, "subject": "toan", "grade": 10,
           "status": "published", "visibility": "shared", "owner_id": 1, "school_id": 1}
    doc.update(extra)
    return doc


def question(obj_id, title, body="", **extra):
    doc = {"type": "question", "obj_id": obj_id, "title": title, "body": body, "subject": "toan", "grade": 10,
           "level": "nhan_biet", "status": "published", "audience": "staff", "owner_id": 1, "school_id": 1,
           "qtype": "single_choice"}
    doc.update(extra)
    return doc


def ids(results):
    return [(item["type"], item["id"]) for item in results.items]


def teacher_five_allow():
    return Allow(any_of=[{"type": "lecture", "visibility": "shared", "status": "published"}, {"owner_id": "5"}])


def student_allow(class_ids):
    return Allow(any_of=[
        {"type": "lecture", "visibility": "shared", "status": "published"},
        {"type": "lecture", "school_id": "1", "visibility": "school", "status": "published"},
        {"type": "lecture", "visibility": "class", "class_ids": class_ids, "status": "published"},
    ])


@pytest.fixture(params=["whoosh", "postgres"])
def ix(request, tmp_path):
    """An empty index of each backend."""
    if request.param == "whoosh":
        index = SearchIndex(tmp_path / "ix")
        yield index
        index.close()
        return
    if not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
        pytest.skip("the postgres backend is tested when TEST_DATABASE_URL is PostgreSQL (scripts/test.sh pass 2)")
    from lms.search.postgres_backend import PostgresIndex

    index = PostgresIndex(request.getfixturevalue("app"))
    index.clear()
    yield index
    index.clear()


def test_unaccented_query_finds_accented_text(ix):
    ix.upsert([lecture(1, "Chuyển đổi số trong giáo dục"), lecture(2, "Hình học không gian")])
    results = ix.search("chuyen doi so", allow=EVERYTHING)
    assert isinstance(results, Results)
    assert results.total == 1
    assert ids(results) == [("lecture", 1)]


def test_d_finds_d_with_stroke(ix):
    ix.upsert([lecture(1, "Đường thẳng song song"), lecture(2, "Điểm Đ trên mặt phẳng"), lecture(3, "Hàm số bậc hai")])
    assert ids(ix.search("duong thang", allow=EVERYTHING)) == [("lecture", 1)]
    assert ids(ix.search("d", allow=EVERYTHING)) == [("lecture", 2)]


def test_decomposed_query_matches_precomposed_text(ix):
    ix.upsert([lecture(1, "Tiếng Việt lớp 5")])
    assert ix.search(unicodedata.normalize("NFD", "Tiếng Việt"), allow=EVERYTHING).total == 1


def test_every_syllable_must_match(ix):
    ix.upsert([lecture(1, "Chuyển đổi số"), lecture(2, "Chuyển động thẳng đều")])
    assert ids(ix.search("chuyen doi", allow=EVERYTHING)) == [("lecture", 1)]


def test_exact_diacritics_rank_before_a_folded_only_match(ix):
    ix.upsert([lecture(1, "Bài học", "ghi vào sổ tay"), lecture(2, "Bài học", "ghi vào số tay")])
    assert ids(ix.search("số", allow=EVERYTHING)) == [("lecture", 2), ("lecture", 1)]
    assert ids(ix.search("sổ", allow=EVERYTHING)) == [("lecture", 1), ("lecture", 2)]


def test_adjacent_syllables_rank_before_scattered_ones(ix):
    # The same five syllables in both bodies; only their order differs.
    ix.upsert([lecture(1, "Bài", "môn sinh học lớp mười"), lecture(2, "Bài", "lớp mười học sinh môn")])
    assert ids(ix.search("học sinh", allow=EVERYTHING)) == [("lecture", 2), ("lecture", 1)]
    assert ids(ix.search("sinh học", allow=EVERYTHING)) == [("lecture", 1), ("lecture", 2)]


def test_title_match_ranks_before_body_match(ix):
    ix.upsert([lecture(1, "Ôn tập", "phương trình bậc hai"), lecture(2, "Phương trình bậc hai", "ôn tập")])
    assert ids(ix.search("phuong trinh", allow=EVERYTHING))[0] == ("lecture", 2)


def test_allow_filter_hides_another_teachers_private_lecture_from_total_and_facets(ix):
    ix.upsert([
        lecture(1, "Bài giảng phân số", visibility="shared", owner_id=9),
        lecture(2, "Bài giảng phân số nâng cao", visibility="private", owner_id=7, subject="vat-li", grade=11),
        lecture(3, "Bài giảng phân số của tôi", visibility="private", owner_id=5, status="draft"),
    ])
    results = ix.search("phan so", allow=teacher_five_allow())
    assert sorted(ids(results)) == [("lecture", 1), ("lecture", 3)]
    assert results.total == 2
    assert results.facets["subject"] == {"toan": 2}
    assert results.facets["grade"] == {"10": 2}
    assert results.facets["status"] == {"draft": 1, "published": 1}
    assert ix.search("phan so", allow=EVERYTHING).total == 3


def test_facet_counts_its_own_filter_out_but_applies_the_others(ix):
    ix.upsert([
        lecture(1, "Phân số", subject="toan", grade=6),
        lecture(2, "Phân số", subject="toan", grade=7),
        lecture(3, "Phân số", subject="khtn", grade=6),
        lecture(4, "Phân số", subject="vat-li", grade=6, owner_id=7, visibility="private"),
    ])
    results = ix.search("phân số", allow=teacher_five_allow(), subject="toan", grade=6)
    assert ids(results) == [("lecture", 1)]
    # Other subjects stay offered (grade 6 still applies), the hidden vat-li lecture is never counted.
    assert results.facets["subject"] == {"khtn": 1, "toan": 1}
    assert results.facets["grade"] == {"6": 1, "7": 1}
    assert results.facets["type"] == {"lecture": 1}


def test_students_never_see_bank_questions(ix):
    ix.upsert([lecture(1, "Hàm số mũ"), question(2, "Hàm số mũ là gì"), question(3, "Đạo hàm hàm số mũ")])
    results = ix.search("ham so mu", allow=student_allow(["7"]))
    assert ids(results) == [("lecture", 1)]
    assert results.facets["type"] == {"lecture": 1}
    assert ix.search("ham so mu", allow=student_allow(["7"]), type="question").total == 0
    assert ix.search("ham so mu", allow=Allow(any_of=[{"audience": "staff"}]), type="question").total == 2


def test_class_lectures_are_visible_to_members_of_any_listed_class(ix):
    ix.upsert([lecture(1, "Bài giảng lớp 10A1", visibility="class", class_ids=[7, 8]),
               lecture(2, "Bài giảng lớp 10A2", visibility="class", class_ids=[9])])
    assert ids(ix.search("bai giang", allow=student_allow(["8"]))) == [("lecture", 1)]
    assert ix.search("bai giang", allow=student_allow(["3", "9"])).total == 1
    assert ix.search("bai giang", allow=student_allow(["1"])).total == 0


def test_teacher_only_text_is_searched_only_on_request_and_never_shown(ix):
    ix.upsert([question(1, "Giải phương trình", "Tìm x biết x^2 = 4",
                        teacher_only="Lời giải: đây là nghiệm kép bí mật")])
    assert ix.search("nghiem kep", allow=EVERYTHING).total == 0
    results = ix.search("nghiem kep", allow=EVERYTHING, teacher_fields=True)
    assert ids(results) == [("question", 1)]
    assert "bí mật" not in results.items[0]["snippet"]


@pytest.mark.parametrize("q", ['"', "'", "title:", "type:question", "(", ")", "((ab", "AND", "OR NOT", "*", "?",
                               "a:b(c\"", "\\", "[x TO y]", "{1 TO 2}", "~2", "^3", "<b>", "%_", "   ", ""])
def test_query_syntax_characters_never_raise(ix, q):
    ix.upsert([lecture(1, "Phân số"), question(2, "Câu hỏi", audience="staff")])
    results = ix.search(q, allow=Allow(any_of=[{"type": "lecture"}]))
    assert ("question", 2) not in ids(results)


def test_punctuation_in_a_query_is_ignored(ix):
    ix.upsert([lecture(1, "Chuyển đổi số")])
    assert ix.search('chuyển:"đổi (số', allow=EVERYTHING).total == 1


def test_blank_query_lists_everything_visible(ix):
    ix.upsert([lecture(1, "A"), lecture(2, "B"), question(3, "C")])
    results = ix.search("", allow=student_allow(["7"]))
    assert results.total == 2
    assert results.facets["type"] == {"lecture": 2}


def test_pagination_returns_disjoint_pages_and_the_full_total(ix):
    ix.upsert([lecture(i, f"Bài tập số {i}") for i in range(1, 26)])
    pages = [ix.search("bai tap", allow=EVERYTHING, page=p, per_page=10) for p in (1, 2, 3, 4)]
    assert [len(p.items) for p in pages] == [10, 10, 5, 0]
    assert {p.total for p in pages} == {25}
    seen = [i for p in pages for i in ids(p)]
    assert len(seen) == len(set(seen)) == 25


@pytest.mark.parametrize("page,per_page", [(0, 20), (1, 0), (1, 101)])
def test_bad_paging_is_refused(ix, page, per_page):
    with pytest.raises(ValueError):
        ix.search("x", allow=EVERYTHING, page=page, per_page=per_page)


def test_typo_gets_a_did_you_mean_suggestion(ix):
    ix.upsert([lecture(1, "Chuyển đổi số trong nhà trường")])
    results = ix.search("chuyen doii so", allow=EVERYTHING)
    assert results.total == 0
    assert results.suggestion == "chuyen doi so"
    assert ix.search("chuyển đổii số", allow=EVERYTHING).suggestion == "chuyển đổi số"
    assert ix.search("chuyen doi so", allow=EVERYTHING).suggestion is None


def test_suggestion_never_reveals_words_of_hidden_documents(ix):
    ix.upsert([lecture(1, "Hình học"), question(2, "Đề kiểm tra học kỳ", audience="staff")])
    assert ix.search("kiem tre", allow=Allow(any_of=[{"audience": "staff"}])).suggestion == "kiem tra"
    assert ix.search("kiem tre", allow=student_allow(["7"])).suggestion is None


def test_snippet_is_escaped_html_with_marked_matches(ix):
    ix.upsert([lecture(1, "An toàn", "<p>Không chạy &lt;script&gt; lạ khi chuyển đổi số</p>")])
    snippet = ix.search("chuyen doi", allow=EVERYTHING).items[0]["snippet"]
    assert "&lt;script&gt;" in snippet
    assert "<mark>chuyển</mark>" in snippet and "<mark>đổi</mark>" in snippet
    assert "<script>" not in snippet


def test_upsert_replaces_delete_removes_and_clear_empties(ix):
    ix.upsert([lecture(1, "Phân số"), lecture(2, "Số thập phân")])
    ix.upsert([lecture(1, "Hình tròn")])
    assert ix.doc_count() == 2
    assert ids(ix.search("phan so", allow=EVERYTHING)) == [("lecture", 2)]
    assert ids(ix.search("hinh tron", allow=EVERYTHING)) == [("lecture", 1)]
    assert ix.delete(["lecture:2", "lecture:404"]) == 1
    assert ix.doc_count() == 1
    ix.clear()
    assert ix.doc_count() == 0


def test_an_invalid_document_writes_nothing(ix):
    with pytest.raises(ValueError):
        ix.upsert([lecture(1, "Hợp lệ"), {"type": "video", "obj_id": 2, "title": "x"}])
    with pytest.raises(ValueError):
        ix.upsert([lecture(3, "Sai khoá", colour="red")])
    assert ix.doc_count() == 0


def test_doc_versions_report_each_documents_updated_at(ix):
    stamp = datetime(2026, 9, 5, 8, 0, tzinfo=timezone(timedelta(hours=7)))
    ix.upsert([lecture(1, "A", updated_at=stamp), question(2, "B", updated_at="2026-09-01T00:00:00+07:00")])
    ix.delete(["question:2"])
    ix.upsert([question(3, "C")])
    assert ix.doc_versions() == {"lecture:1": "2026-09-05T08:00:00+07:00", "question:3": ""}


def test_allow_refuses_empty_clauses_and_unknown_fields_and_nothing_means_nothing(ix):
    with pytest.raises(ValueError):
        Allow(any_of=[{}])
    with pytest.raises(ValueError):
        Allow(any_of=[{"password": "x"}])
    ix.upsert([lecture(1, "Phân số")])
    assert ix.search("phan so", allow=Allow()).total == 0


def test_school_lectures_are_visible_in_their_school_only(ix):
    ix.upsert([lecture(1, "Bài giảng toàn trường", visibility="school", school_id=1),
               lecture(2, "Bài giảng toàn trường khác", visibility="school", school_id=2),
               lecture(3, "Bài giảng riêng", visibility="private", owner_id=9, status="draft")])
    assert ids(ix.search("bai giang", allow=student_allow(["7"]))) == [("lecture", 1)]
    assert ix.search("bai giang rieng", allow=student_allow(["7"])).total == 0
    assert ix.search("bai giang rieng", allow=Allow(any_of=[{"owner_id": "9"}])).total == 1


def test_a_typed_two_syllable_word_ranks_before_its_syllables_apart(ix):
    ix.upsert([lecture(1, "Bài", "chuyển động và đổi chiều số lần"), lecture(2, "Bài", "chuyển đổi số ở trường")])
    assert ids(ix.search("chuyển đổi", allow=EVERYTHING)) == [("lecture", 2), ("lecture", 1)]


def test_an_edit_and_a_delete_are_seen_by_the_next_search(ix):
    ix.upsert([lecture(1, "Đạo hàm"), lecture(2, "Tích phân")])
    assert ix.search("dao ham", allow=EVERYTHING).total == 1
    ix.upsert([lecture(1, "Nguyên hàm")])
    ix.delete(["lecture:2"])
    assert ix.search("dao ham", allow=EVERYTHING).total == 0
    assert ids(ix.search("nguyen ham", allow=EVERYTHING)) == [("lecture", 1)]
    assert ix.search("tich phan", allow=EVERYTHING).total == 0


def test_filters_combine_with_permissions(ix):
    ix.upsert([question(1, "Hàm số", level="van_dung", grade=11), question(2, "Hàm số", level="nhan_biet"),
               question(3, "Hàm số", level="van_dung", owner_id=7, visibility="private", audience=None)])
    staff = Allow(any_of=[{"audience": "staff"}])
    results = ix.search("ham so", allow=staff, type="question", level="van_dung")
    assert ids(results) == [("question", 1)]
    assert results.facets["level"] == {"nhan_biet": 1, "van_dung": 1}
    assert results.facets["grade"] == {"11": 1}
    assert ix.search("ham so", allow=staff, qtype="essay").total == 0
