"""GET /api/v1/search through the real features: matching, ranking, permissions, facets, validation."""
from __future__ import annotations

import pytest

from .conftest import hits, make_lecture, make_question, search


def test_unaccented_query_finds_the_accented_title(world, search_index):
    teacher = world.as_("teacher")
    wanted = make_lecture(teacher, "Chuyển đổi số trong nhà trường")
    make_lecture(teacher, "Hình học không gian")
    body = search(teacher, q="chuyen doi so")
    assert hits(body) == [("lecture", wanted)]
    assert body["items"][0]["title"] == "Chuyển đổi số trong nhà trường"
    assert body["total"] == 1 and body["page"] == 1 and body["per_page"] == 20


def test_plain_d_finds_d_with_stroke(world, search_index):
    teacher = world.as_("teacher")
    lecture = make_lecture(teacher, "Đường tròn lượng giác")
    assert hits(search(teacher, q="duong tron")) == [("lecture", lecture)]
    assert hits(search(teacher, q="Đường")) == [("lecture", lecture)]


def test_exact_diacritics_rank_first(world, search_index):
    teacher = world.as_("teacher")
    # "ba" folds the same as "bà", "bá", "bã": the one typed exactly must come first whatever the order.
    others = [make_lecture(teacher, title) for title in ("Bà nội kể chuyện", "Bá chủ đại dương")]
    exact = make_lecture(teacher, "Ba định luật Newton")
    more = make_lecture(teacher, "Bã mía và môi trường")
    body = search(teacher, q="ba")
    assert body["total"] == 4
    assert hits(body)[0] == ("lecture", exact)
    assert {i for _, i in hits(body)} == set(others) | {exact, more}
    assert hits(search(teacher, q="bà"))[0] == ("lecture", others[0])


def test_student_never_gets_questions_even_when_asking_for_them(world, search_index):
    teacher = world.as_("teacher")
    qid = make_question(teacher, "<p>Phương trình lượng giác cơ bản</p>")
    assert teacher.post(f"/questions/{qid}/submit", json={"scope": "school"}).status_code == 200
    lecture = make_lecture(teacher, "Phương trình lượng giác", visibility="school")
    student = world.as_("student")
    body = search(student, q="phuong trinh luong giac")
    assert hits(body) == [("lecture", lecture)]
    assert body["facets"]["type"] == {"lecture": 1}
    assert search(student, q="phuong trinh", type="question")["total"] == 0
    # The teacher, for contrast, finds both.
    assert {t for t, _ in hits(search(teacher, q="phuong trinh luong giac"))} == {"lecture", "question"}


def test_student_sees_own_class_and_school_lectures_only(factory, world, search_index):
    teacher = world.as_("teacher")
    own_class = make_lecture(teacher, "Hàm số bậc nhất lớp mình", visibility="class", class_ids=[world.klass])
    other_klass = factory.klass(world.school, name="10A2", homeroom_teacher_id=world.teacher)
    make_lecture(teacher, "Hàm số bậc nhất lớp khác", visibility="class", class_ids=[other_klass])
    make_lecture(teacher, "Hàm số bậc nhất bản riêng", visibility="private", publish=False)
    school_wide = make_lecture(teacher, "Hàm số bậc nhất toàn trường", visibility="school")
    outsider_teacher = factory.user("teacher", world.other_school)
    make_lecture(factory.api(outsider_teacher), "Hàm số bậc nhất trường khác", visibility="school")

    body = search(world.as_("student"), q="ham so bac nhat")
    assert sorted(i for _, i in hits(body)) == sorted([own_class, school_wide])
    assert body["total"] == 2
    outsider = search(world.as_("outsider"), q="ham so bac nhat")
    assert [item["title"] for item in outsider["items"]] == ["Hàm số bậc nhất trường khác"]


def test_teacher_sees_own_school_and_shared_questions_but_not_a_colleagues_drafts(world, search_index):
    teacher, colleague, department = world.as_("teacher"), world.as_("teacher2"), world.as_("department")
    own_draft = make_question(teacher, "<p>Cấp số cộng: tìm số hạng đầu</p>")
    colleague_draft = make_question(colleague, "<p>Cấp số cộng: tìm công sai</p>")
    colleague_school = make_question(colleague, "<p>Cấp số cộng: tính tổng</p>")
    assert colleague.post(f"/questions/{colleague_school}/submit", json={"scope": "school"}).status_code == 200
    shared = make_question(colleague, "<p>Cấp số cộng trong đề thi</p>")
    assert colleague.post(f"/questions/{shared}/submit", json={"scope": "shared"}).status_code == 200
    in_review = search(teacher, q="cap so cong")
    assert shared not in {i for _, i in hits(in_review)}  # not published yet
    assert department.post(f"/questions/{shared}/review", json={"decision": "approve"}).status_code == 200

    body = search(teacher, q="cap so cong")
    assert sorted(i for _, i in hits(body)) == sorted([own_draft, colleague_school, shared])
    assert colleague_draft not in {i for _, i in hits(body)}
    assert body["total"] == 3
    assert body["facets"]["status"] == {"published": 2, "draft": 1}
    assert sorted(i for _, i in hits(search(colleague, q="cap so cong"))) == sorted(
        [colleague_draft, colleague_school, shared])


def test_totals_and_facets_count_only_what_the_caller_may_see(world, search_index):
    teacher, colleague = world.as_("teacher"), world.as_("teacher2")
    make_question(teacher, "<p>Giới hạn dãy số</p>", level="thong_hieu")
    make_question(teacher, "<p>Giới hạn hàm số</p>", level="van_dung", grade=11)
    for n in range(3):  # a colleague's private drafts must not show up in any count
        make_question(colleague, f"<p>Giới hạn bài {n}</p>", level="nhan_biet", subject="vat-li")
    body = search(teacher, q="gioi han")
    assert body["total"] == 2
    assert body["facets"]["level"] == {"thong_hieu": 1, "van_dung": 1}
    assert body["facets"]["subject"] == {"toan": 2}
    assert body["facets"]["grade"] == {"10": 1, "11": 1}
    filtered = search(teacher, q="gioi han", grade=11)
    assert filtered["total"] == 1
    # The facet of an active filter still offers its other values (counted without that filter).
    assert filtered["facets"]["grade"] == {"10": 1, "11": 1}
    assert filtered["facets"]["level"] == {"van_dung": 1}
    assert search(teacher, q="gioi han", subject="vat-li")["total"] == 0


def test_pages_and_per_page(world, search_index):
    teacher = world.as_("teacher")
    ids = {make_question(teacher, f"<p>Bài toán tỉ số số {n}</p>") for n in range(3)}
    first = search(teacher, q="ti so", per_page=2)
    second = search(teacher, q="ti so", per_page=2, page=2)
    assert first["total"] == second["total"] == 3
    assert len(first["items"]) == 2 and len(second["items"]) == 1
    assert {i for _, i in hits(first) + hits(second)} == ids
    assert search(teacher, q="ti so", per_page=2, page=3)["items"] == []


def test_suggestion_for_a_misspelled_word(world, search_index):
    teacher = world.as_("teacher")
    make_lecture(teacher, "Phương trình mũ và logarit")
    body = search(teacher, q="logarid")
    assert body["total"] == 0
    assert body["suggestion"] == "logarit"


@pytest.mark.parametrize("params, field", [
    ({"type": "exam"}, "type"), ({"grade": "13"}, "grade"), ({"grade": "mười"}, "grade"),
    ({"level": "kho"}, "level"), ({"per_page": "101"}, "per_page"), ({"page": "0"}, "page"),
    ({"q": "x" * 201}, "q"), ({"subject": "Toán; drop"}, "subject"),
])
def test_bad_parameters_are_422_with_the_field(world, params, field):
    resp = world.as_("teacher").get("/search", query_string=params)
    assert resp.status_code == 422
    assert resp.mimetype == "application/problem+json"
    assert field in resp.get_json()["errors"]


def test_anonymous_is_401(world):
    assert world.as_("anonymous").get("/search", query_string={"q": "toan"}).status_code == 401


def test_query_syntax_is_not_interpreted(world, search_index):
    teacher = world.as_("teacher")
    make_lecture(teacher, "Tập hợp và mệnh đề")
    for q in ('title:"tap hop" OR *', "(((", "NOT AND", "tap* hop?"):
        assert teacher.get("/search", query_string={"q": q}).status_code == 200


def test_department_sees_the_review_queue_and_admin_sees_everything(world, search_index):
    teacher, department, admin = world.as_("teacher"), world.as_("department"), world.as_("admin")
    draft = make_question(teacher, "<p>Dao động điều hoà</p>", subject="vat-li")
    queued = make_question(teacher, "<p>Dao động tắt dần</p>", subject="vat-li")
    assert teacher.post(f"/questions/{queued}/submit", json={"scope": "shared"}).status_code == 200
    assert hits(search(department, q="dao dong")) == [("question", queued)]
    assert sorted(i for _, i in hits(search(admin, q="dao dong"))) == sorted([draft, queued])


def test_a_features_clauses_never_match_another_features_documents():
    from types import SimpleNamespace

    from lms.search.permissions import allow_for

    # A lecture rule "what I own" must not open the owner's questions, and a clause naming only
    # questions that a lecture source returned by mistake is dropped.
    lectures = SimpleNamespace(search_allow_clauses=lambda user: [{"owner_id": "5"}, {"type": "question"}])
    questions = SimpleNamespace(search_allow_clauses=lambda user: [{"type": ["lecture", "question"],
                                                                    "owner_id": "5"}])
    sources = {"lecture": lectures, "question": questions}
    teacher = SimpleNamespace(role="teacher", id=5)
    assert allow_for(teacher, sources).any_of == (
        {"owner_id": "5", "type": "lecture"}, {"type": "question", "owner_id": "5"})
    student = SimpleNamespace(role="student", id=5)
    assert allow_for(student, sources).any_of == ({"owner_id": "5", "type": "lecture"},)
    assert allow_for(None, sources).any_of == ()
