"""The import page offers a Word template in the importer's own layout, and the dry run shows each question
with the answer it detected before anything is written."""
from __future__ import annotations

import io

from question_bank.formats.docx import parse_docx
from question_bank.import_template import template_docx
from tests.conftest import PASSWORD


def _login(app, username):
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
    return client


def test_template_parses_back_into_every_kind_with_its_key():
    result = parse_docx(template_docx())
    assert result.problems == []
    kinds = [d.body["type"] for d in result.drafts]
    assert kinds == ["single_choice", "single_choice", "true_false_group", "short_answer", "essay"]
    assert [o["correct"] for o in result.drafts[1].body["options"]] == [False, True, False, False]
    # The template writes the formula as a Word equation; reading it back gives its LaTeX.
    assert "$x^2 - 3x + 2 = 0$" in result.drafts[0].body["stem"]


def test_import_page_links_the_template_and_the_dry_run_previews_detected_answers(app, world):
    page = _login(app, "gv.lan")
    html = page.get("/questions/import").get_data(as_text=True)
    assert "/questions/import/mau-cau-hoi.docx" in html and "Tải mẫu Word" in html
    resp = page.get("/questions/import/mau-cau-hoi.docx")
    assert resp.status_code == 200 and resp.data[:2] == b"PK"
    assert "mau-cau-hoi.docx" in resp.headers["Content-Disposition"]
    assert _login(app, "hs.anh").get("/questions/import/mau-cau-hoi.docx").status_code in (403, 404)

    teacher = world.as_("teacher")
    resp = teacher.post("/questions/import?format=docx&subject=toan&grade=10&dry_run=true&mode=partial",
                        data={"file": (io.BytesIO(template_docx()), "mau.docx")}, content_type="multipart/form-data")
    body = resp.get_json()
    assert resp.status_code == 200 and body["imported"] == 0 and body["importable"] == 5
    first, capital, group, short, essay = body["items"]
    assert first["answer"] == "A" and "$x^2 - 3x + 2 = 0$" in first["stem"] and first["has_explanation"]
    assert [c["label"] for c in capital["choices"]] == ["A", "B", "C", "D"]
    assert [c["correct"] for c in capital["choices"]] == [False, True, False, False] and capital["answer"] == "B"
    assert group["answer"] == "ĐSĐS" and [c["label"] for c in group["choices"]] == ["a)", "b)", "c)", "d)"]
    assert short["answer"] == "4,5" and essay["answer"].startswith("Tự luận")
    assert teacher.get("/questions?mine=1").get_json()["total"] == 0  # a preview writes nothing
