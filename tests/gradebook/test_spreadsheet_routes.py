"""Export (XLSX, CSV) carries exactly the GET values; import is all-or-nothing with a per-row report."""
import csv
import os
import shutil
import subprocess
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook


def _filled(world, book):
    sem = book()
    cols = sem.columns(4)
    sem.fill(cols, world.student, [8, "7,5", 9, 6, 7, "8.5"])
    sem.fill(cols[:2], world.student2, [10, "4.25"])
    return sem, cols


def test_export_xlsx_has_the_same_values_as_get(world, book):
    sem, cols = _filled(world, book)
    resp = sem.api.get(f"/gradebook/export?{sem.query}&format=xlsx")
    assert resp.status_code == 200
    assert resp.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ws = load_workbook(io.BytesIO(resp.data)).active
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    header_at = next(i for i, r in enumerate(rows) if r[2] == "Họ và tên")
    assert rows[header_at] == ["STT", "Mã HS", "Họ và tên", "ĐĐGtx1", "ĐĐGtx2", "ĐĐGtx3", "ĐĐGtx4", "ĐĐGgk",
                               "ĐĐGck", "ĐTBmhk"]
    data = sem.get()
    sheet = {r[2]: r for r in rows[header_at + 2:] if r[2]}
    for row in data["rows"]:
        line = sheet[row["full_name"]]
        got = [None if v is None else Decimal(repr(v)) if isinstance(v, float) else Decimal(v) for v in line[3:]]
        want = [None if row["scores"][str(c)] is None else Decimal(row["scores"][str(c)]) for c in cols]
        want.append(None if row["average"] is None else Decimal(row["average"]))
        assert got == want
    assert sheet["Lê Minh Anh"][-1] == 7.8


def test_export_csv(world, book):
    sem, _ = _filled(world, book)
    resp = sem.api.get(f"/gradebook/export?{sem.query}&format=csv")
    text = resp.data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["STT", "Mã HS", "Họ và tên"]
    anh = next(r for r in rows if r[2] == "Lê Minh Anh")
    assert anh[3:] == ["8,0", "7,5", "9,0", "6,0", "7,0", "8,5", "7,8"]
    assert world.as_("teacher2").get(f"/gradebook/export?{sem.query}").status_code == 404
    assert sem.api.get(f"/gradebook/export?{sem.query}&format=pdf").status_code == 422


def _sheet(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["Sổ điểm"])
    ws.append(["STT", "Mã HS", "Họ và tên", "ĐĐGtx1", "ĐĐGtx2", "ĐĐGgk"])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _upload(api, query, data, name="so-diem.xlsx"):
    return api.post(f"/gradebook/import?{query}", data={"file": (io.BytesIO(data), name)},
                    content_type="multipart/form-data")


def test_import_applies_a_good_sheet(world, book):
    sem = book()
    cols = sem.columns(4)
    resp = _upload(sem.api, sem.query, _sheet([[1, None, "Lê Minh Anh", 8.25, "7,5", 9],
                                               [2, None, "phạm  gia bảo", None, 6, None]]))
    body = resp.get_json()
    assert resp.status_code == 200 and body["applied"] is True, body
    assert body["changed"] == 4
    rows = {r["student_id"]: r for r in sem.get()["rows"]}
    assert rows[world.student]["scores"][str(cols[0])] == "8.3"
    assert rows[world.student]["scores"][str(cols[4])] == "9.0"
    assert rows[world.student2]["scores"][str(cols[1])] == "6.0"
    log = sem.api.get(f"/gradebook/changes?{sem.query}").get_json()
    assert {i["source"] for i in log["items"]} == {"import"}


def test_import_with_a_bad_row_writes_nothing_and_reports_rows(world, book):
    sem = book()
    sem.columns(4)
    resp = _upload(sem.api, sem.query, _sheet([[1, None, "Lê Minh Anh", 8, 7, 9],
                                               [2, None, "Không Có Ai", 5, 5, 5],
                                               [3, None, "Phạm Gia Bảo", 11, 5, 5]]))
    body = resp.get_json()
    assert resp.status_code == 200 and body["applied"] is False
    assert [e["row"] for e in body["errors"]] == [4, 5]
    assert "ĐĐGtx1" in body["errors"][1]["message"]
    assert all(v is None for r in sem.get()["rows"] for v in r["scores"].values())


def test_import_rejects_junk(world, book):
    sem = book()
    sem.columns(4)
    assert _upload(sem.api, sem.query, b"PK\x03\x04 not really a zip").status_code == 422
    assert _upload(sem.api, sem.query, b"\x00\x01binary", name="a.xls").status_code == 415
    assert _upload(sem.api, sem.query, "Tên,Điểm\nA,1\n".encode()).status_code == 422
    assert sem.api.post(f"/gradebook/import?{sem.query}").status_code == 422


@pytest.mark.skipif(shutil.which("libreoffice") is None and os.environ.get("CI") != "true",
                    reason="LibreOffice is not installed")
def test_export_xlsx_opens_in_libreoffice_with_the_same_values(world, book, tmp_path):
    """LibreOffice (what many schools use instead of Excel) reads the export: converted to CSV, the average is there."""
    sem, _ = _filled(world, book)
    source = tmp_path / "so-diem.xlsx"
    source.write_bytes(sem.api.get(f"/gradebook/export?{sem.query}&format=xlsx").data)
    done = subprocess.run(["libreoffice", f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
                           "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", str(tmp_path),
                           str(source)], capture_output=True, timeout=180)
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(io.StringIO((tmp_path / "so-diem.csv").read_text(encoding="utf-8"))))
    anh = next(r for r in rows if len(r) > 2 and r[2] == "Lê Minh Anh")
    assert [Decimal(v) for v in anh[3:]] == [Decimal(v) for v in ("8", "7.5", "9", "6", "7", "8.5", "7.8")]
