"""The department dashboard on real data made through the API: growth, reviews, usage, common-paper scores."""
from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest

from lms.core.charts import bar_chart, line_chart, vn_number
from lms.core.downloads import csv_bytes, csv_cell
from tests.conftest import PASSWORD

QUESTION = {"type": "single_choice", "subject": "toan", "grade": 10, "level": "nhan_biet",
            "stem": "<p>Nghiệm của phương trình $x^2 = 4$ là</p>",
            "options": [{"text": "$x = 2$", "correct": False}, {"text": "$x = \\pm 2$", "correct": True},
                        {"text": "$x = -2$", "correct": False}, {"text": "Vô nghiệm", "correct": False}]}


def _sit(client, exam_id, answers):
    attempt = client.post(f"/exams/{exam_id}/attempts", json={})
    assert attempt.status_code in (200, 201), attempt.get_json()
    body = attempt.get_json()
    given = {}
    for item, correct in zip(body["questions"], answers):
        right = [o for o in item["options"] if o["text"] == "$x = \\pm 2$"][0]["id"]
        wrong = [o for o in item["options"] if o["text"] == "Vô nghiệm"][0]["id"]
        given[str(item["id"])] = right if correct else wrong
    assert client.put(f"/attempts/{body['id']}/answers", json={"answers": given}).status_code == 200
    assert client.post(f"/attempts/{body['id']}/submit", json={}).status_code == 200


@pytest.fixture
def province(world, factory):
    """Two schools giving the department's common paper (same questions) to their own 10th-grade class."""
    teacher_b = factory.user("teacher", world.other_school, username="gv.binh", full_name="Hoàng Văn Bình")
    class_b = factory.klass(world.other_school, name="10B1", homeroom_teacher_id=teacher_b)
    factory.enrol(class_b, world.outsider)
    factory.assign(class_b, teacher_b, "toan")
    teacher, department = world.as_("teacher"), world.as_("department")
    ids = []
    for n in range(2):
        q = teacher.post("/questions", json=QUESTION | {"stem": f"<p>Câu {n + 1}: nghiệm của $x^2 = 4$ là</p>"})
        assert q.status_code == 201, q.get_json()
        qid = q.get_json()["id"]
        assert teacher.post(f"/questions/{qid}/submit", json={}).status_code == 200
        assert department.post(f"/questions/{qid}/review", json={"decision": "approve"}).status_code == 200
        ids.append(qid)
    waiting = teacher.post("/questions", json=QUESTION).get_json()["id"]
    assert teacher.post(f"/questions/{waiting}/submit", json={}).status_code == 200
    exam = {"title": "Khảo sát chất lượng Toán 10", "subject": "toan", "grade": 10, "mode": "exam",
            "duration_minutes": 45, "review": "after_submit", "max_attempts": 1,
            "sections": [{"title": "Trắc nghiệm", "points_per_question": "5", "question_ids": ids}]}
    a = teacher.post("/exams", json=exam | {"class_ids": [world.klass]})
    b = factory.api(teacher_b).post("/exams", json=exam | {"class_ids": [class_b]})
    assert a.status_code == 201 and b.status_code == 201, (a.get_json(), b.get_json())
    _sit(world.as_("student"), a.get_json()["id"], [True, True])      # 10
    _sit(world.as_("student2"), a.get_json()["id"], [True, False])    # 5
    _sit(world.as_("outsider"), b.get_json()["id"], [False, False])   # 0
    return {"teacher_b": teacher_b}


def _login(app, username):
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
    return client


def test_dashboard_shows_each_figure_with_a_chart(world, app, province):
    client = _login(app, "sogd")
    resp = client.get("/department/")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and '<html lang="vi">' in html and "UTC" not in html
    assert html.count('role="img"') >= 5  # growth, contributions, reviews, usage, one common paper
    assert "Khảo sát chất lượng Toán 10" in html and "Trường khác" in html
    growth = re.search(r'<table class="grid" id="table-growth">.*?</table>', html, re.S).group(0)
    last_row = re.findall(r"<tr><th scope=\"row\">(.*?)</tr>", growth, re.S)[-1]
    cells = re.findall(r'<td class="num">([^<]*)</td>', last_row)
    assert cells[:2] == ["3", "2"]  # this month: three questions written, two approved into the shared bank
    contributions = re.search(r'id="table-contributions">.*?</table>', html, re.S).group(0)
    assert re.search(r'THPT-CVA</td><td class="num">3</td><td class="num">2</td>', contributions)
    reviews = re.search(r'id="table-reviews">.*?</table>', html, re.S).group(0)
    assert re.search(r'Câu hỏi</th><td class="num">1</td>', reviews)  # one still waiting
    scores = re.search(r'id="table-exam-scores">.*?</table>', html, re.S).group(0)
    # School A: 10 and 5 -> mean 7,5; the other school: one paper with 0.
    assert "7,5" in scores and re.search(r"Trường khác</td><td class=\"num\">1</td><td class=\"num\">0,0", scores)


def test_usage_counts_who_was_active_in_the_last_30_days(world, app, province):
    from lms.accounts.models import User
    from lms.core.db import db, utcnow
    from datetime import timedelta

    with app.app_context():
        db.session.get(User, world.student2).last_seen_at = utcnow() - timedelta(days=45)
        db.session.commit()
    client = _login(app, "sogd")
    rows = list(csv.reader(io.StringIO(client.get("/department/export/usage.csv").data.decode("utf-8-sig"))))
    header, body = rows[0], {r[1]: r for r in rows[1:]}
    assert header[0] == "Trường"
    cva = body["THPT-CVA"]
    # gv.lan active; gv.minh never signed in. hs.anh active, hs.bao last seen 45 days ago.
    assert cva[2:5] == ["1", "2", "50,0"] and cva[5:8] == ["1", "2", "50,0"]


def test_each_table_exports_as_csv_with_a_vietnamese_file_name(world, app, province):
    client = _login(app, "quantri")
    for name in ("growth", "contributions", "reviews", "usage", "exam-scores"):
        resp = client.get(f"/department/export/{name}.csv")
        assert resp.status_code == 200 and resp.mimetype == "text/csv", name
        assert resp.data.startswith(b"\xef\xbb\xbf") and "attachment" in resp.headers["Content-Disposition"]
    assert client.get("/department/export/passwords.csv").status_code == 404


@pytest.mark.parametrize("username", ["gv.lan", "hs.anh"])
def test_dashboard_is_for_the_department_and_admins_only(world, app, username):
    client = _login(app, username)
    assert client.get("/department/").status_code == 403
    assert client.get("/department/export/usage.csv").status_code == 403


def test_csv_cells_cannot_become_formulas():
    assert csv_cell("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    assert csv_cell("+84 912") == "'+84 912" and csv_cell("@SUM(A1)") == "'@SUM(A1)"
    assert csv_cell("-2.5") == "-2.5" and csv_cell(Decimal("7.5")) == "7,5" and csv_cell(None) == ""
    assert csv_bytes(["Họ tên"], [["Nguyễn Văn A"]]).decode("utf-8-sig").splitlines() == ["Họ tên", "Nguyễn Văn A"]


def test_charts_are_accessible_escaped_svg_with_vietnamese_numbers():
    svg = bar_chart(["<Trường>", "B"], [("Tỉ lệ", [Decimal("62.5"), 1234])], title="Tỉ lệ & số", decimals=1)
    assert svg.startswith("<svg") and 'role="img"' in svg and "aria-labelledby" in svg
    assert "&lt;Trường&gt;" in svg and "<Trường>" not in svg and "Tỉ lệ &amp; số" in svg
    assert "62,5" in svg and "1.234,0" in svg
    line = line_chart(["01/2026", "02/2026", "03/2026"], [("Câu hỏi", [3, None, 5])], title="Tăng trưởng")
    assert line.count("<circle") == 2 and line.count("M") >= 2  # the gap breaks the line
    assert vn_number(1234567) == "1.234.567" and vn_number(Decimal("8.25"), 2) == "8,25"
    empty = bar_chart([], [], title="Trống")
    assert "Chưa có dữ liệu" in empty


def test_download_names_keep_vietnamese_with_an_ascii_fallback():
    from lms.core.downloads import attachment_headers

    header = attachment_headers("thẻ tài khoản lớp 10A1 \"Đặc biệt\".pdf")["Content-Disposition"]
    assert header.startswith('attachment; filename="the tai khoan lop 10A1 Dac biet.pdf"')
    assert "filename*=UTF-8''th%E1%BA%BB%20t%C3%A0i" in header
