"""HTML sanitising with LaTeX protection, plain text and near-duplicate keys."""

import base64
import html
from html.parser import HTMLParser

import pytest

from question_bank.content import ALLOWED_TAGS, MAX_INLINE_IMAGE_BYTES, fold_diacritics, near_duplicate_key, normalize_text, \
    plain_text, sanitize_html


class ElementCollector(HTMLParser):
    """Every element and attribute a browser would build from the markup, and the visible text."""

    def __init__(self):
        super().__init__()
        self.elements, self.text = [], ""

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))

    def handle_data(self, data):
        self.text += data


@pytest.mark.parametrize("payload", [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<a href=\"javascript:alert(1)\">bấm</a>",
    "<iframe src=\"https://evil.example\"></iframe>",
    "<svg onload=alert(1)><circle r=1 /></svg>",
    "<p onclick=\"alert(1)\">x</p>",
    "<img src=\"javascript:alert(1)\">",
    "<span style=\"background:url(javascript:alert(1))\">x</span>",
    "<math><mtext><script>alert(1)</script></mtext></math>",
    "<object data=\"x.swf\"></object><embed src=\"x.swf\">",
    "<img alt=\"$\" onerror=\"alert(1)$\" src=\"/media/a.png\">",
    "<sc<script>ript>alert(1)</script>",
])
def test_xss_payloads_are_stripped(payload):
    parser = ElementCollector()
    parser.feed(sanitize_html(payload))
    for tag, attributes in parser.elements:
        assert tag in ALLOWED_TAGS
        for name, value in attributes:
            assert not name.startswith("on") and name in {"src", "alt", "width", "height", "style"}
            if name == "src":
                assert value.startswith(("/media/", "/api/v1/media/", "data:image/"))
            if name == "style":
                assert "url" not in value


def test_script_content_is_dropped_not_shown():
    assert sanitize_html("<p>Câu 1</p><script>alert(1)</script><style>p{}</style>") == "<p>Câu 1</p>"


def test_math_survives_byte_for_byte():
    source = r"Cho $a<b$ và $$\frac{x}{y} > 0 \text{ & } x \le y$$ thì <b>đúng</b>"
    cleaned = sanitize_html(source)
    assert "$a&lt;b$" in cleaned and "<b>đúng</b>" in cleaned
    assert plain_text(cleaned) == "Cho $a<b$ và $$\\frac{x}{y} > 0 \\text{ & } x \\le y$$ thì đúng"


def test_math_escaped_by_an_editor_is_not_escaped_twice():
    assert sanitize_html("<p>$a &lt; b$</p>") == "<p>$a &lt; b$</p>"


def test_math_cannot_forge_markup():
    cleaned = sanitize_html("$<script>alert(1)</script>$")
    assert "<script" not in cleaned and html.unescape(cleaned) == "$<script>alert(1)</script>$"


def test_escaped_dollar_is_not_math():
    assert sanitize_html(r"Giá \$5 và <i>x</i> \$6") == r"Giá \$5 và <i>x</i> \$6"


def test_allowed_markup_is_kept():
    source = ("<p>Bảng:</p><table><thead><tr><th colspan=\"2\">x</th></tr></thead><tbody><tr><td>1</td>"
              "<td>2</td></tr></tbody></table><ul><li><u>a</u><sub>2</sub><sup>3</sup></li></ul>"
              "<pre><code>print(1)</code></pre><blockquote><em>q</em></blockquote>")
    assert sanitize_html(source) == source


@pytest.mark.parametrize("src, kept", [
    ("/media/abc/figure.png", True),
    ("/api/v1/media/12/download?rendition=720", True),
    ("https://evil.example/x.png", False),
    ("//evil.example/x.png", False),
    ("/media/../api/v1/users", False),
    ("/api/v1/users", False),
    ("data:image/png;base64," + base64.b64encode(b"\x89PNG....").decode(), True),
    ("data:image/svg+xml;base64," + base64.b64encode(b"<svg onload=alert(1)>").decode(), False),
    ("data:image/png;base64,@@@", False),
    ("data:image/jpeg;base64," + base64.b64encode(b"x" * (MAX_INLINE_IMAGE_BYTES + 3)).decode(), False),
])
def test_image_sources_are_restricted(src, kept):
    cleaned = sanitize_html(f'<img src="{src}" alt="hình" width="120" height="abc">')
    assert ("src=" in cleaned) is kept
    assert 'alt="hình"' in cleaned and 'width="120"' in cleaned and "height" not in cleaned


def test_safe_inline_styles_are_kept():
    assert sanitize_html('<span style="color:red">đỏ</span>') == '<span style="color:red">đỏ</span>'
    assert sanitize_html('<span style="position:fixed">x</span>') in {"<span>x</span>", '<span style="">x</span>'}


def test_plain_text_strips_tags_and_entities():
    assert plain_text("<p>Xin&nbsp;chào</p><p>thế   <b>giới</b></p>") == "Xin chào thế giới"


def test_text_normalisation():
    assert normalize_text("  Hà\u0300   NỘI ") == normalize_text("Hà\u0300 nội")
    assert fold_diacritics("Đường thẳng") == "Duong thang"
    assert normalize_text("Đường", ignore_diacritics=True) == "duong"


def test_near_duplicate_key_ignores_markup_case_accents_and_option_order():
    original = {"type": "single_choice", "stem": "<p>Thủ đô của Việt Nam là gì?</p>",
                "options": [{"id": "a", "text": "Hà Nội", "correct": True}, {"id": "b", "text": "Huế"}]}
    retyped = {"type": "multiple_choice", "stem": "thu do cua  viet nam la gi",
               "options": [{"id": "x", "text": "<b>Huế</b>"}, {"id": "y", "text": "HA NOI", "correct": True}]}
    different = {"type": "single_choice", "stem": "Thủ đô của Lào là gì?",
                 "options": [{"id": "a", "text": "Viêng Chăn", "correct": True}, {"id": "b", "text": "Huế"}]}
    assert near_duplicate_key(original) == near_duplicate_key(retyped)
    assert near_duplicate_key(original) != near_duplicate_key(different)
    assert len(near_duplicate_key(original)) == 64


def test_sanitize_rejects_non_text():
    with pytest.raises(TypeError):
        sanitize_html(None)
