"""The teacher and department pages render, filter, paginate and respect the permission rules."""
from __future__ import annotations

import pytest

from tests.question_bank.helpers import create


@pytest.fixture
def browser(app):
    def signed_in(user_id):
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = str(user_id)
            session["_fresh"] = True
        return client
    return signed_in


def test_bank_browser_filters_and_paginates(world, browser):
    teacher = world.as_("teacher")
    ids = [create(teacher, stem=f"<p>Câu số {n}</p>", level="van_dung" if n == 0 else "nhan_biet")["id"]
           for n in range(22)]
    page = browser(world.teacher).get("/questions/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "(22 câu)" in html and "Trang 1/2" in html
    assert 'script-src \'self\'' in page.headers["Content-Security-Policy"] and "<script>" not in html
    html = browser(world.teacher).get("/questions/?level=van_dung&page=1").get_data(as_text=True)
    assert "(1 câu)" in html and f"#{ids[0]}" in html
    html = browser(world.teacher).get("/questions/?page=2").get_data(as_text=True)
    assert "Trang 2/2" in html
    # Bad filter values are ignored rather than failing.
    assert browser(world.teacher).get("/questions/?grade=abc&level=x&page=-3").status_code == 200
    assert "(0 câu)" in browser(world.teacher2).get("/questions/").get_data(as_text=True)


def test_detail_editor_import_and_review_pages(world, browser):
    teacher, department = world.as_("teacher"), world.as_("department")
    qid = create(teacher, stem="<p>Câu có $x^2$</p>")["id"]
    teacher.patch(f"/questions/{qid}", json={"stem": "<p>Câu sửa $x^3$</p>"})
    html = browser(world.teacher).get(f"/questions/{qid}?version=1").get_data(as_text=True)
    assert "Câu có $x^2$" in html and "Phiên bản 2" in html and "katex.min.js" in html
    assert browser(world.teacher).get(f"/questions/{qid}/edit").status_code == 200
    assert browser(world.teacher2).get(f"/questions/{qid}").status_code == 404
    assert browser(world.teacher2).get(f"/questions/{qid}/edit").status_code == 404
    html = browser(world.teacher).get("/questions/new").get_data(as_text=True)
    assert "editor.js" in html and "Trả lời ngắn" in html
    html = browser(world.teacher).get("/questions/import").get_data(as_text=True)
    assert "import.js" in html and "Word (.docx)" in html
    assert browser(world.teacher).get("/questions/review").status_code == 403
    teacher.post(f"/questions/{qid}/submit", json={})
    html = browser(world.department).get("/questions/review").get_data(as_text=True)
    assert "(1 câu)" in html and "Câu sửa $x^3$" in html and 'data-action="reject"' in html


def test_static_assets_are_served(world, browser):
    client = browser(world.teacher)
    for name in ("editor.js", "bank.js", "import.js", "math.js", "question_bank.css"):
        assert client.get(f"/questions/static/question_bank/{name}").status_code == 200, name
    for name in ("katex.min.js", "auto-render.min.js", "katex.min.css", "LICENSE"):
        assert client.get(f"/static/vendor/katex/{name}").status_code == 200, name
