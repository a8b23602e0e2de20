"""The whole teacher's path with a real Word exam typed with MathType: import, build mã đề, print them."""
from __future__ import annotations

import io
import re
from pathlib import Path

from docx import Document

REAL = Path(__file__).parents[1] / "question_bank" / "formats" / "fixtures" / "word_real"


def test_real_mathtype_exam_imported_mixed_and_printed_with_word_equations(world, make_exam):
    teacher = world.as_("teacher")
    data = (REAL / "toan_a3_mathtype_11_questions.docx").read_bytes()
    dry = teacher.post("/questions/import?format=docx&subject=toan&grade=10&dry_run=true",
                       data={"file": (io.BytesIO(data), "ToanA3.docx")}, content_type="multipart/form-data")
    assert dry.get_json()["importable"] == 11 and dry.get_json()["errors"] == []
    resp = teacher.post("/questions/import?format=docx&subject=toan&grade=10",
                        data={"file": (io.BytesIO(data), "ToanA3.docx")}, content_type="multipart/form-data")
    result = resp.get_json()
    assert resp.status_code == 200 and result["imported"] == 11 and result["warnings"] == dry.get_json()["warnings"]
    ids = result["question_ids"]
    questions = [teacher.get(f"/questions/{i}").get_json() for i in ids]
    formulas = sum(len(re.findall(r"\$[^$]+\$", q["stem"])) + sum(len(re.findall(r"\$[^$]+\$", o["text"]))
                                                                   for o in q["options"]) for q in questions)
    assert formulas == 67

    exam = make_exam(ids, title="Kiểm tra Toán A3", duration_minutes=45)
    versions = teacher.post(f"/exams/{exam['id']}/versions", json={"count": 2}).get_json()
    assert [v["code"] for v in versions] == ["101", "102"]
    assert versions[0]["question_order"] != versions[1]["question_order"] or \
        versions[0]["option_orders"] != versions[1]["option_orders"]
    for version in versions:
        paper = teacher.get(f"/exams/{exam['id']}/versions/{version['code']}/export?format=docx")
        assert paper.status_code == 200
        document = Document(io.BytesIO(paper.data))
        # Every MathType formula is printed as a native Word equation, none left as $…$ text.
        assert document.element.xml.count("<m:oMath>") == formulas
        assert not any("$" in p.text for p in document.paragraphs)
        assert any(f"Mã đề {version['code']}" in p.text for p in document.paragraphs)
