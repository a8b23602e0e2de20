"""Vietnamese text typed in the pre-Unicode font encodings, TCVN3 (ABC) and VNI, turned into Unicode.

Many teachers' Word files were first written before Unicode fonts were common, in ".VnTime" (TCVN3) or
"VNI-Times" (VNI). Word keeps such text as Latin-1 characters that only read as Vietnamese in that font:
"Thñ ®« cña ViÖt Nam" is "Thủ đô của Việt Nam" in .VnTime, "Thuû ñoâ" is "Thủ đô" in VNI-Times. Imported as
they are, the questions are unreadable and unsearchable, so the importer decodes runs by their font.

- TCVN3 maps one byte to one letter; its capitals with tone marks exist only in the separate upper-case fonts
  (".VnTimeH": same codes drawn as capitals), so text in those fonts is upper-cased after decoding.
- VNI writes a letter as its base vowel followed by one byte for the shape and tone ("aø" = "à", "oä" = "ộ"),
  except for a few letters that have a byte of their own (đ, ơ, ư and the i with tones). The table is built
  from the rule rather than typed out, so it covers every letter and round-trips (tested).
"""
from __future__ import annotations

import re
import unicodedata

TCVN3, TCVN3_UPPER, VNI = "tcvn3", "tcvn3-upper", "vni"

# TCVN3 (ABC): each Vietnamese letter and its single code, lower case, then the capitals the normal fonts have.
_TCVN3 = dict(zip(
    "µ¸¶·¹" "¨»¾¼½Æ" "©ÇÊÈÉË" "®" "ÌÐÎÏÑ" "ªÒÕÓÔÖ" "×ÝØÜÞ" "ßãáâä" "«åèæçé" "¬êíëìî" "ïóñòô" "\xadõøö÷ù"
    "úýûüþ" "¡¢§£¤¥¦",
    "àáảãạ" "ăằắẳẵặ" "âầấẩẫậ" "đ" "èéẻẽẹ" "êềếểễệ" "ìíỉĩị" "òóỏõọ" "ôồốổỗộ" "ơờớởỡợ" "ùúủũụ" "ưừứửữự"
    "ỳýỷỹỵ" "ĂÂĐÊÔƠƯ",
))
_TCVN3_TABLE = str.maketrans(_TCVN3)
_TCVN3_CODES = {letter: code for code, letter in _TCVN3.items()}

# VNI: the byte after the base vowel, by shape (none, circumflex, breve) and tone (none, `, ´, ?, ~, .).
_TONES = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")
_VNI_MARKS = {
    "": ("", "ø", "ù", "û", "õ", "ï"),
    "\u0302": ("â", "à", "á", "å", "ã", "ä"),
    "\u0306": ("ê", "è", "é", "ú", "ü", "ë"),
}
_VNI_I = ("i", "ì", "í", "æ", "ó", "ò")  # i with a tone is one byte
_VNI_HORN = {"o": "ô", "u": "ö"}  # ơ and ư are one byte, followed by the tone's byte


def _vni_letters() -> dict[str, str]:
    """Every Vietnamese letter (lower and upper case) and its VNI spelling."""
    table = {"đ": "ñ", "Đ": "Ñ"}
    for base in "aeiouy":
        shapes = {"a": ("", "\u0302", "\u0306"), "e": ("", "\u0302"), "o": ("", "\u0302", "\u031b"),
                  "u": ("", "\u031b")}.get(base, ("",))
        for shape in shapes:
            for tone_index, tone in enumerate(_TONES):
                letter = unicodedata.normalize("NFC", base + shape + tone)
                if len(letter) != 1:
                    continue  # no such letter
                if base == "i":
                    spelled = _VNI_I[tone_index]
                elif base == "y" and tone == "\u0323":
                    spelled = "î"  # ỵ has a byte of its own
                elif shape == "\u031b":
                    spelled = _VNI_HORN[base] + _VNI_MARKS[""][tone_index]
                else:
                    spelled = base + _VNI_MARKS[shape][tone_index]
                if spelled == base:
                    continue  # a plain vowel is itself
                table[letter] = spelled
                table[letter.upper()] = spelled.upper()
    return table


_VNI_SPELLING = _vni_letters()
_VNI_DECODE = {spelled: letter for letter, spelled in _VNI_SPELLING.items()}
# Two-byte spellings first, so "oâ" is read as "ô" and not as "o" + a lone mark.
_VNI_PATTERN = re.compile("|".join(re.escape(s) for s in sorted(_VNI_DECODE, key=len, reverse=True)))


def encoding_of_font(name: str | None) -> str | None:
    """The legacy encoding a font draws its text in, or None for a Unicode font."""
    if not name:
        return None
    name = name.strip()
    if name.startswith(".Vn"):  # the ABC fonts: .VnTime, .VnArial, ..., capitals in .VnTimeH, .VnArialH
        return TCVN3_UPPER if name.endswith("H") else TCVN3
    if name.upper().startswith("VNI-") or name.upper().startswith("VNI "):
        return VNI
    return None


def decode(text: str, encoding: str | None) -> str:
    """``text`` as a font of ``encoding`` shows it, in Unicode (NFC); unchanged for None."""
    if encoding is None or not text:
        return text
    if encoding == VNI:
        decoded = _VNI_PATTERN.sub(lambda m: _VNI_DECODE[m.group(0)], text)
    else:
        decoded = text.translate(_TCVN3_TABLE)
        if encoding == TCVN3_UPPER:
            decoded = decoded.upper()
    return unicodedata.normalize("NFC", decoded)


def encode_vni(text: str) -> str:
    """Unicode text in VNI (for tests and fixtures: files as the old fonts stored them)."""
    return "".join(_VNI_SPELLING.get(ch, ch) for ch in unicodedata.normalize("NFC", text))


def encode_tcvn3(text: str) -> str:
    """Unicode text in TCVN3 for the normal (lower-case) fonts; capitals with tone marks have no code there."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        if ch in _TCVN3_CODES:
            out.append(_TCVN3_CODES[ch])
        elif ch.isupper() and ch.lower() in _TCVN3_CODES:
            raise ValueError(f"{ch!r} has no code in a TCVN3 lower-case font")
        else:
            out.append(ch)
    return "".join(out)
