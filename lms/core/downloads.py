"""File downloads: a Content-Disposition that keeps Vietnamese file names, and CSV that spreadsheets cannot
turn into formulas.

A CSV cell starting with ``=``, ``+``, ``-``, ``@`` (or a tab/CR) is run as a formula by Excel and LibreOffice
(CSV injection, OWASP); such cells are prefixed with an apostrophe. Files are UTF-8 with a BOM so Excel on
Windows shows "Nguyễn" rather than mojibake. Decimal numbers carry the Vietnamese decimal comma ("7,5"), as the
gradebook's CSV does (the cell is quoted, so the comma is not a separator).
"""
from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable
from decimal import Decimal
from urllib.parse import quote

from flask import Response

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def attachment_headers(filename: str) -> dict:
    """``Content-Disposition: attachment`` with an ASCII fallback and the UTF-8 name (RFC 6266 / 5987)."""
    folded = unicodedata.normalize("NFD", filename).replace("đ", "d").replace("Đ", "D")
    ascii_name = "".join(c for c in folded if ord(c) < 128 and c not in '"\\\r\n') or "download"
    return {"Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"}


def csv_cell(value) -> str:
    """One cell's text, neutralised if a spreadsheet would read it as a formula. Numbers stay numbers."""
    if value is None:
        return ""
    if isinstance(value, (Decimal, float)):
        return format(value, "f" if isinstance(value, Decimal) else "g").replace(".", ",")
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    if text.startswith(_FORMULA_START):
        # A negative number is data, not a formula: keep "-2,5" readable as a number.
        stripped = text[1:].replace(",", "").replace(".", "")
        if not (text[0] == "-" and stripped.isdigit()):
            return "'" + text
    return text


def csv_bytes(header: Iterable, rows: Iterable[Iterable]) -> bytes:
    """A UTF-8 (with BOM) CSV document from a header and rows, every cell passed through ``csv_cell``."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([csv_cell(h) for h in header])
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def csv_response(filename: str, header: Iterable, rows: Iterable[Iterable]) -> Response:
    """A CSV download response."""
    return Response(csv_bytes(header, rows), mimetype="text/csv",
                    headers={**attachment_headers(filename), "Cache-Control": "private, no-cache"})
