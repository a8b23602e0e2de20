"""Rich text of questions: HTML sanitising that keeps LaTeX intact, plain text and near-duplicate keys.

Stems and option texts come from rich-text editors and from imported files (Word, Moodle XML), so they are
untrusted HTML. They are cleaned with nh3 against a small allow-list. LaTeX between ``$...$`` or
``$$...$$`` is cut out before cleaning and put back afterwards, so that ``$a<b$`` is not mistaken for a
``<b>`` tag and the formula reaches MathJax/KaTeX exactly as typed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
import re
import secrets
import unicodedata
from collections.abc import Mapping

import nh3

#: Tags a question may use: text formatting, lists, tables, images, code.
ALLOWED_TAGS = frozenset({
    "p", "br", "b", "strong", "i", "em", "u", "sub", "sup", "ul", "ol", "li",
    "table", "thead", "tbody", "tr", "td", "th", "span", "img", "code", "pre", "blockquote",
})
ALLOWED_ATTRIBUTES = {
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "style"},
    "th": {"colspan", "rowspan", "style"},
    "span": {"style"},
    "p": {"style"},
}
#: Inline styles teachers use for emphasis; anything else (position, background images) is dropped.
ALLOWED_STYLE_PROPERTIES = frozenset({
    "color", "background-color", "text-align", "font-weight", "font-style", "text-decoration",
})
#: Inline images (pasted formulas, small figures) above this size must be uploaded to /media instead.
MAX_INLINE_IMAGE_BYTES = 256 * 1024

_MEDIA_SRC = re.compile(r"^/(?:api/v1/)?media/[A-Za-z0-9_][A-Za-z0-9_\-./]*(?:\?[A-Za-z0-9_=&\-.]*)?$")
_DATA_IMAGE_SRC = re.compile(r"^data:image/(?:png|jpeg);base64,([A-Za-z0-9+/]+={0,2})$")
_SAFE_STYLE = re.compile(r"^[a-z0-9#%.,:;\s\-()]*$")
_NUMBER = re.compile(r"^\d{1,4}%?$")
# Display math first so that "$$x$$" is not read as two empty inline spans. An escaped "\$" is a dollar
# sign, not a delimiter; inline math stays on one line, as in MathJax's default configuration.
_MATH = re.compile(r"(?<!\\)\$\$(?:.|\n)+?(?<!\\)\$\$|(?<!\\)\$(?:[^$\n\\]|\\.)+?(?<!\\)\$")
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[^\w$]+")


def _allowed_src(value: str) -> bool:
    if _MEDIA_SRC.match(value):
        return ".." not in value.split("?", 1)[0].split("/")
    match = _DATA_IMAGE_SRC.match(value)
    if not match:
        return False
    payload = match.group(1)
    if len(payload) * 3 // 4 > MAX_INLINE_IMAGE_BYTES:
        return False
    try:
        base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    """Drop attribute values that the allow-list of names alone cannot judge."""
    if tag == "img" and attribute == "src":
        return value if _allowed_src(value) else None
    if attribute in {"width", "height", "colspan", "rowspan"}:
        return value if _NUMBER.match(value.strip()) else None
    if attribute == "style":
        lowered = value.lower()
        if not _SAFE_STYLE.match(lowered) or "url" in lowered or "expression" in lowered:
            return None
    return value


def sanitize_html(text: str) -> str:
    """Return ``text`` as safe HTML: allow-listed tags only, no scripts, handlers or foreign URLs.

    Math spans (``$...$``, ``$$...$$``) are protected before cleaning and restored HTML-escaped, so the
    rendered text of the result shows each formula byte-for-byte as written (``$a<b$`` becomes
    ``$a&lt;b$`` in the markup). Math that an editor already escaped (``&lt;``) is not escaped twice.
    """
    if not isinstance(text, str):
        raise TypeError("sanitize_html expects a string")
    # An unguessable placeholder: content cannot forge one to smuggle markup through the restore step.
    nonce = secrets.token_hex(8)
    formulas: list[str] = []

    def protect(match: re.Match) -> str:
        formulas.append(match.group(0))
        return f"m{nonce}x{len(formulas) - 1}z"

    protected = _MATH.sub(protect, text)
    cleaned = nh3.clean(
        protected,
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style"},
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_attribute_filter,
        url_schemes={"data"},
        filter_style_properties=set(ALLOWED_STYLE_PROPERTIES),
        strip_comments=True,
        link_rel=None,
    )

    def restore(match: re.Match) -> str:
        # quote=True: a formula may land inside an attribute value (alt="$x$"); quotes must not end it.
        return html.escape(html.unescape(formulas[int(match.group(1))]), quote=True)

    return re.sub(rf"m{nonce}x(\d+)z", restore, cleaned).strip()


def plain_text(markup: str) -> str:
    """Return the visible text of ``markup`` (tags removed, entities decoded, whitespace collapsed)."""
    with_breaks = re.sub(r"<(?:br|/p|/li|/tr|/td|/th)\b[^>]*>", " ", markup or "", flags=re.IGNORECASE)
    return _SPACE.sub(" ", html.unescape(_TAG.sub("", with_breaks))).strip()


def fold_diacritics(text: str) -> str:
    """Remove Vietnamese (and other) diacritics: "Đường thẳng" -> "Duong thang"."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def normalize_text(text: str, *, ignore_diacritics: bool = False) -> str:
    """Normalise typed text for comparison: NFC, casefold, collapsed whitespace, optional diacritic folding."""
    normalised = _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip().casefold()
    return fold_diacritics(normalised) if ignore_diacritics else normalised


def _texts_of(body: Mapping) -> tuple[str, list[str]]:
    """The stem (or cloze text) and the sorted texts of every choice-like part of a question body."""
    head = str(body.get("stem") or "") + " " + str(body.get("text") or "")
    parts: list[str] = []
    for key in ("options", "statements", "items"):
        parts.extend(str(entry.get("text", "")) for entry in body.get(key) or [] if isinstance(entry, Mapping))
    for pair in body.get("pairs") or []:
        if isinstance(pair, Mapping):
            parts.append(f"{pair.get('left', '')} {pair.get('right', '')}")
    return head, sorted(parts)


def near_duplicate_key(body: Mapping) -> str:
    """Return a key equal for questions that differ only in markup, case, accents, spacing or option order.

    The key is a SHA-256 hex digest of the normalised stem and sorted option texts; the question type and
    which options are correct are ignored, so a re-typed copy of a bank question is found.
    """

    def squash(markup: str) -> str:
        return _SPACE.sub(" ", _NOT_WORD.sub(" ", normalize_text(plain_text(markup), ignore_diacritics=True))).strip()

    head, parts = _texts_of(body)
    canonical = "\x1f".join([squash(head), *sorted(squash(part) for part in parts)])
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
