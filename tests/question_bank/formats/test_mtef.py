"""MathType / Equation Editor 3.0 objects (MTEF 3 and 5) to LaTeX, and MathType papers through the importer."""
import shutil

import pytest

from question_bank.formats.docx import parse_docx
from question_bank.formats.metafile import kind_of, to_png
from question_bank.formats.mtef import MtefError, mtef_to_latex, ole_equation_to_latex
from tests.question_bank.formats import mathtype_fixtures as mf


@pytest.mark.parametrize("name, expected", [
    # MathType 6 (MTEF 5)
    ("mathtype5_equation2", r"\frac{-b\pm\sqrt{b^{2}-4ac}}{2a}"),
    ("mathtype5_equation4", r"\sqrt[3]{27}"),
    ("mathtype5_matrix", r"\begin{matrix}1 & -7 \\ 2 & 5\end{matrix}"),
    ("mathtype5_long_uint_comment", r"E_{\text{eq}}=E^{\emptyset}(\text{I})-E^{\emptyset}(\text{II})+\frac{RT}"
                                    r"{z_{\text{r}}F}\ln a_{\text{M}(\text{I})}^{\nu(\text{I})_{+}}-\frac{RT}"
                                    r"{z_{\text{r}}F}\ln a_{\text{M}(\text{II})}^{\nu(\text{II})_{+}}"),
    ("m2m_629", r"P_{x}=r\frac{\sum_{y=1:N}Y_{y}}{N}-Y_{x}=\left\{\begin{array}{l}r\frac{\sum_{s_{y}=C}Y_{y}}{N}"
                r"-Y_{x}\text{    if }s_{x}=C \\ r\frac{\sum_{s_{y}=C}Y_{y}}{N}\text{           if }s_{x}=D"
                r"\end{array}\right."),
    # Equation Editor 3.0 (MTEF 3)
    ("mathtype3_sqrt", r"\sigma_{t}=\sqrt{\sigma_{R}^{2}+\sigma_{P}^{2}}"),
    ("mathtype3_lim_embell", r"A=\lim_{\begin{array}{c}n\to\infty \\ \Delta x_{k}\to0\end{array}}\sum_{k=1}^{n}"
                             r"f(\tilde{x}_{k})\Delta x_{k}"),
    ("mathtype3_frac", r"\frac{2\quad\text{d}}{204\quad\text{d}}\cdot100\quad\%=0,98\quad\%"),
])
def test_corpus_objects_become_latex(name, expected):
    assert ole_equation_to_latex(mf.ole(name)) == expected


def test_templates_fences_integrals_and_functions():
    fences = ole_equation_to_latex(mf.ole("mathtype5_fences"))
    for piece in (r"\left(a\right)", r"\left\{c\right\}", r"\left\langle d\right\rangle", r"\left\|f\right\|",
                  r"\left[i\right)", r"\left(r\right.", r"\langle a\mid b \rangle", r"\overbrace{a}^{b}",
                  r"\underbrace{b}_{c}"):
        assert piece in fences
    integrals = ole_equation_to_latex(mf.ole("mathtype5_integrals"))
    assert integrals.startswith(r"\begin{array}{l}\int a+\int_{c}^{a}b")
    assert r"\iint_{b}a" in integrals and r"\iiint a" in integrals and r"\oint_{b}a" in integrals
    mixed = ole_equation_to_latex(mf.ole("m2m_equation14"))
    assert mixed.startswith(r"\cos^{-1}\theta\left(\frac{\pi}{2}-\theta\right)e^{i\theta}\arcsin\theta\mathfrak{M}")
    assert mixed.endswith(r"\left[0,1\right]\oint_{d}c\int_{v}^{d}a")


@pytest.mark.parametrize("data, message", [
    (b"not an OLE file", "không phải tệp OLE"),
    (mf.broken_ole(), "phiên bản MTEF 9"),
])
def test_unreadable_objects_raise_mtef_error(data, message):
    with pytest.raises(MtefError, match=message):
        ole_equation_to_latex(data)


@pytest.mark.parametrize("mtef, message", [
    (b"\x05\x00\x00\x06\x07DSMT6\x00\x00\x01\x00\x02\x00", "cắt cụt"),             # ends inside a CHAR record
    (b"\x05\x00\x00\x06\x07DSMT6\x00\x00\x01\x00\x02\x00\x83\x00\xe0\x00\x00", r"U\+E000"),  # unknown private char
    (b"\x05\x00\x00\x06\x07DSMT6\x00\x00\x01\x00\x03\x00\x63\x00\x00\x00\x00\x00", "mẫu MathType số 99"),  # unknown template
    (b"\x05\x00\x00\x06\x07DSMT6\x00\x00" + b"\x01\x00" * 200, "lồng nhau quá sâu"),
])
def test_crafted_mtef_is_refused_not_crashing(mtef, message):
    with pytest.raises(MtefError, match=message):
        mtef_to_latex(mtef)


def test_mathtype_paper_with_word_numbering_imports_formulas_as_latex():
    result = parse_docx(mf.mathtype_paper())
    assert not result.problems
    first, second, third = result.drafts
    assert first.location == "Câu 1, đoạn 2"
    assert first.body["stem"] == r"Nghiệm của phương trình bậc hai là $\frac{-b\pm\sqrt{b^{2}-4ac}}{2a}$"
    assert [o["text"] for o in first.body["options"]][:3] == [
        r"$\sqrt[3]{27}$", r"$\begin{matrix}1 &amp; -7 \\ 2 &amp; 5\end{matrix}$",
        r"$\sigma_{t}=\sqrt{\sigma_{R}^{2}+\sigma_{P}^{2}}$"]
    assert [o["correct"] for o in first.body["options"]] == [True, False, False, False]
    assert first.images == [] and second.images == []
    assert r"\sum_{k=1}^{n}f(\tilde{x}_{k})" in second.body["stem"]
    assert [o["correct"] for o in third.body["options"]] == [False, False, True, False]


def test_unconvertible_formula_keeps_its_picture_as_png_and_is_reported():
    result = parse_docx(mf.mathtype_paper())
    third = result.drafts[2]
    [image] = third.images
    assert image.name.endswith(".png") and image.content_type == "image/png"
    assert image.data.startswith(b"\x89PNG")
    assert third.body["stem"] == f'Giá trị của biểu thức <img src="cid:{image.name}">'
    assert result.warnings == []
    [warning] = third.warnings
    assert warning.startswith("Câu 3 (đoạn 12): một công thức MathType không chuyển được sang LaTeX "
                              "(phiên bản MTEF 9 chưa được hỗ trợ); đã giữ ảnh image1.png")


def test_metafile_kinds_and_wmf_conversion():
    wmf = mf.wmf_bytes(width=1440, height=720)
    assert kind_of(wmf) == "wmf" and kind_of(b"\x89PNG") is None
    png = to_png({"x": wmf, "y": b"not a picture"})
    assert set(png) == {"x"}
    width, height = int.from_bytes(png["x"][16:20], "big"), int.from_bytes(png["x"][20:24], "big")
    assert (width, height) == (144, 72)  # one inch by half an inch at 144 dpi


def test_every_corpus_formula_prints_as_a_native_word_equation():
    from question_bank.formats.docx_omml import latex_to_omml

    for path in sorted(mf.CORPUS.glob("*.bin")):
        latex = ole_equation_to_latex(path.read_bytes())
        assert latex and latex_to_omml(latex) is not None, path.name


def test_imported_mathtype_paper_prints_as_a_mixed_exam_version_with_typeset_formulas():
    import io

    from docx import Document

    from question_bank.formats.docx import build_paper

    drafts = parse_docx(mf.mathtype_paper(broken=False)).drafts
    header = {"school": "THPT Chu Văn An", "exam_title": "Kiểm tra giữa kì", "subject": "Toán 10",
              "duration_minutes": 45, "code": "102"}
    # A mã đề prints the questions in another order; every MathType formula is a Word equation there.
    paper = build_paper(header, [{"number": n, "body": d.body} for n, d in enumerate(reversed(drafts), 1)])
    document = Document(io.BytesIO(paper))
    xml = document.element.xml
    formulas = sum(d.body["stem"].count("$") // 2 + sum(o["text"].count("$") // 2 for o in d.body["options"])
                   for d in drafts)
    assert formulas == 11 and xml.count("<m:oMath>") == formulas
    assert "<m:f>" in xml and "<m:rad>" in xml and "<m:nary>" in xml
    assert not any("$" in p.text for p in document.paragraphs)


def test_corrupted_objects_only_ever_raise_mtef_error():
    """Seeded byte flips and truncations of the corpus: a broken formula never fails the whole file."""
    import random

    rng = random.Random(1)
    objects = [path.read_bytes() for path in sorted(mf.CORPUS.glob("*.bin"))]
    for _ in range(1500):
        data = bytearray(rng.choice(objects))
        for _flip in range(rng.randint(1, 20)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        if rng.random() < 0.2:
            data = data[:rng.randrange(len(data))]
        try:
            ole_equation_to_latex(bytes(data))
        except MtefError:
            pass


@pytest.mark.skipif(shutil.which("soffice") is None and shutil.which("libreoffice") is None,
                    reason="LibreOffice is installed by `make test`")
def test_emf_goes_through_one_libreoffice_call_and_is_trimmed_to_its_drawing():
    png = to_png({"a": mf.emf_bytes(), "b": mf.emf_bytes(300, 100)})
    assert set(png) == {"a", "b"}
    width, height = int.from_bytes(png["a"][16:20], "big"), int.from_bytes(png["a"][20:24], "big")
    assert width < 300 and height < 150  # not the A4 page LibreOffice draws it on
