"""Gradebook as a spreadsheet: export (XLSX, CSV) in the familiar sổ điểm layout and all-or-nothing import.

Layout: a title block, then the header row ``STT | Mã HS | Họ và tên | ĐĐGtx1 … | ĐĐGgk | ĐĐGck | ĐTBmhk``
and one row per student, values exactly as ``GET /gradebook`` gives them. Import reads the same layout
(header row found by "Họ và tên"), matches students by Mã HS or else by full name, and writes nothing if
any row is wrong.
"""
from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from decimal import Decimal

from lms.core.downloads import append_row, csv_row, uncsv_cell
from lms.core.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 500
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_KIND_LABEL = {"tx": "ĐĐGtx", "gk": "ĐĐGgk", "ck": "ĐĐGck"}
AVERAGE_LABEL = "ĐTBmhk"
FIXED = ("STT", "Mã HS", "Họ và tên")


def _norm(text) -> str:
    return " ".join(unicodedata.normalize("NFC", str(text or "")).split()).casefold()


def column_labels(columns: list[dict]) -> list[str]:
    """ĐĐGtx1, ĐĐGtx2 …, ĐĐGgk, ĐĐGck for the columns in display order (numbered when a kind repeats)."""
    counts = {kind: sum(1 for c in columns if c["kind"] == kind) for kind in _KIND_LABEL}
    seen = {kind: 0 for kind in _KIND_LABEL}
    labels = []
    for column in columns:
        seen[column["kind"]] += 1
        number = seen[column["kind"]] if column["kind"] == "tx" or counts[column["kind"]] > 1 else ""
        labels.append(f"{_KIND_LABEL[column['kind']]}{number}")
    return labels


def _title_lines(book: dict) -> list[str]:
    return [
        f"SỔ THEO DÕI VÀ ĐÁNH GIÁ HỌC SINH – MÔN {book['subject_name'].upper()}",
        f"Lớp {book['class_name']} · Học kì {'I' if book['semester'] == 1 else 'II'} · Năm học {book['school_year']}",
    ]


def _cell(value: str | None):
    # Scores go into the sheet as numbers (Decimal keeps 8.3 exact); Đ/CĐ stay text.
    if value is None:
        return None
    try:
        return Decimal(value)
    except ArithmeticError:
        return value


def export_xlsx(book: dict) -> bytes:
    """The gradebook as an XLSX workbook (one sheet)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = f"HK{book['semester']}"[:31]
    for line in _title_lines(book):
        append_row(ws, [line])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([])
    labels = column_labels(book["columns"])
    append_row(ws, [*FIXED, *labels, AVERAGE_LABEL])
    header_row = ws.max_row
    append_row(ws, ["", "", "Tên cột", *[c["title"] for c in book["columns"]], ""])
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    for index, row in enumerate(book["rows"], start=1):
        values = [_cell(row["scores"].get(str(c["id"]))) for c in book["columns"]]
        append_row(ws, [index, row.get("student_code") or "", row["full_name"], *values, _cell(row["average"])])
        for cell in ws[ws.max_row][3:]:
            if isinstance(cell.value, Decimal):
                cell.number_format = "0.0"
    ws.column_dimensions["C"].width = 28
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def export_csv(book: dict) -> bytes:
    """The gradebook as CSV (UTF-8 with BOM so Excel shows Vietnamese; decimal comma as on paper)."""
    out = io.StringIO()
    writer = csv.writer(out)
    labels = column_labels(book["columns"])
    writer.writerow(csv_row([*FIXED, *labels, AVERAGE_LABEL]))
    for index, row in enumerate(book["rows"], start=1):
        values = [row["scores"].get(str(c["id"])) for c in book["columns"]]
        writer.writerow(csv_row([index, row.get("student_code") or "", row["full_name"],
                                 *[(v or "").replace(".", ",") for v in values],
                                 (row["average"] or "").replace(".", ",")]))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# --------------------------------------------------------------------------------------------------
# Import
# --------------------------------------------------------------------------------------------------


def read_table(filename: str, data: bytes) -> list[list]:
    """Rows of the first sheet (XLSX) or of a CSV file, as lists of cell values."""
    if len(data) > MAX_IMPORT_BYTES:
        raise PayloadTooLarge(f"Tệp sổ điểm tối đa {MAX_IMPORT_BYTES // (1024 * 1024)} MB.")
    if not data:
        raise ValidationFailed(errors={"file": ["Tệp rỗng."]})
    if data[:2] == b"PK":
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
            raise ValidationFailed(errors={"file": [f"Không đọc được tệp XLSX: {type(exc).__name__}."]}) from None
        try:
            rows = []
            for values in wb.worksheets[0].iter_rows(values_only=True):
                rows.append(list(values))
                if len(rows) > MAX_IMPORT_ROWS + 20:
                    raise ValidationFailed(errors={"file": [f"Tối đa {MAX_IMPORT_ROWS} học sinh mỗi lần nhập."]})
            return rows
        finally:
            wb.close()
    if filename.lower().endswith((".xls", ".ods")) or b"\x00" in data[:1024]:
        raise UnsupportedMediaType("Chỉ nhận tệp XLSX hoặc CSV (UTF-8).")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed(errors={"file": ["Tệp CSV phải mã hóa UTF-8."]}) from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    # A name the export escaped ("'=Lan") reads back as the name itself.
    rows = [[uncsv_cell(v) for v in r] for r in csv.reader(io.StringIO(text), dialect)]
    if len(rows) > MAX_IMPORT_ROWS + 20:
        raise ValidationFailed(errors={"file": [f"Tối đa {MAX_IMPORT_ROWS} học sinh mỗi lần nhập."]})
    return rows


def _raw_value(value):
    """A spreadsheet cell as the score parser wants it: None, a string, an int, or a decimal string."""
    if value is None:
        return None
    if isinstance(value, float):
        return repr(value)  # openpyxl reads 8.3 as a float; its repr is the typed text
    if isinstance(value, (int, Decimal)):
        return value
    text = str(value).strip()
    return text or None


def plan_import(book: dict, rows: list[list]) -> tuple[list[dict], list[dict]]:
    """Match sheet rows to students and columns; returns (row reports, cells to write).

    A cell to write is ``{row, student_id, column_id, raw}``; an empty cell leaves the stored value as it is
    (a blank sheet never wipes a gradebook). Unknown students, ambiguous names and unknown headers are errors.
    """
    header_index = next((i for i, r in enumerate(rows) if any(_norm(v) == _norm("Họ và tên") for v in r)), None)
    if header_index is None:
        raise ValidationFailed(errors={"file": ["Không tìm thấy dòng tiêu đề có cột “Họ và tên”."]})
    header = [_norm(v) for v in rows[header_index]]
    labels = column_labels(book["columns"])
    by_label = {_norm(label): column for label, column in zip(labels, book["columns"])}
    name_col = header.index(_norm("Họ và tên"))
    code_col = header.index(_norm("Mã HS")) if _norm("Mã HS") in header else None
    ignored = {_norm(v) for v in (*FIXED, AVERAGE_LABEL, "")}
    unknown = [rows[header_index][i] for i, h in enumerate(header) if h not in by_label and h not in ignored]
    if unknown:
        raise ValidationFailed(errors={"file": ["Cột không có trong sổ điểm: " + ", ".join(map(str, unknown))]})
    value_cols = [(i, by_label[h]) for i, h in enumerate(header) if h in by_label]
    by_code = {str(r["student_code"]).strip().casefold(): r for r in book["rows"] if r.get("student_code")}
    by_name: dict[str, list[dict]] = {}
    for r in book["rows"]:
        by_name.setdefault(_norm(r["full_name"]), []).append(r)
    reports, cells = [], []
    for offset, row in enumerate(rows[header_index + 1:], start=header_index + 2):
        row = list(row) + [None] * (len(header) - len(row))
        name = _norm(row[name_col])
        code = str(row[code_col]).strip().casefold() if code_col is not None and row[code_col] not in (None, "") else ""
        if not name and not code or name == _norm("Tên cột"):
            continue  # blank line or the column-title line under the header
        report = {"row": offset, "student_id": None, "full_name": row[name_col], "changed": 0, "errors": []}
        reports.append(report)
        if code:
            student = by_code.get(code)
            if student is None:
                report["errors"].append(f"Không có học sinh mã {row[code_col]} trong lớp.")
                continue
        else:
            matches = by_name.get(name, [])
            if len(matches) != 1:
                report["errors"].append("Không tìm thấy học sinh tên này trong lớp." if not matches
                                        else "Trùng tên trong lớp; hãy điền Mã HS.")
                continue
            student = matches[0]
        if any(r["student_id"] == student["student_id"] for r in reports):
            report["errors"].append("Học sinh này xuất hiện ở nhiều dòng.")
            continue
        report["student_id"] = student["student_id"]
        report["full_name"] = student["full_name"]
        for index, column in value_cols:
            raw = _raw_value(row[index])
            if raw is not None:
                cells.append({"row": offset, "student_id": student["student_id"], "column_id": column["id"],
                              "raw": raw, "label": rows[header_index][index]})
    return reports, cells
