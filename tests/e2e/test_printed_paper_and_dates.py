"""Issue 13's last gaps, in Debian's Chromium against the real app:

- a teacher writes a question with a formula in the editor, builds an exam from it, makes printed versions
  (mã đề), downloads mã đề 101 from the page, and the paper as LibreOffice prints it shows the formula
  typeset, never the raw ``$...$`` LaTeX;
- on a 390×844 phone, days and times are typed and shown the Vietnamese way (dd/mm/yyyy HH:mm, 24 h, school
  time): digits alone on the number pad get their / and :, an impossible date is refused next to the field
  with what was typed kept, and the student sees the deadline exactly as the teacher typed it.

Screenshots: test-output/e2e/print-*.png, dates-*.png.
"""
from __future__ import annotations

import json
import re
import urllib.request

from playwright.sync_api import expect

from tests.e2e.conftest import DEMO_PASSWORD
from tests.office import docx_as_printed_text, needs_office

PHONE = {"width": 390, "height": 844}
STEM = "Giải phương trình $x^2 - 3x + 2 = 0$ trên tập số thực."


def _api(base: str, method: str, path: str, body=None, token: str | None = None):
    request = urllib.request.Request(base + "/api/v1" + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json", "Accept": "application/json",
                                              **({"Authorization": f"Bearer {token}"} if token else {})})
    with urllib.request.urlopen(request, timeout=30) as resp:
        return json.loads(resp.read() or b"null")


def _exam_form(page, title: str, question_id: int):
    """Fill /exams/new for 10A1 with one chosen question (the times are left to the caller)."""
    page.get_by_label("Tên bài kiểm tra").fill(title)
    page.get_by_label("Môn", exact=True).select_option("toan")
    page.get_by_label("Khối", exact=True).fill("10")
    page.get_by_label(re.compile(r"10A1")).check()
    page.get_by_label("Thời gian (phút)").fill("15")
    page.get_by_label("Chọn từng câu hỏi").check()
    page.get_by_label("Điểm mỗi câu").fill("1")
    page.get_by_label(re.compile(r"^Mã câu hỏi")).fill(str(question_id))


@needs_office
def test_the_downloaded_printed_paper_shows_the_formula_typeset(journey, tmp_path):
    j = journey("print-teacher")
    page = j.page
    j.login("teacher")

    # The question, written in the editor with its formula between $...$.
    page.goto("/questions/new")
    page.get_by_label("Dạng câu hỏi").select_option("single_choice")
    page.get_by_label("Mức độ").select_option("thong_hieu")
    page.get_by_label("Đề bài").fill(f"<p>{STEM}</p>")
    for letter, text in zip("ABCD", ("$x = 1$ hoặc $x = 2$", "$x = -1$ hoặc $x = -2$", "$x = 3$", "Vô nghiệm")):
        page.get_by_label(f"Nội dung phương án {letter}").fill(text)
    page.get_by_label("Đúng A", exact=True).check()
    expect(page.locator("[data-preview] .katex").first).to_be_visible()
    page.get_by_role("button", name="Lưu câu hỏi").click()
    page.wait_for_url(re.compile(r"/questions/\d+$"))
    question_id = int(page.url.rsplit("/", 1)[1])
    j.assert_clean()

    # The exam and its printed versions.
    page.goto("/exams/new")
    _exam_form(page, "Kiểm tra 15 phút – Phương trình bậc hai (bản in)", question_id)
    page.get_by_role("button", name="Tạo bài kiểm tra").click()
    page.wait_for_url(re.compile(r"/exams/\d+/results$"))
    exam_id = int(re.search(r"/exams/(\d+)/results", page.url).group(1))
    page.goto(f"/exams/{exam_id}/versions")
    page.get_by_label(re.compile(r"^Số mã đề")).fill("2")
    page.get_by_role("button", name="Tạo mã đề").click()
    download_link = page.get_by_role("link", name="Tải mã đề 101 (Word)")
    expect(download_link).to_be_visible()
    j.shot("versions")
    with page.expect_download() as info:
        download_link.click()
    download = info.value
    assert download.suggested_filename.endswith("mã đề 101.docx"), download.suggested_filename
    paper = tmp_path / "ma-de-101.docx"
    download.save_as(paper)
    j.assert_clean()

    text = docx_as_printed_text(paper, tmp_path)
    flat = text.replace(" ", "")
    assert "Giải phương trình" in text and "trên tập số thực" in text
    assert "$" not in text and "^" not in text, text  # no raw LaTeX on paper
    assert "x2−3x+2=0" in flat, text  # typeset: the exponent is a raised 2, the minus a real minus sign
    assert "x=1" in flat and "x=−1" in flat, text


def test_dates_and_times_are_typed_and_shown_the_vietnamese_way_on_a_phone(journey, live_server):
    base = live_server["url"]
    token = _api(base, "POST", "/auth/token", {"username": "teacher", "password": DEMO_PASSWORD})["token"]
    question = _api(base, "POST", "/questions", {
        "type": "single_choice", "subject": "toan", "grade": 10, "level": "nhan_biet",
        "stem": "<p>$2 + 2 = ?$</p>",
        "options": [{"text": "4", "correct": True}, {"text": "3", "correct": False},
                    {"text": "5", "correct": False}, {"text": "22", "correct": False}]}, token=token)

    j = journey("dates-teacher", viewport=PHONE)
    page = j.page
    j.login("teacher")
    page.goto("/exams/new")
    _exam_form(page, "Kiểm tra hạn nộp theo giờ Việt Nam", question["id"])
    opens, closes = page.get_by_label("Mở lúc (giờ Việt Nam)"), page.get_by_label("Đóng lúc (giờ Việt Nam)")
    # Whatever the phone's locale, the field says how to write it and offers the number pad.
    expect(opens).to_have_attribute("placeholder", "dd/mm/yyyy HH:mm")
    expect(opens).to_have_attribute("inputmode", "numeric")
    opens.press_sequentially("050120300730")  # the number pad has no / or :
    expect(opens).to_have_value("05/01/2030 07:30")
    closes.press_sequentially("31/02/2030 9:00")  # typed by hand, with its own separators: left as typed
    expect(closes).to_have_value("31/02/2030 9:00")
    j.shot("typed")
    j.watch.allowing(r"status of 422")  # the refused form answers 422, on purpose
    page.get_by_role("button", name="Tạo bài kiểm tra").click()
    expect(page.locator("#err-closes_at")).to_contain_text("Ngày giờ không hợp lệ (dd/mm/yyyy HH:mm")
    expect(closes).to_have_value("31/02/2030 9:00")  # what was typed comes back, to be corrected
    expect(closes).to_have_attribute("aria-invalid", "true")
    expect(opens).to_have_value("05/01/2030 07:30")
    j.shot("refused")
    closes.fill("")
    closes.press_sequentially("050120300900")
    page.get_by_role("button", name="Tạo bài kiểm tra").click()
    page.wait_for_url(re.compile(r"/exams/\d+/results$"))
    exam_id = int(re.search(r"/exams/(\d+)/results", page.url).group(1))
    j.assert_clean()

    # Stored in UTC: 07:30 in Hà Nội is 00:30 UTC.
    exam = _api(base, "GET", f"/exams/{exam_id}", token=token)
    assert exam["opens_at"].startswith("2030-01-05T00:30") and exam["closes_at"].startswith("2030-01-05T02:00")

    # The student, on a phone too, sees the deadline as the teacher typed it.
    s = journey("dates-student", viewport=PHONE)
    s.login("student")
    s.page.goto("/exams/")
    card = s.page.locator("li, article, tr").filter(has_text="Kiểm tra hạn nộp theo giờ Việt Nam").last
    expect(card).to_contain_text("05/01/2030 09:00")
    s.shot("deadline")
    s.assert_clean()
