"""Files handed to users: one ``Content-Disposition`` and one spreadsheet-cell rule for every download.

File names carry Vietnamese ("Sổ điểm Lớp 10 Chuyên Lý.xlsx"). An HTTP header is Latin-1, so the exact name
travels as RFC 5987 ``filename*=UTF-8''…`` (RFC 6266) next to an ASCII ``filename="…"`` fallback with the
diacritics folded ("So diem Lop 10 Chuyen Ly.xlsx") for the old clients that read only that one.

Every CSV and XLSX export writes user text (names, titles) through ``csv_cell``/``append_row``: text that a
spreadsheet would take for a formula (``=``, ``+``, ``-``, ``@``, tab, CR first; OWASP "CSV injection") must
stay text. CSV has no types, so such a cell gets a leading apostrophe, which Excel and LibreOffice hide; XLSX
has typed cells, so the text is stored exactly, as a string cell with Excel's quote prefix. A negative number
("-2,5") is data and stays as it is. CSV files are UTF-8 with a BOM so Excel on Windows shows "Nguyễn", and
decimals carry the Vietnamese decimal comma ("7,5"), as on paper.
"""
from __future__ import annotations

import csv
import io
import os
import re
import unicodedata
from collections.abc import Iterable
from decimal import Decimal
from urllib.parse import quote

from flask import Response

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NEGATIVE_NUMBER = re.compile(r"^-[0-9]+([.,][0-9]+)*$")


def ascii_filename(name: str) -> str:
    """``name`` folded to printable ASCII: Vietnamese diacritics dropped, ``đ`` -> ``d``, quotes removed."""
    folded = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    folded = "".join(c for c in folded if c.isascii() and c.isprintable() and c not in '"\\')
    return " ".join(folded.split())


def content_disposition(filename: str, disposition: str = "attachment") -> str:
    """The ``Content-Disposition`` value for ``filename`` (any Unicode): ASCII fallback plus the exact
    UTF-8 name in ``filename*`` (RFC 6266 / RFC 5987). Directory parts and control characters are dropped."""
    if disposition not in ("attachment", "inline"):
        raise ValueError(f"disposition must be attachment or inline, not {disposition!r}")
    name = os.path.basename(unicodedata.normalize("NFC", filename).replace("\\", "/")).strip()
    name = "".join(c for c in name if c.isprintable()) or "download"
    fallback = ascii_filename(name)
    stem, dot, ext = fallback.rpartition(".")
    if not fallback or dot and not stem.strip():
        fallback = "download" + (f".{ext}" if dot else "")
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def attachment_headers(filename: str) -> dict:
    """Response headers for a download named ``filename`` (see ``content_disposition``)."""
    return {"Content-Disposition": content_disposition(filename)}


def download(data: bytes, mimetype: str, filename: str, *, disposition: str = "attachment") -> Response:
    """A response carrying ``data`` as a file named ``filename`` (see ``content_disposition``)."""
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition(filename, disposition)
    response.headers["Cache-Control"] = "private, no-store"  # grades and names: never in a shared cache
    return response


def needs_escape(value) -> bool:
    """True for text a spreadsheet would read as a formula (a negative number such as ``-0,5`` is data)."""
    return (isinstance(value, str) and value.startswith(_FORMULA_START)
            and not _NEGATIVE_NUMBER.match(value))


def csv_cell(value) -> str:
    """One CSV cell's text: formula-like text gets a leading apostrophe; decimals get the decimal comma;
    ``None`` is empty; other numbers stay numbers."""
    if value is None:
        return ""
    if isinstance(value, (Decimal, float)):
        return format(value, "f" if isinstance(value, Decimal) else "g").replace(".", ",")
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    return "'" + text if needs_escape(text) else text


def csv_row(values: Iterable) -> list:
    """A CSV row with every cell passed through ``csv_cell``."""
    return [csv_cell(v) for v in values]


def uncsv_cell(value):
    """The inverse of ``csv_cell`` for re-importing an exported CSV: drop the apostrophe it added."""
    if isinstance(value, str) and value.startswith("'") and needs_escape(value[1:]):
        return value[1:]
    return value


def csv_bytes(header: Iterable, rows: Iterable[Iterable]) -> bytes:
    """A UTF-8 (with BOM) CSV document from a header and rows, every cell passed through ``csv_cell``."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(csv_row(header))
    for row in rows:
        writer.writerow(csv_row(row))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def csv_response(filename: str, header: Iterable, rows: Iterable[Iterable]) -> Response:
    """A CSV download response."""
    return download(csv_bytes(header, rows), "text/csv; charset=utf-8", filename)


def append_row(sheet, values) -> None:
    """Append ``values`` to an openpyxl ``sheet``; text is stored as text, never as a formula."""
    values = list(values)
    sheet.append(values)
    for cell, value in zip(sheet[sheet.max_row], values):
        if isinstance(value, str):
            cell.data_type = "s"  # openpyxl would store "=…" as a formula
            if needs_escape(value):
                cell.quotePrefix = True  # Excel keeps it text even when the cell is edited
