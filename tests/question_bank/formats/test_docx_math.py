"""Word equations (OMML) to LaTeX."""
import pytest
from lxml import etree

from question_bank.formats.docx_math import omml_to_latex
from tests.question_bank.formats.docx_fixtures import mr, omml


def latex(inner: str) -> str:
    return omml_to_latex(etree.fromstring(omml(inner)))


def e(inner: str) -> str:
    return f"<m:e>{inner}</m:e>"


@pytest.mark.parametrize("inner, expected", [
    (f"<m:f><m:num>{mr('a+1')}</m:num><m:den>{mr('b')}</m:den></m:f>", r"\frac{a+1}{b}"),
    (f"<m:sSub>{e(mr('x'))}<m:sub>{mr('1')}</m:sub></m:sSub>", "x_{1}"),
    (f"<m:sSubSup>{e(mr('x'))}<m:sub>{mr('n')}</m:sub><m:sup>{mr('2')}</m:sup></m:sSubSup>", "x_{n}^{2}"),
    (f"<m:rad><m:deg>{mr('3')}</m:deg>{e(mr('8'))}</m:rad>", r"\sqrt[3]{8}"),
    (f"<m:nary><m:naryPr><m:chr m:val=\"∑\"/></m:naryPr><m:sub>{mr('k=1')}</m:sub><m:sup>{mr('n')}</m:sup>"
     f"{e(mr('k'))}</m:nary>", r"\sum_{k=1}^{n}k"),
    (f"<m:nary><m:sub>{mr('0')}</m:sub><m:sup>{mr('1')}</m:sup>{e(mr('x dx'))}</m:nary>", r"\int_{0}^{1}x dx"),
    (f"<m:d>{e(mr('x+1'))}</m:d>", r"\left(x+1\right)"),
    (f"<m:d><m:dPr><m:begChr m:val=\"{{\"/><m:endChr m:val=\"\"/></m:dPr>"
     f"{e('<m:eqArr>' + e(mr('x=1')) + e(mr('y=2')) + '</m:eqArr>')}</m:d>",
     r"\left\{\begin{array}{l}x=1 \\ y=2\end{array}\right."),
    (f"<m:func><m:fName><m:r><m:rPr><m:sty m:val=\"p\"/></m:rPr><m:t>sin</m:t></m:r></m:fName>{e(mr('α'))}"
     "</m:func>", r"\sin\alpha"),
    (f"<m:func><m:fName><m:limLow>{e(mr('lim'))}<m:lim>{mr('x→∞')}</m:lim></m:limLow></m:fName>"
     f"{e(mr('f'))}</m:func>", r"\lim_{x\to\infty}f"),
    (f"<m:acc><m:accPr><m:chr m:val=\"\u20d7\"/></m:accPr>{e(mr('AB'))}</m:acc>", r"\overrightarrow{AB}"),
    (f"<m:bar><m:barPr><m:pos m:val=\"top\"/></m:barPr>{e(mr('z'))}</m:bar>", r"\overline{z}"),
    (mr("x ≤ 2 và y ≠ 0"), r"x \le 2 \text{và} y \ne 0"),
    (f"<m:m><m:mr>{e(mr('1'))}{e(mr('0'))}</m:mr><m:mr>{e(mr('0'))}{e(mr('1'))}</m:mr></m:m>",
     r"\begin{matrix}1 & 0 \\ 0 & 1\end{matrix}"),
    ("<m:unknownThing>" + mr("42") + "</m:unknownThing>", "42"),
])
def test_common_equation_elements(inner, expected):
    assert latex(inner) == expected


def test_latex_specials_in_text_are_escaped():
    assert latex(mr("50% {a}")) == r"50\% \{a\}"


@pytest.mark.parametrize("runs, expected", [
    # Before: "2^x=\3" came out as $2\hat{}x=\backslash 3$ (linear format read as literal characters).
    ([r"2^x=\3"], "2^{x}=3"),
    ([r"2^x=\sqrt(3)"], r"2^{x}=\sqrt{3}"),
    (["x_1+x_2=√(b^2-4ac)"], r"x_{1}+x_{2}=\sqrt{b^{2}-4ac}"),
    ([r"\alpha+\beta≤\pi"], r"\alpha+\beta\le\pi"),
    (["e^(-x^2)", "+∛8"], r"e^{-x^{2}}+\sqrt[3]{8}"),
    (["2^", "x"], "2^{x}"),  # one linear formula split over two runs
])
def test_linear_format_equations_are_built_up(runs, expected):
    assert latex("".join(mr(text) for text in runs)) == expected
