"""Issue 13, teacher and student journeys in Debian's Chromium, each building on the one before:

- a teacher builds a ma trận (blueprint) by chủ đề from the shipped 2018-programme topic catalogue, previews
  the paper it draws, assigns exactly that paper to 10A1, and later releases the scores (“Công bố điểm”);
- a student on a 390×844 phone goes home → lecture → exam (instructions screen, answers, submit) → result
  with the chosen and correct options marked → the exam card links the attempt → “Điểm của tôi” shows the
  score only once the teacher released it.

Every page visited: Vietnamese (lang=vi, accessibility basics), no “UTC”, no console error, no 5xx.
Screenshots: test-output/e2e/teach-*.png.
"""
from __future__ import annotations

import json
import re
import urllib.request
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DEMO_PASSWORD

STATE: dict = {}
PHONE = {"width": 390, "height": 844}
EXAM_TITLE = "Kiểm tra 15 phút – Mệnh đề và hàm số (theo chủ đề)"
TOPIC_A = "Chương I: Mệnh đề và tập hợp"
TOPIC_B = "Chương VI: Hàm số, đồ thị và ứng dụng"
TYPES = ("single_choice", "multiple_choice", "true_false", "true_false_group", "short_answer", "matching",
         "ordering", "cloze", "essay")


def _api(base: str, method: str, path: str, body=None, token: str | None = None):
    request = urllib.request.Request(base + "/api/v1" + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json", "Accept": "application/json",
                                              **({"Authorization": f"Bearer {token}"} if token else {})})
    with urllib.request.urlopen(request, timeout=30) as resp:
        return json.loads(resp.read() or b"null")


def _watch(j):
    """Record 5xx answers and check each page for Vietnamese, no “UTC”, no console error."""
    j.server_errors = []
    j.page.on("response", lambda r: r.status >= 500 and j.server_errors.append(f"{r.status} {r.url}"))


def _checked(j):
    page = j.page
    page.wait_for_load_state("load")
    j.check_accessibility()
    j.assert_no_console_errors()
    assert j.server_errors == [], j.server_errors
    text = page.locator("body").inner_text()
    assert "UTC" not in text, f"“UTC” shown on {page.url}"
    assert page.evaluate("document.documentElement.lang") == "vi"


def _needs(*keys):
    missing = [k for k in keys if k not in STATE]
    if missing:
        pytest.skip(f"an earlier journey did not finish: {missing}")


def _num(text: str) -> Decimal:
    return Decimal(text.strip().split()[0].replace(",", "."))


def test_teacher_builds_a_blueprint_by_topic_previews_and_assigns(journey, live_server):
    base = live_server["url"]
    token = _api(base, "POST", "/auth/token", {"username": "teacher", "password": DEMO_PASSWORD})["token"]
    topics = {t["name"]: t["id"] for t in _api(base, "GET", "/topics?subject=toan&grade=10", token=token)}
    assert TOPIC_A in topics and TOPIC_B in topics, "the 2018-programme catalogue ships with the install"
    # The bank: questions filed under the two chapters (what a teacher's import would give).
    for n in range(1, 5):
        _api(base, "POST", "/questions", {
            "type": "single_choice", "subject": "toan", "grade": 10, "topic_id": topics[TOPIC_A],
            "level": "nhan_biet", "stem": f"<p>Mệnh đề số {n}: $A \\subset B$ khi nào?</p>",
            "options": [{"text": f"Đáp án đúng {n}", "correct": True}, {"text": "Phương án nhiễu 1", "correct": False},
                        {"text": "Phương án nhiễu 2", "correct": False}, {"text": "Phương án nhiễu 3", "correct": False}]},
            token=token)
    for n in range(1, 4):
        _api(base, "POST", "/questions", {
            "type": "single_choice", "subject": "toan", "grade": 10, "topic_id": topics[TOPIC_B],
            "level": "thong_hieu", "stem": f"<p>Hàm số $y = {n}x + 1$ đồng biến hay nghịch biến?</p>",
            "options": [{"text": "Phương án nhiễu A", "correct": False}, {"text": f"Đáp án đúng hàm {n}", "correct": True},
                        {"text": "Phương án nhiễu C", "correct": False}, {"text": "Phương án nhiễu D", "correct": False}]},
            token=token)

    j = journey("teach-teacher")
    _watch(j)
    page = j.page
    j.login("teacher")
    _checked(j)

    # The topic catalogue, read-only for a teacher.
    page.goto("/topics/?subject=toan&grade=10")
    expect(page.get_by_text(TOPIC_A)).to_be_visible()
    j.shot("topic-catalogue")
    _checked(j)

    # The question editor switches through every type without a console error.
    page.goto("/questions/new")
    for qtype in TYPES:
        page.get_by_label("Dạng câu hỏi").select_option(qtype)
        page.wait_for_timeout(50)
    page.get_by_label("Dạng câu hỏi").select_option("single_choice")
    _checked(j)

    # The ma trận by chủ đề.
    page.goto("/exams/new")
    _checked(j)
    now = datetime.now(timezone(timedelta(hours=7)))
    page.get_by_label("Tên bài kiểm tra").fill(EXAM_TITLE)
    page.get_by_label("Môn", exact=True).select_option("toan")
    page.get_by_label("Khối", exact=True).fill("10")
    page.get_by_label(re.compile(r"10A1")).check()
    page.get_by_label("Thời gian (phút)").fill("15")
    page.get_by_label("Số lượt làm tối đa").fill("1")
    page.get_by_label("Mở lúc (giờ Việt Nam)").fill((now - timedelta(minutes=2)).strftime("%d/%m/%Y %H:%M"))
    page.get_by_label("Đóng lúc (giờ Việt Nam)").fill((now + timedelta(days=1)).strftime("%d/%m/%Y %H:%M"))
    page.get_by_label("Cho xem đáp án").select_option("immediately")
    page.get_by_label("Ghi vào sổ điểm").select_option("tx")
    page.get_by_label("Học kì", exact=True).select_option("2")
    column = page.locator("#gradebook-columns select")
    expect(column).to_have_count(1)
    expect(column.locator("option").first).to_contain_text("Tạo cột ĐĐGtx mới")
    page.get_by_label("Theo ma trận (rút từ ngân hàng)").check()
    page.get_by_label("Tên phần").fill("Trắc nghiệm")
    page.get_by_label("Điểm mỗi câu").fill("1")
    rows = page.locator("#bp-rows > li")
    for index, (topic, level, count) in enumerate(((TOPIC_A, "nhan_biet", "2"), (TOPIC_B, "thong_hieu", "1"))):
        row = rows.nth(index)
        expect(row.get_by_label("Chủ đề").locator("option", has_text=topic)).to_have_count(1)
        row.get_by_label("Chủ đề").select_option(label=topic)
        row.get_by_label("Mức độ").select_option(level)
        row.get_by_label("Số câu").fill(count)
    for index in range(2, rows.count()):
        rows.nth(index).get_by_label("Số câu").fill("")
    j.shot("blueprint-by-topic")
    page.get_by_role("button", name="Xem trước đề").click()
    preview = page.locator("#paper-preview")
    expect(preview).to_contain_text("Xem trước đề: 3 câu")
    expect(preview).to_contain_text(TOPIC_A)
    expect(preview).to_contain_text(TOPIC_B)
    expect(preview.locator(".katex").first).to_be_visible()
    shown = preview.locator(".preview-questions > li").all_inner_texts()
    j.shot("paper-preview")
    _checked(j)
    page.get_by_role("button", name="Tạo bài kiểm tra").click()
    page.wait_for_url(re.compile(r"/exams/\d+/results$"))
    STATE["exam_id"] = int(re.search(r"/exams/(\d+)/results", page.url).group(1))
    expect(page.locator("#cong-bo-diem")).to_contain_text("Chưa công bố")
    _checked(j)
    # Exactly the previewed paper was assigned.
    exam = _api(base, "GET", f"/exams/{STATE['exam_id']}", token=token)
    assigned = exam["sections"][0]["question_ids"]
    assert [int(re.search(r"#(\d+)", text).group(1)) for text in shown] == assigned
    j.shot("exam-assigned")
    STATE["teacher_done"] = True


def test_student_on_a_phone_home_lecture_exam_result_and_released_score(journey):
    _needs("exam_id", "teacher_done")
    j = journey("teach-student", PHONE)
    _watch(j)
    page = j.page
    j.login("student")
    _checked(j)

    # Home: what to do next.
    home = page.locator("main")
    expect(home.get_by_role("heading", name="Bài kiểm tra cần làm")).to_be_visible()
    card = home.locator("li.card").filter(has_text=EXAM_TITLE)
    expect(card).to_contain_text("Hạn nộp")
    expect(home.get_by_role("heading", name=re.compile("Xem tiếp|Bài giảng nên xem")).first).to_be_visible()
    j.shot("home")

    # A lecture from home, then back.
    home.locator(".home-panel a[href*='/lectures/']").first.click()
    page.wait_for_url(re.compile(r"/lectures/\d+$"))
    _checked(j)
    j.shot("lecture")
    page.go_back()
    page.wait_for_url("**/dashboard")

    # The exam: instructions before the timer starts.
    page.locator("main li.card").filter(has_text=EXAM_TITLE).get_by_role("link", name="Làm bài").click()
    page.wait_for_url(f"**/exams/{STATE['exam_id']}/start")
    expect(page.get_by_role("heading", name="Quy định làm bài")).to_be_visible()
    expect(page.locator(".facts")).to_contain_text("15 phút")
    expect(page.locator(".facts")).to_contain_text("3 câu")
    j.shot("instructions")
    _checked(j)
    page.get_by_role("link", name="Bắt đầu làm bài").click()
    page.wait_for_url(f"**/exams/{STATE['exam_id']}/take")
    questions = page.locator("section.question")
    expect(questions).to_have_count(3)
    for index in range(3):
        questions.nth(index).get_by_label(re.compile("Đáp án đúng")).check()
    expect(page.locator("#save-state")).to_contain_text("Đã lưu", timeout=15_000)
    j.shot("answered")
    _checked(j)
    page.locator("#submit-button").click()
    expect(page.locator("#confirm-submit")).to_be_visible()
    page.locator("#confirm-yes").click()
    page.wait_for_url(re.compile(r"/exams/attempts/\d+$"))
    attempt_url = page.url
    expect(page.locator("#total-10")).to_have_text(re.compile(r"^10"))
    expect(page.locator("li.opt-chosen.opt-correct")).to_have_count(3)  # chosen and correct, in the list
    j.shot("result")
    _checked(j)

    # After leaving the result, the card still links to it.
    page.goto("/exams/")
    exam_card = page.locator("li.card").filter(has_text=EXAM_TITLE)
    expect(exam_card).to_contain_text("Đã làm 1/1 lượt")
    exam_card.get_by_role("link", name="Xem bài làm lượt 1").click()
    page.wait_for_url(attempt_url)
    _checked(j)

    # Not released yet: the exam is not in “Điểm của tôi”.
    page.goto("/gradebook/me")
    expect(page.locator("main")).not_to_contain_text(EXAM_TITLE)
    _checked(j)

    # The teacher releases the scores.
    t = journey("teach-release")
    _watch(t)
    t.login("teacher")
    t.page.goto(f"/exams/{STATE['exam_id']}/results")
    t.page.get_by_role("button", name="Công bố điểm").click()
    expect(t.page.locator("#cong-bo-diem")).to_contain_text("Đã công bố")
    t.shot("scores-released")
    _checked(t)
    t.page.goto(f"/exams/{STATE['exam_id']}/statistics")
    expect(t.page.locator("svg.item-map")).to_be_visible()
    expect(t.page.locator("table.item-table")).to_contain_text("Đáp án đúng")
    t.shot("statistics")
    _checked(t)

    # Now the student sees it, linked to the attempt.
    page.goto("/gradebook/me")
    table = page.locator("section.card").filter(has_text="Toán").locator("table").filter(has_text=EXAM_TITLE)
    expect(table).to_have_count(1)
    header = table.locator("thead th")
    titles = [header.nth(i).inner_text() for i in range(header.count())]
    column = next(i for i, title in enumerate(titles) if EXAM_TITLE in title)
    cell = table.locator("tbody td").nth(column)
    assert _num(cell.inner_text()) == Decimal("10")
    expect(cell.get_by_role("link")).to_have_attribute("href", re.compile(r"/exams/attempts/\d+$"))
    j.shot("my-scores")
    _checked(j)
