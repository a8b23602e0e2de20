"""MathML <-> LaTeX for QTI: the subset authoring tools write, and exact round trips through the annotation."""
from xml.etree import ElementTree as ET

import pytest

from question_bank.formats.mathml import latex_to_mathml, mathml_to_latex

M = 'xmlns="http://www.w3.org/1998/Math/MathML"'


def convert(markup: str) -> str:
    return mathml_to_latex(ET.fromstring(markup))


@pytest.mark.parametrize("markup, latex", [
    (f"<math {M}><mfrac><mn>1</mn><mrow><mi>x</mi><mo>+</mo><mn>1</mn></mrow></mfrac></math>",
     r"$\frac{1}{x+1}$"),
    (f"<math {M}><msqrt><mi>x</mi></msqrt><mo>·</mo><mroot><mn>8</mn><mn>3</mn></mroot></math>",
     r"$\sqrt{x}\cdot\sqrt[3]{8}$"),
    (f"<math {M}><msubsup><mi>x</mi><mn>1</mn><mn>2</mn></msubsup><mo>≤</mo><mi>α</mi></math>",
     r"$x_1^2\le\alpha$"),
    (f"<math {M}><msub><mi>log</mi><mn>2</mn></msub><mi>x</mi></math>", r"$\log_2x$"),
    (f"<math {M}><mfenced><mi>a</mi><mi>b</mi></mfenced></math>", r"$\left( a,b \right)$"),
    (f"<math {M}><mover><mi>AB</mi><mo>→</mo></mover></math>", r"$\vec{AB}$"),
    (f"<math {M}><munderover><mo>∑</mo><mrow><mi>i</mi><mo>=</mo><mn>1</mn></mrow><mi>n</mi></munderover>"
     f"<mi>i</mi></math>", r"$\sum_{i=1}^ni$"),
    (f"<math {M}><mi mathvariant='double-struck'>R</mi><mtext> tập số thực</mtext></math>",
     r"$\mathbb{R}\text{ tập số thực}$"),
    (f"<math {M} display='block'><mi>E</mi><mo>=</mo><mi>m</mi><msup><mi>c</mi><mn>2</mn></msup></math>",
     "$$E=mc^2$$"),
])
def test_presentation_mathml_becomes_latex(markup, latex):
    assert convert(markup) == latex


def test_a_tex_annotation_wins_over_the_presentation_markup():
    markup = (f"<math {M}><semantics><mrow><mi>x</mi></mrow>"
              f"<annotation encoding='application/x-tex'>\\frac{{a}}{{b}}</annotation></semantics></math>")
    assert convert(markup) == r"$\frac{a}{b}$"


@pytest.mark.parametrize("latex", [r"y = x^2 - 4x + 3", r"\mathbb{R}", r"\frac{\sqrt{3}}{2}", r"x_{1,2} = \pm 1"])
def test_latex_survives_mathml_and_back(latex):
    math = latex_to_mathml(latex)
    assert math is not None and math.find("semantics") is not None
    assert mathml_to_latex(math) == f"${latex}$"
    assert mathml_to_latex(latex_to_mathml(latex, display=True)) == f"$${latex}$$"


def test_unknown_elements_keep_their_text():
    assert convert(f"<math {M}><mstyle><mpadded><mi>x</mi></mpadded><mi>y</mi></mstyle></math>") == "$xy$"
