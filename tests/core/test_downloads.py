"""The one download helper: RFC 6266/5987 file names and spreadsheet cells that never become formulas."""
import csv
import io

import pytest
from openpyxl import Workbook, load_workbook

from lms.core.downloads import append_row, ascii_filename, content_disposition, csv_row, uncsv_cell


def test_content_disposition_has_ascii_fallback_and_utf8_name():
    value = content_disposition('Đề "kiểm tra" giữa kỳ.pdf')
    assert value.startswith('attachment; filename="De kiem tra giua ky.pdf"')
    assert "filename*=UTF-8''%C4%90%E1%BB%81%20%22ki%E1%BB%83m" in value
    value.encode("latin-1")  # a header werkzeug can send


def test_vietnamese_class_name_folds_to_ascii():
    assert ascii_filename("Sổ điểm Lớp 10 Chuyên Lý.xlsx") == "So diem Lop 10 Chuyen Ly.xlsx"
    value = content_disposition("Sổ điểm Lớp 10 Chuyên Lý.xlsx")
    assert 'filename="So diem Lop 10 Chuyen Ly.xlsx"' in value
    assert "filename*=UTF-8''S%E1%BB%95%20%C4%91i%E1%BB%83m%20L%E1%BB%9Bp" in value


@pytest.mark.parametrize("name, fallback", [
    ("../../etc/passwd", "passwd"), ("C:\\bài\\đề.docx", "de.docx"), ("ạ\r\n.csv", "a.csv"),
    ("一二三.pdf", "download.pdf"), ("", "download"),
])
def test_names_lose_directories_and_control_characters(name, fallback):
    value = content_disposition(name)
    assert f'filename="{fallback}"' in value
    assert "\r" not in value and "\n" not in value and "/" not in value.split("filename*=")[1]


def test_only_attachment_or_inline():
    assert content_disposition("a.pdf", "inline").startswith("inline;")
    with pytest.raises(ValueError):
        content_disposition("a.pdf", "attachment; evil=1")


FORMULAS = ["=HYPERLINK(\"http://x.example\",\"bấm\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "\tTab", "\rCR"]


def test_csv_cells_that_look_like_formulas_are_escaped_and_read_back():
    out = io.StringIO()
    csv.writer(out).writerow(csv_row([1, "Lê Minh Anh", *FORMULAS, "-0,5", "8.25", None]))
    row = next(csv.reader(io.StringIO(out.getvalue())))
    assert row[:2] == ["1", "Lê Minh Anh"]
    assert row[2:8] == ["'" + f for f in FORMULAS]
    assert row[8:10] == ["-0,5", "8.25"]  # numbers stay numbers
    assert [uncsv_cell(c) for c in row[2:8]] == FORMULAS


def test_xlsx_cells_keep_the_exact_text_as_text():
    wb = Workbook()
    append_row(wb.active, [1, *FORMULAS])
    buffer = io.BytesIO()
    wb.save(buffer)
    cells = list(load_workbook(io.BytesIO(buffer.getvalue())).active.iter_rows(values_only=False))[0]
    assert cells[0].value == 1
    for cell, text in zip(cells[1:], FORMULAS):
        assert cell.data_type == "s" and cell.value == text
        assert cell.quotePrefix
