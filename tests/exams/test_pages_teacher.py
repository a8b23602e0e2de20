"""The teacher's exam pages: hand grading, regrades, printed versions, results export and the create form.

Pages are shells over the JSON API, so each flow is tested twice: the page carries the controls its script
needs, and the API calls that script makes (same paths, same bodies, the session's CSRF header) do the work.
"""
from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD

from .conftest import essay, single_choice


def _login(app, username):
    client = app.test_client()
    resp = client.post("/login", data={"username": username, "password": PASSWORD})
    assert resp.status_code == 302
    return client


def _csrf(html: str) -> dict:
    """The header window.LMS.api sends, read from the page's meta tag as app.js does."""
    token = re.search(r'<meta name="csrf-token" content="([^"]*)"', html).group(1)
    return {"X-CSRFToken": token}


def _finished_attempt(world, exam_id, student="student", answers=None):
    client = world.as_(student)
    attempt = client.post(f"/exams/{exam_id}/attempts").get_json()
    if answers:
        assert client.put(f"/attempts/{attempt['id']}/answers", json={"answers": answers}).status_code == 200
    client.post(f"/attempts/{attempt['id']}/submit")
    return attempt["id"]


@pytest.fixture
def graded_exam(world, bank, make_exam):
    ids = [bank.q(single_choice(1)), bank.q(single_choice(2)), bank.q(essay(3))]
    exam = make_exam(ids, title="Kiểm tra chương II")
    attempt_id = _finished_attempt(world, exam["id"], answers={str(ids[0]): "b", str(ids[1]): "a",
                                                               str(ids[2]): "Lời giải của em."})
    return exam, ids, attempt_id


TEACHER_PAGES = ("/exams/{id}/results", "/exams/{id}/statistics", "/exams/{id}/versions", "/exams/{id}/regrade")


def test_teacher_pages_render_for_the_owner_only(app, world, graded_exam):
    exam, ids, attempt_id = graded_exam
    owner = _login(app, "gv.lan")
    for page in TEACHER_PAGES + ("/exams/attempts/%d" % attempt_id,):
        resp = owner.get(page.format(id=exam["id"]))
        html = resp.get_data(as_text=True)
        assert resp.status_code == 200, page
        assert "<script>" not in html and "onclick" not in html, page
    for username in ("gv.minh", "hs.bao", "sogd"):
        other = _login(app, username)
        for page in TEACHER_PAGES:
            assert other.get(page.format(id=exam["id"])).status_code == 404, (username, page)
    assert _login(app, "gv.minh").get(f"/exams/attempts/{attempt_id}").status_code == 404
    # An admin may look at results and papers but not write: the regrade screen is the owner's.
    admin = _login(app, "quantri")
    assert admin.get(f"/exams/{exam['id']}/versions").status_code == 200
    assert admin.get(f"/exams/{exam['id']}/regrade").status_code == 404
    anonymous = app.test_client()
    for page in TEACHER_PAGES:
        resp = anonymous.get(page.format(id=exam["id"]))
        assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_pages_link_to_each_other_and_results_export_matches_the_screen(app, world, graded_exam):
    exam, _, attempt_id = graded_exam
    client = _login(app, "gv.lan")
    listing = client.get("/exams/").get_data(as_text=True)
    for path in TEACHER_PAGES:
        assert path.format(id=exam["id"]) in listing
    results = client.get(f"/exams/{exam['id']}/results").get_data(as_text=True)
    for path in TEACHER_PAGES:
        assert path.format(id=exam["id"]) in results
    assert f"/exams/attempts/{attempt_id}" in results and "Lượt 1" in results and "chờ chấm" in results
    assert "format=csv" in results and "format=xlsx" in results
    header = [h.strip() for h in re.findall(r'<th scope="col">([^<]*)</th>', results)]
    csv = client.get(f"/api/v1/exams/{exam['id']}/results?format=csv")
    assert csv.status_code == 200
    assert csv.get_data(as_text=True).lstrip("\ufeff").splitlines()[0].split(",") == header
    xlsx = client.get(f"/api/v1/exams/{exam['id']}/results?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"


def test_hand_grading_form_and_recomputed_total(app, world, graded_exam):
    exam, ids, attempt_id = graded_exam
    client = _login(app, "gv.lan")
    page = client.get(f"/exams/attempts/{attempt_id}").get_data(as_text=True)
    assert "grade.js" in page and 'class="grade-form"' in page
    assert f'data-question-id="{ids[2]}"' in page and f'for="points-{ids[2]}"' in page
    assert f'for="comment-{ids[2]}"' in page and "Lời giải của em." in page and "Hướng dẫn chấm" in page
    assert "Chờ chấm" in page and f'for="points-{ids[0]}"' not in page  # only essays get a form
    headers = _csrf(page)

    too_much = client.put(f"/api/v1/attempts/{attempt_id}/grades/{ids[2]}", json={"points": "5", "comment": None},
                          headers=headers)
    assert too_much.status_code == 422 and "points" in too_much.get_json()["errors"]

    graded = client.put(f"/api/v1/attempts/{attempt_id}/grades/{ids[2]}",
                        json={"points": "0.5", "comment": "Trình bày tốt, thiếu kết luận."}, headers=headers)
    doc = graded.get_json()
    assert graded.status_code == 200, doc
    assert doc["status"] == "graded" and doc["score"] == "1.50" and doc["max_score"] == "3.00"
    assert doc["score_10"] == "5.0"
    essay_doc = next(q for q in doc["questions"] if q["id"] == ids[2])
    assert essay_doc["points_earned"] == "0.50" and essay_doc["comment"] == "Trình bày tốt, thiếu kết luận."

    again = client.get(f"/exams/attempts/{attempt_id}").get_data(as_text=True)
    assert "Đã chấm" in again and "Trình bày tốt, thiếu kết luận." in again and 'value="0,50"' in again
    results = client.get(f"/exams/{exam['id']}/results").get_data(as_text=True)
    assert "bài chờ chấm" not in results and "5,0" in results
    # The student sees the comment, never a grading form.
    student_view = _login(app, "hs.anh").get(f"/exams/attempts/{attempt_id}").get_data(as_text=True)
    assert "grade-form" not in student_view and "Trình bày tốt, thiếu kết luận." in student_view


def test_regrade_screen_previews_then_applies(app, world, bank, make_exam):
    ids = bank.choices(2)
    exam = make_exam(ids, title="Kiểm tra có câu sai đáp án")
    first = _finished_attempt(world, exam["id"], answers={str(ids[0]): "a", str(ids[1]): "b"})
    _finished_attempt(world, exam["id"], student="student2", answers={str(ids[0]): "b", str(ids[1]): "b"})
    client = _login(app, "gv.lan")
    page = client.get(f"/exams/{exam['id']}/regrade").get_data(as_text=True)
    assert "regrade.js" in page and 'id="rg-question"' in page and 'for="rg-question"' in page
    for action in ("new_version", "full_credit", "drop"):
        assert f'value="{action}"' in page
    assert 'id="rg-preview"' in page and 'id="rg-apply"' in page and f'<option value="{ids[0]}">' in page
    headers = _csrf(page)
    url = f"/api/v1/exams/{exam['id']}/regrade"

    preview = client.post(url, json={"question_id": ids[0], "action": "full_credit", "dry_run": True},
                          headers=headers).get_json()
    assert preview["dry_run"] is True
    change = next(c for c in preview["changes"] if c["attempt_id"] == first)
    assert (change["old_score_10"], change["new_score_10"], change["full_name"]) == ("5.0", "10.0", "Lê Minh Anh")
    unchanged = client.get(f"/api/v1/exams/{exam['id']}/results").get_json()
    assert {r["username"]: r["score_10"] for r in unchanged["rows"]}["hs.anh"] == "5.0"

    applied = client.post(url, json={"question_id": ids[0], "action": "full_credit", "dry_run": False},
                          headers=headers).get_json()
    assert applied["dry_run"] is False and len(applied["changes"]) == 2
    after = client.get(f"/api/v1/exams/{exam['id']}/results").get_json()
    assert {r["username"]: r["score_10"] for r in after["rows"]} == {"hs.anh": "10.0", "hs.bao": "10.0"}
    assert "Trọn điểm" in client.get(f"/exams/{exam['id']}/regrade").get_data(as_text=True)
    bad = client.post(url, json={"question_id": 999999, "action": "drop"}, headers=headers)
    assert bad.status_code == 404


def test_versions_page_creates_lists_and_downloads_papers(app, world, bank, make_exam):
    exam = make_exam(bank.choices(4), title="Kiểm tra giữa kì")
    client = _login(app, "gv.lan")
    page = client.get(f"/exams/{exam['id']}/versions").get_data(as_text=True)
    assert "versions.js" in page and 'for="version-count"' in page and "Chưa có mã đề nào" in page
    created = client.post(f"/api/v1/exams/{exam['id']}/versions", json={"count": 3}, headers=_csrf(page))
    assert created.status_code == 201 and [v["code"] for v in created.get_json()] == ["101", "102", "103"]
    too_many = client.post(f"/api/v1/exams/{exam['id']}/versions", json={"count": 99}, headers=_csrf(page))
    assert too_many.status_code == 422
    page = client.get(f"/exams/{exam['id']}/versions").get_data(as_text=True)
    links = re.findall(r'href="([^"]*/versions/(\d+)/export\?format=docx)"', page)
    assert [code for _, code in links] == ["101", "102", "103"]
    assert "Xem đáp án mã 102" in page
    docx = client.get(links[0][0].replace("&amp;", "&"))
    assert docx.status_code == 200 and docx.data[:2] == b"PK"


def _form(world, **fields):
    data = {"title": "Kiểm tra theo ma trận", "subject": "toan", "grade": "10", "class_ids": [str(world.klass)],
            "mode": "exam", "duration_minutes": "45", "max_attempts": "1", "review": "after_close",
            "counted": "best", "opens_at": "05/01/2030 07:30", "closes_at": "05/01/2030 09:00",
            "gradebook_kind": "gk", "semester": "2", "build": "blueprint", "section_title": "Phần I",
            "points_per_question": "0,5", "scoring": "proportional", "fill": "fixed",
            "bp_topic": ["", "", ""], "bp_level": ["nhan_biet", "thong_hieu", ""],
            "bp_type": ["single_choice", "single_choice", ""], "bp_count": ["2", "1", ""]}
    data.update(fields)
    return data


def test_create_form_offers_presets_blueprint_rows_and_picks(app, world):
    page = _login(app, "gv.lan").get("/exams/new").get_data(as_text=True)
    assert "exam_form.js" in page and "<script>" not in page
    for preset in ("thpt2025-toan", "thpt2025-ngoai-ngu"):
        assert f'value="{preset}"' in page
    for name in ("bp_topic", "bp_level", "bp_type", "bp_count"):
        assert f'name="{name}"' in page
    for control in ('value="thpt2025"', 'name="question_ids"', 'name="class_ids"', 'name="gradebook_kind"',
                    'name="semester"', 'name="opens_at"', 'name="closes_at"', 'name="duration_minutes"',
                    'name="review"', 'id="picker"'):
        assert control in page, control
    assert "10A1" in page


def test_create_form_builds_a_blueprint_exam_with_gradebook_link(app, world, bank):
    for n in range(3):
        bank.q(single_choice(n), level="nhan_biet")
    bank.q(single_choice(9), level="thong_hieu")
    client = _login(app, "gv.lan")
    resp = client.post("/exams/new", data=_form(world))
    assert resp.status_code == 302, resp.get_data(as_text=True)
    exam_id = int(resp.headers["Location"].rstrip("/").split("/")[-2])
    exam = world.as_("teacher").get(f"/exams/{exam_id}").get_json()
    assert exam["gradebook"] == {"column_kind": "gk", "semester": 2} and exam["review"] == "after_close"
    assert exam["duration_minutes"] == 45 and exam["opens_at"].startswith("2030-01-05T00:30")
    cells = exam["sections"][0]["blueprint"]
    assert [(c["level"], c["type"], c["count"]) for c in cells] == [("nhan_biet", "single_choice", 2),
                                                                     ("thong_hieu", "single_choice", 1)]
    assert len(exam["sections"][0]["question_ids"]) == 3


def test_create_form_shows_api_errors_in_vietnamese_next_to_fields(app, world, bank):
    bank.q(single_choice(1), level="nhan_biet")
    client = _login(app, "gv.lan")
    short = client.post("/exams/new", data=_form(world, bp_count=["1", "4", ""]))
    html = short.get_data(as_text=True)
    assert short.status_code == 422
    assert "Ngân hàng không đủ câu hỏi" in html and "cần 4 câu" in html
    assert 'id="err-bp-1"' in html and 'href="#bp-count-1"' in html  # the row of the missing cell
    assert 'value="4"' in html and 'value="Kiểm tra theo ma trận"' in html  # the teacher's input is kept

    missing = client.post("/exams/new", data=_form(world, class_ids=[], title="", points_per_question="abc",
                                                   closes_at="05/01/2030 07:00"))
    html = missing.get_data(as_text=True)
    assert missing.status_code == 422
    assert "Chọn ít nhất một lớp." in html and "Điểm mỗi câu phải là một số" in html
    assert 'id="err-title"' in html and 'aria-invalid="true"' in html and 'id="error-summary"' in html
    assert "Length must be" not in html and "Missing data" not in html

    impossible = client.post("/exams/new", data=_form(world, opens_at="31/02/2030 07:30"))
    html = impossible.get_data(as_text=True)
    assert impossible.status_code == 422 and "Ngày giờ không hợp lệ (dd/mm/yyyy HH:mm" in html
    assert 'value="31/02/2030 07:30"' in html and 'id="err-opens_at"' in html  # kept as typed, marked

    preset = client.post("/exams/new", data=_form(world, build="preset", preset="thpt2025-toan"))
    html = preset.get_data(as_text=True)
    assert preset.status_code == 422 and "Ngân hàng không đủ câu hỏi" in html

    picks = client.post("/exams/new", data=_form(world, build="questions", question_ids="999999"))
    assert picks.status_code == 422 and 'id="err-sections-0-question_ids"' in picks.get_data(as_text=True)


def test_create_form_with_picks_and_thpt2025_scoring(app, world, bank):
    ids = [bank.q(single_choice(n)) for n in range(1, 4)]
    client = _login(app, "gv.lan")
    resp = client.post("/exams/new", data=_form(world, build="questions", scoring="thpt2025", points_per_question="",
                                                question_ids=" ; ".join(map(str, ids)), gradebook_kind=""))
    assert resp.status_code == 302, resp.get_data(as_text=True)
    exam_id = int(resp.headers["Location"].rstrip("/").split("/")[-2])
    exam = world.as_("teacher").get(f"/exams/{exam_id}").get_json()
    assert exam["sections"][0]["scoring"] == "thpt2025" and exam["sections"][0]["question_ids"] == ids
    assert exam["sections"][0]["points_per_question"] is None and exam["gradebook"] is None
