"""Every exam download carries its Vietnamese name the RFC 6266 way and keeps formula-like names as text."""
import csv
import io
from urllib.parse import unquote

from openpyxl import load_workbook


def _names(resp):
    header = resp.headers["Content-Disposition"]
    header.encode("latin-1")  # a header werkzeug can send: no raw Vietnamese
    assert header.startswith("attachment;")
    return header.split('filename="')[1].split('"')[0], unquote(header.split("filename*=UTF-8''")[1])


def test_results_export_of_a_vietnamese_titled_exam(world, factory, bank, make_exam):
    ids = bank.choices(2)
    tricky = factory.user("student", world.school, full_name="@SUM(1+1)*cmd")
    factory.enrol(world.klass, tricky)
    exam = make_exam(ids, title="Kiểm tra giữa kỳ – Lớp 10 Chuyên Lý")
    teacher = world.as_("teacher")
    resp = teacher.get(f"/exams/{exam['id']}/results?format=csv")
    assert resp.status_code == 200
    assert _names(resp) == ("Ket qua - Kiem tra giua ky Lop 10 Chuyen Ly.csv",
                            "Kết quả - Kiểm tra giữa kỳ – Lớp 10 Chuyên Lý.csv")
    rows = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))
    assert "'@SUM(1+1)*cmd" in [r[1] for r in rows]
    resp = teacher.get(f"/exams/{exam['id']}/results?format=xlsx")
    assert resp.status_code == 200 and _names(resp)[1].endswith("Chuyên Lý.xlsx")
    sheet = load_workbook(io.BytesIO(resp.data)).active
    names = {row[1].value: row[1] for row in sheet.iter_rows(min_row=2)}
    assert names["@SUM(1+1)*cmd"].data_type == "s"  # the exact name, as text


def test_paper_version_export_is_named_after_the_exam(world, bank, make_exam):
    exam = make_exam(bank.choices(2), title="Đề thi học kỳ I")
    teacher = world.as_("teacher")
    versions = teacher.post(f"/exams/{exam['id']}/versions", json={"count": 1})
    assert versions.status_code == 201, versions.get_json()
    code = versions.get_json()[0]["code"]
    resp = teacher.get(f"/exams/{exam['id']}/versions/{code}/export?format=docx")
    assert resp.status_code == 200
    assert _names(resp) == (f"De thi hoc ky I - ma de {code}.docx", f"Đề thi học kỳ I - mã đề {code}.docx")


def test_question_export_is_a_named_download(world, bank):
    ids = bank.choices(2)
    resp = world.as_("teacher").get(f"/questions/export?format=gift&ids={ids[0]},{ids[1]}")
    assert resp.status_code == 200
    assert _names(resp) == ("ngan-hang-cau-hoi.gift.txt", "ngan-hang-cau-hoi.gift.txt")
