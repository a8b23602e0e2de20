"""The search page behind the top bar's search box."""
from __future__ import annotations

import html

from tests.conftest import PASSWORD

from .conftest import make_lecture, make_question


def _login(app, username):
    client = app.test_client()
    resp = client.post("/login", data={"username": username, "password": PASSWORD})
    assert resp.status_code == 302
    return client


def test_results_page_shows_snippets_facets_and_links(app, world, search_index):
    teacher = world.as_("teacher")
    lecture = make_lecture(teacher, "Chuyển đổi số", description="<p>Chuyển đổi số <script>x()</script> ở trường</p>")
    qid = make_question(teacher, "<p>Chuyển đổi số là gì?</p>", level="thong_hieu")
    page = _login(app, "gv.lan").get("/search?q=chuyen+doi+so")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "2 kết quả" in text
    assert "<mark>Chuyển</mark>" in text and "<script>x()" not in text
    assert "Bài giảng" in text and "Câu hỏi" in text and "Thông hiểu" in text and "Toán" in text
    assert f'href="/lectures/{lecture}"' in text and f'href="/questions/{qid}"' in text
    assert html.escape("/search?q=chuyen+doi+so&type=question") in text  # facet link keeps the query


def test_student_page_never_lists_questions(app, world, search_index):
    teacher = world.as_("teacher")
    make_question(teacher, "<p>Năng lượng tái tạo</p>")
    make_lecture(teacher, "Năng lượng tái tạo", visibility="school")
    text = _login(app, "hs.anh").get("/search?q=nang+luong").get_data(as_text=True)
    assert "1 kết quả" in text
    assert "Câu hỏi" not in text


def test_page_offers_the_suggestion_and_paginates(app, world, search_index):
    teacher = world.as_("teacher")
    for n in range(3):
        make_lecture(teacher, f"Logarit bài {n}")
    client = _login(app, "gv.lan")
    text = client.get("/search?q=logarid").get_data(as_text=True)
    assert "Có phải bạn muốn tìm" in text and "/search?q=logarit" in text
    text = client.get("/search?q=logarit&per_page=2").get_data(as_text=True)
    assert "Trang 1 / 2" in text and "/search?q=logarit&amp;page=2&amp;per_page=2" in text


def test_bad_filters_in_the_url_are_explained_not_a_crash(app, world, search_index):
    resp = _login(app, "gv.lan").get("/search?q=toan&grade=99")
    assert resp.status_code == 422
    assert "không hợp lệ" in resp.get_data(as_text=True)


def test_page_requires_login(client):
    resp = client.get("/search?q=toan")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
