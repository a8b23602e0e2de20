"""Real Vietnamese exam papers typed in Word with MathType formulas (fixtures/word_real, Apache-2.0)."""
from pathlib import Path

from question_bank.formats.docx import parse_docx
from question_bank.formats.docx_omml import latex_to_omml

REAL = Path(__file__).parent / "fixtures" / "word_real"


def _correct(draft) -> str:
    return "".join("ABCD"[i] for i, o in enumerate(draft.body["options"]) if o["correct"])


def _formulas(draft) -> list[str]:
    import re

    texts = [draft.body["stem"]] + [o["text"] for o in draft.body["options"]]
    return [m for text in texts for m in re.findall(r"\$([^$]+)\$", text)]


def test_eleven_question_paper_converts_every_mathtype_formula():
    result = parse_docx((REAL / "toan_a3_mathtype_11_questions.docx").read_bytes())
    assert result.problems == [] and result.warnings == []
    assert len(result.drafts) == 11
    assert all(not d.images and not d.warnings for d in result.drafts)  # no formula fell back to a picture
    first = result.drafts[0]
    assert first.location == "Câu 1, đoạn 1"
    assert first.body["stem"] == (r"Tính tích phân $I=\iint_{D}\left(x^{2}+y^{2}\right)^{2}dxdy,$ trong đó <i>D</i> "
                                  r"là hình tròn $x^{2}+y^{2}\le1.$")
    assert [o["text"] for o in first.body["options"]] == [
        r"$I=\frac{2\pi}{5}.$", r"$I=\frac{\pi}{3}.$", r"$I=-\frac{\pi}{3}.$", r"$I=\frac{2\pi}{3}.$"]
    assert "".join(_correct(d) for d in result.drafts) == "BAACDAACDAA"
    polar = result.drafts[7].body["options"][0]["text"]
    assert polar == r"$I=\int_{0}^{2\pi}d\varphi\int_{0}^{1}rf\left(r\right)dr.$"
    formulas = [f for d in result.drafts for f in _formulas(d)]
    assert len(formulas) == 67
    assert all(latex_to_omml(f) is not None for f in formulas)  # each prints as a Word equation


def test_mixing_tool_paper_whose_first_question_comes_before_any_separator():
    result = parse_docx((REAL / "toan_a3_mathtype_br.docx").read_bytes())
    assert result.problems == []
    assert [d.location for d in result.drafts] == ["Câu hỏi thứ 1, đoạn 1", "Câu hỏi thứ 2, đoạn 7"]
    assert [_correct(d) for d in result.drafts] == ["A", "D"]
    assert result.drafts[1].body["options"][3]["text"] == r"$I=\frac{14\pi}{3}.$"


def test_separator_on_the_first_line_and_options_right_after_formulas():
    result = parse_docx((REAL / "toan_a3_mathtype_inline_options.docx").read_bytes())
    assert result.problems == []
    assert len(result.drafts) == 4 and [_correct(d) for d in result.drafts] == ["B", "A", "C", "D"]
    second = result.drafts[1]
    # "A. $…dz.$B. $…$" on one line: the full stop is inside the formula, B follows it directly.
    assert second.body["options"][1]["text"].startswith(r"$I=\int_{0}^{2\pi}\sin\varphi d\varphi")
    assert result.drafts[3].body["stem"].startswith(r"Chuyển sang tọa độ cầu và xác định cận của tích phân")
