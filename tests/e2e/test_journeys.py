"""The three users' journeys end to end in Debian's Chromium, in order, each building on the one before:
teacher (lecture with video and PDF, DOCX import, a true/false question with a formula, a blueprint exam for
10A1) -> student on a phone (watch and resume, take the exam through a reload and an offline spell, see the
score) -> department (review queue, approve the lecture, reject the question, search without diacritics,
audit trail) -> the teacher's gradebook shows the exam score and the right Thông tư 22 average, and exports.

Every page visited is checked for accessibility basics and console errors; key screens are screenshotted to
test-output/e2e/journey-*.png.
"""
from __future__ import annotations

import io
import re
import subprocess
import time
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

#: What each journey leaves for the next ones (the journeys run in file order in one module).
STATE: dict = {}

LECTURE_TITLE = "Chuyển đổi số: đồ thị hàm số bậc nhất"
EXAM_TITLE = "Kiểm tra 15 phút – Hàm số bậc nhất (ma trận)"
PHONE = {"width": 390, "height": 844}


def _needs(*keys):
    missing = [k for k in keys if k not in STATE]
    if missing:
        pytest.skip(f"an earlier journey did not finish: {missing}")


def _checked(j):
    """Accessibility basics and a clean console on the page the journey is on now; every page since the last
    check in Vietnamese, without "UTC" and without a 5xx (conftest's PageWatch)."""
    j.page.wait_for_load_state("load")
    j.check_accessibility()
    j.assert_no_console_errors()
    j.assert_clean()


def _wait_js(page, expression: str, timeout_ms: int = 20_000):
    """Poll a JS expression until truthy. (page.wait_for_function evaluates strings, which the site's CSP
    forbids, and rightly so.)"""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        value = page.evaluate(expression)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {expression}")
        page.wait_for_timeout(100)


def _nav(page, name: str):
    toggle = page.locator(".menu-toggle")  # on a phone the menu folds behind this button
    if toggle.count() and toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    return page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name=name, exact=True)


def _num(text: str) -> Decimal:
    return Decimal(text.strip().replace(",", "."))


# ---------------------------------------------------------------- generated files

def _make_video(path: Path) -> Path:
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=duration=4:size=320x240:rate=25",
                    "-f", "lavfi", "-i", "sine=frequency=440:duration=4", "-c:v", "libx264", "-preset",
                    "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path)],
                   check=True, timeout=60)
    return path


def _make_pdf(path: Path) -> Path:
    """A one-page PDF written by hand, with a correct xref table so every reader accepts it."""
    stream = b"BT /F1 24 Tf 72 720 Td (Phieu hoc tap: ham so bac nhat) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    path.write_bytes(out.getvalue())
    return path


def _make_docx(path: Path) -> Path:
    """Questions typed the Vietnamese way: PHẦN I, 'Câu N.' stems, A.–D. options, the right one in red.
    The third question has no answer marked, so the import report has a line to show."""
    from docx import Document
    from docx.shared import RGBColor

    doc = Document()
    doc.add_paragraph("PHẦN I. Câu trắc nghiệm nhiều phương án lựa chọn")
    questions = [
        ("Câu 1. Hệ số góc của đường thẳng y = 3x − 2 là", ["−2", "3", "2", "−3"], 1),
        ("Câu 2. Đồ thị hàm số y = x + 1 cắt trục tung tại điểm", ["(0; 1)", "(1; 0)", "(−1; 0)", "(0; −1)"], 0),
        ("Câu 3. Hàm số nào sau đây là hàm số bậc nhất?", ["y = x²", "y = 2x + 1", "y = 1/x", "y = √x"], None),
    ]
    for stem, options, right in questions:
        doc.add_paragraph(stem)
        for index, text in enumerate(options):
            paragraph = doc.add_paragraph()
            run = paragraph.add_run(f"{'ABCD'[index]}. {text}")
            if index == right:
                run.font.color.rgb = RGBColor(0xFF, 0x00, 0x00)
    doc.save(path)
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("journey-files")
    return {"video": _make_video(folder / "bai-giang-ham-so.mp4"), "pdf": _make_pdf(folder / "phieu-hoc-tap.pdf"),
            "docx": _make_docx(folder / "de-trac-nghiem.docx")}


# ---------------------------------------------------------------- 1. teacher

def test_1_teacher_prepares_lecture_questions_and_exam(journey, files):
    j = journey("journey-teacher")
    page = j.page
    j.login("teacher")
    _checked(j)

    # -- a lecture for 10A1 with a video and a PDF
    _nav(page, "Bài giảng của tôi").click()
    _checked(j)
    page.get_by_role("link", name="Soạn bài giảng mới").click()
    page.wait_for_url("**/lectures/new")
    _checked(j)
    page.get_by_label("Tên bài giảng").fill(LECTURE_TITLE)
    page.get_by_label("Môn học").select_option("toan")
    page.get_by_label("Khối lớp").select_option("10")
    page.get_by_label("Mô tả, nội dung").fill(
        "<p>Vẽ đồ thị hàm số $y = ax + b$ và nhận xét hệ số góc. Xem video rồi làm phiếu học tập.</p>")
    page.get_by_label("Lớp tôi dạy").check()
    page.get_by_label(re.compile(r"10A1")).check()
    page.get_by_role("button", name="Lưu bản nháp").click()
    page.wait_for_url(re.compile(r"/lectures/\d+/edit$"))
    STATE["lecture_id"] = int(re.search(r"/lectures/(\d+)/edit", page.url).group(1))
    _checked(j)

    # Record every state the upload rows pass through (byte progress, then transcoding progress).
    page.evaluate("""() => {
      window.__uploadLog = [];
      const list = document.getElementById('uploads');
      new MutationObserver(() => {
        for (const li of list.querySelectorAll('li')) {
          const bar = li.querySelector('progress'), text = li.querySelector('span.muted');
          window.__uploadLog.push((text ? text.textContent : '') + '|' + (bar ? bar.value : ''));
        }
      }).observe(list, {subtree: true, childList: true, characterData: true, attributes: true});
    }""")
    page.get_by_label("Tải lên video, PDF").set_input_files([str(files["video"]), str(files["pdf"])])
    rows = page.locator("#uploads li")
    expect(rows).to_have_count(2)
    j.shot("uploading")
    for index in range(2):
        expect(rows.nth(index)).to_contain_text(re.compile("Sẵn sàng|[Ll]ỗi|không|Mất kết nối"), timeout=90_000)
        expect(rows.nth(index)).to_contain_text("Sẵn sàng", timeout=1)
    log = page.evaluate("window.__uploadLog")
    assert any(entry.startswith("Đang tải lên") for entry in log), log
    assert any(entry.startswith("Đang xử lý video") for entry in log), log
    attachments = page.locator("#attachments li")
    expect(attachments).to_have_count(2)
    video_row = attachments.filter(has_text="Video ·")
    video_row.get_by_label("Tiêu đề tệp").fill("Video: vẽ đồ thị hàm số bậc nhất")
    attachments.filter(has_text="PDF ·").get_by_label("Tiêu đề tệp").fill("Phiếu học tập số 1")
    if "Video" not in attachments.nth(0).inner_text():  # whichever finished first came first: video on top
        video_row.get_by_role("button", name="Đưa lên").click()
    expect(attachments.nth(0)).to_contain_text("Video · sẵn sàng")
    j.shot("uploads-ready")
    _checked(j)
    page.get_by_role("button", name="Lưu bản nháp").click()
    expect(page.locator("#form-status")).to_contain_text("Đã lưu bản nháp")
    page.get_by_role("button", name="Gửi xuất bản").click()
    expect(page.locator("#form-status")).to_contain_text("Đã xuất bản")
    j.shot("lecture-published")
    # Published for 10A1 now; then offered to the shared library: the new version waits for the department
    # while the class keeps the published one.
    page.reload()
    _checked(j)
    page.get_by_label("Kho học liệu chung (cần duyệt)").check()
    page.get_by_role("button", name="Gửi xuất bản").click()
    expect(page.locator("#form-status")).to_contain_text("chờ duyệt")

    # -- import a DOCX of questions and read the report
    _nav(page, "Ngân hàng câu hỏi").click()
    _checked(j)
    page.goto("/questions/import")
    _checked(j)
    page.get_by_label("Định dạng").select_option("docx")
    page.get_by_label("Tệp (tối đa 50 MB)").set_input_files(str(files["docx"]))
    page.get_by_role("button", name="Kiểm tra tệp").click()
    summary = page.locator("[data-import-summary]")
    expect(summary).to_contain_text("2 câu hợp lệ, 1 lỗi")
    expect(page.locator("[data-import-rows]")).to_contain_text("Câu 3")
    j.shot("import-report")
    _checked(j)
    page.get_by_role("button", name="Nhập 2 câu").click()
    expect(summary).to_contain_text("Đã nhập 2 câu")

    # -- a true/false group question with a formula, previewed with KaTeX
    page.goto("/questions/new")
    _checked(j)
    page.get_by_label("Dạng câu hỏi").select_option("true_false_group")
    page.get_by_label("Mức độ").select_option("thong_hieu")
    page.get_by_label("Đề bài").fill("<p>Cho hàm số $y = x^2 - 2x$. Xét tính đúng sai của các mệnh đề sau:</p>")
    statements = [("Đồ thị hàm số đi qua gốc toạ độ.", True), ("Hàm số đạt giá trị nhỏ nhất tại $x = 1$.", True),
                  ("Giá trị nhỏ nhất của hàm số là $0$.", False), ("Hàm số đồng biến trên $\\mathbb{R}$.", False)]
    for index, (text, correct) in enumerate(statements):
        letter = "ABCD"[index]
        page.get_by_label(f"Nội dung ý {letter}").fill(text)
        if correct:
            page.get_by_label(f"Đúng {letter}", exact=True).check()
    preview = page.locator("[data-preview]")
    expect(preview.locator(".katex").first).to_be_visible()
    assert preview.locator(".katex").count() >= 3
    j.shot("question-editor-katex")
    _checked(j)
    page.get_by_role("button", name="Lưu câu hỏi").click()
    page.wait_for_url(re.compile(r"/questions/\d+$"))
    STATE["question_id"] = int(page.url.rsplit("/", 1)[1])
    _checked(j)
    # A second version (a change the department will see in the audit trail), then off to the department.
    page.get_by_role("link", name="Sửa (tạo phiên bản mới)").click()
    expect(page.get_by_label("Đề bài")).to_have_value(re.compile(r"y = x\^2"))
    page.get_by_label("Lời giải / giải thích").fill("<p>$y = (x - 1)^2 - 1 \\geq -1$, dấu bằng khi $x = 1$.</p>")
    _checked(j)
    page.get_by_role("button", name="Lưu câu hỏi").click()
    page.wait_for_url(re.compile(r"/questions/\d+$"))
    expect(page.locator("h1")).to_contain_text(f"#{STATE['question_id']}")
    page.get_by_role("button", name="Gửi tổ chuyên môn duyệt").click()
    expect(page.locator("h1")).to_contain_text("Chờ duyệt")
    j.shot("question-submitted")
    _checked(j)

    # -- an exam from a blueprint, thpt2025 scoring, for 10A1, linked to the gradebook
    _nav(page, "Bài kiểm tra").click()
    _checked(j)
    page.get_by_role("link", name="Tạo bài kiểm tra").click()
    _checked(j)
    now = datetime.now(timezone(timedelta(hours=7)))
    page.get_by_label("Tên bài kiểm tra").fill(EXAM_TITLE)
    page.get_by_label("Môn", exact=True).select_option("toan")
    page.get_by_label("Khối", exact=True).fill("10")
    page.get_by_label(re.compile(r"10A1")).check()
    page.get_by_label("Thời gian (phút)").fill("20")
    page.get_by_label("Số lượt làm tối đa").fill("1")
    page.get_by_label("Mở lúc (giờ Việt Nam)").fill((now - timedelta(minutes=2)).strftime("%d/%m/%Y %H:%M"))
    page.get_by_label("Đóng lúc (giờ Việt Nam)").fill((now + timedelta(days=7)).strftime("%d/%m/%Y %H:%M"))
    page.get_by_label("Cho xem đáp án").select_option("immediately")
    page.get_by_label("Ghi vào sổ điểm").select_option("tx")
    page.get_by_label("Học kì").select_option("2")  # semester I of the demo book already has its 4 ĐĐGtx (Thông tư 22)
    page.get_by_label("Theo ma trận (rút từ ngân hàng)").check()
    page.get_by_label("Tên phần").fill("Phần I")
    page.get_by_label("Điểm mỗi câu").fill("2,5")
    page.get_by_label("Cách chấm").select_option("thpt2025")
    matrix = page.locator("#bp-rows > li")
    for index, (level, count) in enumerate((("nhan_biet", "3"), ("thong_hieu", "1"))):
        matrix.nth(index).get_by_label("Mức độ").select_option(level)
        matrix.nth(index).get_by_label("Số câu").fill(count)
    j.shot("exam-form")
    page.get_by_role("button", name="Tạo bài kiểm tra").click()
    page.wait_for_url(re.compile(r"/exams/\d+/results$"))
    STATE["exam_id"] = int(re.search(r"/exams/(\d+)/results", page.url).group(1))
    expect(page.locator("h1")).to_contain_text(EXAM_TITLE)
    j.shot("exam-created")
    _checked(j)

    # -- release the exam's gradebook column so students see their score as soon as it is graded
    _nav(page, "Sổ điểm").click()
    _checked(j)
    klass = page.get_by_label("Lớp", exact=True)
    klass.select_option(klass.locator("option", has_text="10A1").get_attribute("value"))
    page.get_by_label("Môn học").select_option("toan")
    page.get_by_label("Học kì").select_option("2")
    page.get_by_role("button", name="Mở sổ điểm").click()
    page.wait_for_url("**/gradebook/grid**")
    header = page.locator("thead th").filter(has_text=EXAM_TITLE)
    expect(header).to_have_count(1)
    release = header.get_by_role("button", name="Công bố")
    release.click()
    expect(header).to_contain_text("Đã công bố")
    _checked(j)
    STATE["gradebook_url"] = page.url
    STATE["teacher_done"] = True


# ---------------------------------------------------------------- 2. student on a phone

def test_2_student_watches_and_takes_the_exam_on_a_phone(journey):
    _needs("lecture_id", "exam_id", "teacher_done")
    j = journey("journey-student", PHONE)
    page = j.page
    j.login("student")
    _checked(j)

    # -- the lecture: play a few seconds, leave, come back at the same position
    _nav(page, "Thư viện bài giảng").click()
    _checked(j)
    page.get_by_role("link", name=LECTURE_TITLE).click()
    page.wait_for_url(f"**/lectures/{STATE['lecture_id']}")
    video = page.locator("video.lecture-video")
    expect(video).to_have_count(1)
    # The PDF opens in the reader by its title; the file itself stays a download beside it.
    expect(page.get_by_role("link", name="Phiếu học tập số 1", exact=True)).to_have_count(1)
    expect(page.get_by_role("link", name="Tải về: Phiếu học tập số 1", exact=True)).to_have_count(1)
    _checked(j)
    # Poster and play button first: nothing of the video, nor hls.js, is fetched before the student presses play.
    expect(page.locator("img.video-poster")).to_be_visible()
    assert page.evaluate("typeof window.Hls") == "undefined"
    page.evaluate("document.querySelector('video.lecture-video').muted = true")
    page.get_by_role("button", name=re.compile("Phát video")).click()
    _wait_js(page, "document.querySelector('video.lecture-video').readyState >= 2", 30_000)
    _wait_js(page, "document.querySelector('video.lecture-video').currentTime >= 2", 20_000)
    with page.expect_response(lambda r: "/progress" in r.url and r.request.method == "PUT") as reported:
        page.evaluate("document.querySelector('video.lecture-video').pause()")
    assert reported.value.ok
    position = reported.value.json()["position_s"]
    assert position >= 2
    j.shot("lecture-playing")
    _nav(page, "Trang chính").click()
    page.wait_for_url("**/dashboard")
    _nav(page, "Thư viện bài giảng").click()
    page.get_by_role("link", name=LECTURE_TITLE).click()
    page.wait_for_url(f"**/lectures/{STATE['lecture_id']}")
    resume_at = float(page.locator("video.lecture-video").get_attribute("data-resume"))
    assert abs(resume_at - position) < 0.75, (resume_at, position)
    page.evaluate("document.querySelector('video.lecture-video').muted = true")
    page.get_by_role("button", name="Phát video (xem tiếp)").click()
    _wait_js(page, "document.querySelector('video.lecture-video').currentTime > 1", 20_000)
    resumed = page.evaluate("document.querySelector('video.lecture-video').currentTime")
    assert abs(resumed - position) < 0.75, (resumed, position)
    _checked(j)

    # -- the exam: answer, reload, go offline, submit
    _nav(page, "Bài kiểm tra").click()
    _checked(j)
    card = page.locator("li.card").filter(has_text=EXAM_TITLE)
    card.get_by_role("link", name="Bắt đầu làm bài").click()
    page.wait_for_url(f"**/exams/{STATE['exam_id']}/start")  # the instructions, before the timer starts
    expect(page.get_by_text("Quy định làm bài")).to_be_visible()
    _checked(j)
    page.get_by_role("link", name="Bắt đầu làm bài").click()
    page.wait_for_url(f"**/exams/{STATE['exam_id']}/take")
    questions = page.locator("section.question")
    expect(questions).to_have_count(4)
    expect(page.locator("#questions .katex").first).to_be_visible()  # formulas typeset, not raw $...$
    _checked(j)
    for index in range(4):
        question = questions.nth(index)
        statements = question.locator(".statement")
        if statements.count():
            for s in range(statements.count()):
                statements.nth(s).get_by_label("Đúng" if s < 2 else "Sai").check()
        else:
            question.locator("input[type=radio]").first.check()
    expect(page.locator("#save-state")).to_contain_text("Đã lưu lúc", timeout=15_000)
    j.shot("exam-answered")
    chosen = page.evaluate("[...document.querySelectorAll('#questions input:checked')].map(i => i.name + '=' + i.value)")
    timer_before = page.locator("#timer").inner_text()

    page.reload()
    expect(questions).to_have_count(4)
    expect(page.locator("#timer")).not_to_have_text("--:--")
    after = page.evaluate("[...document.querySelectorAll('#questions input:checked')].map(i => i.name + '=' + i.value)")
    assert sorted(after) == sorted(chosen)
    timer_after = page.locator("#timer").inner_text()
    assert timer_after <= timer_before and timer_after > "15:00", (timer_before, timer_after)
    _checked(j)

    j.context.set_offline(True)
    first = questions.nth(0)
    if first.locator(".statement").count():
        first.locator(".statement").nth(3).get_by_label("Đúng").check()
    else:
        first.locator("input[type=radio]").nth(1).check()
    expect(page.locator("#offline-banner")).to_be_visible(timeout=10_000)
    j.shot("exam-offline")
    with page.expect_request(lambda r: "/answers" in r.url and r.method == "PUT", timeout=15_000):
        j.context.set_offline(False)
    expect(page.locator("#offline-banner")).to_be_hidden()
    expect(page.locator("#save-state")).to_contain_text("Đã lưu lúc", timeout=15_000)

    page.locator("#submit-button").click()
    expect(page.locator("#confirm-submit")).to_be_visible()
    page.locator("#confirm-yes").click()
    page.wait_for_url(re.compile(r"/exams/attempts/\d+$"))
    score_card = page.locator("p.card").filter(has_text="Điểm:")
    expect(score_card).to_be_visible()
    score_10 = score_card.locator("strong").nth(1).inner_text()
    STATE["score_10"] = _num(score_10)
    expect(page.get_by_role("heading", name="Chi tiết từng câu")).to_be_visible()
    expect(page.locator("text=Đáp án:").first).to_be_visible()
    # Answers name the letters of the list shown above them, not internal option ids.
    answers = page.evaluate("""() => [...document.querySelectorAll('section.question-review')]
      .filter(s => [...s.querySelectorAll('ol')].some(o => o.getAttribute('type') === 'A'))
      .map(s => [...s.querySelectorAll('p')].map(p => p.textContent.trim()).find(t => t.startsWith('Em trả lời')))""")
    assert answers and all(re.fullmatch(r"Em trả lời:\s*[A-D]", a) for a in answers), answers
    j.shot("exam-result")
    _checked(j)

    # -- the score in "Điểm của tôi"
    _nav(page, "Điểm của tôi").click()
    _checked(j)
    # The exam feeds semester II (semester I of the demo book already has its 4 ĐĐGtx).
    table = page.locator("section.card").filter(has_text="Toán").locator("table").filter(has_text=EXAM_TITLE)
    header = table.locator("thead th")
    titles = [header.nth(i).inner_text() for i in range(header.count())]
    column = next(i for i, t in enumerate(titles) if EXAM_TITLE in t)
    value = table.locator("tbody td").nth(column).inner_text()
    assert _num(value) == STATE["score_10"], (value, STATE["score_10"])
    j.shot("my-scores")
    STATE["student_done"] = True


# ---------------------------------------------------------------- 3. department

def test_3_department_reviews_searches_and_audits(journey):
    _needs("lecture_id", "question_id", "student_done")
    j = journey("journey-department")
    page = j.page
    j.login("sogd")
    _checked(j)

    # -- the lecture review queue, preview, approve
    _nav(page, "Duyệt bài giảng").click()
    _checked(j)
    j.shot("review-queue")
    page.get_by_role("link", name=LECTURE_TITLE).click()
    page.wait_for_url(f"**/lectures/{STATE['lecture_id']}")
    expect(page.locator("video.lecture-video")).to_have_count(1)
    page.get_by_role("button", name=re.compile("Phát video")).click()
    _wait_js(page, "document.querySelector('video.lecture-video').readyState >= 1", 30_000)
    _checked(j)
    j.shot("lecture-preview")
    page.get_by_label("Nhận xét (bắt buộc khi không duyệt)").fill("Video rõ, phiếu học tập phù hợp.")
    page.get_by_role("button", name="Duyệt và xuất bản").click()
    expect(page.locator(".review-status")).to_contain_text("Đã duyệt")
    page.wait_for_load_state("load")
    expect(page.locator("#review-box")).to_have_count(0)
    _checked(j)

    # -- reject the teacher's question with a comment
    _nav(page, "Duyệt câu hỏi").click()
    _checked(j)
    article = page.locator(f"article[data-question-id='{STATE['question_id']}']")
    expect(article).to_be_visible()
    expect(article.locator(".katex").first).to_be_visible()
    j.shot("question-queue")
    article.get_by_label("Nhận xét (bắt buộc khi từ chối)").fill(
        "Mệnh đề c) cần ghi rõ giá trị nhỏ nhất là −1 để học sinh đối chiếu.")
    article.get_by_role("button", name="Từ chối").click()
    expect(page.locator(f"article[data-question-id='{STATE['question_id']}']")).to_have_count(0)
    _checked(j)

    # -- search without diacritics
    search = page.get_by_role("searchbox", name="Tìm kiếm")
    search.fill("chuyen doi so ham so bac nhat")
    search.press("Enter")
    page.wait_for_url("**/search**")
    found = page.get_by_role("link", name=LECTURE_TITLE)
    deadline = time.monotonic() + 20
    while not found.count() and time.monotonic() < deadline:  # the worker indexes the approval just after
        page.wait_for_timeout(1000)
        page.reload()
    expect(found).to_be_visible()
    j.shot("search")
    _checked(j)

    # -- the audit trail of the question: the teacher's versions, the submission, the rejection
    page.goto(f"/questions/{STATE['question_id']}")
    history = page.locator("section[aria-labelledby='history-title'] tbody tr")
    expect(history.first).to_be_visible()
    rows = [history.nth(i).inner_text() for i in range(history.count())]
    teacher_rows = [r for r in rows if "Nguyễn Thị Lan" in r]
    assert len(teacher_rows) >= 3, rows
    assert any("phiên bản 2 (lời giải)" in r for r in rows), rows
    assert any("Gửi duyệt" in r for r in rows), rows
    assert any("cần ghi rõ" in r for r in rows), rows
    expect(page.locator("h1")).to_contain_text("Bị từ chối")
    j.shot("audit-trail")
    _checked(j)
    STATE["department_done"] = True


# ---------------------------------------------------------------- 4. the teacher's gradebook afterwards

def _tt22_average(tx: list[Decimal], gk: Decimal, ck: Decimal) -> Decimal:
    total = sum(tx) + 2 * gk + 3 * ck
    return (total / (len(tx) + 5)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def test_4_teacher_gradebook_shows_the_score_and_exports(journey):
    _needs("gradebook_url", "score_10", "department_done")
    j = journey("journey-gradebook")
    page = j.page
    j.login("teacher")
    page.goto(STATE["gradebook_url"])
    _checked(j)
    headers = page.locator("table.grid thead th")
    titles = [headers.nth(i).inner_text() for i in range(headers.count())]
    row = page.locator("table.grid tbody tr").filter(has=page.locator("th", has_text="Lê Minh Anh")).first
    cells = row.locator("input.gb-cell")
    values = {}
    for i in range(cells.count()):
        cell = cells.nth(i)
        label = cell.get_attribute("aria-label")
        values[i] = (label, cell.input_value())
    column_titles = titles[2:-1]
    exam_index = next(i for i, t in enumerate(column_titles) if EXAM_TITLE in t)
    assert _num(values[exam_index][1]) == STATE["score_10"], values
    tx, gk, ck = [], None, None
    for i, title in enumerate(column_titles):
        raw = values[i][1]
        if not raw:
            continue
        kind = title.split()[0]
        if kind.startswith("ĐĐGtx") or kind.startswith("TX"):
            tx.append(_num(raw))
        elif kind.startswith("ĐĐGgk") or kind.startswith("GK"):
            gk = _num(raw)
        elif kind.startswith("ĐĐGck") or kind.startswith("CK"):
            ck = _num(raw)
    average = row.locator("td[data-average-for]").inner_text()
    if gk is not None and ck is not None:
        assert _num(average.split()[0]) == _tt22_average(tx, gk, ck), (titles, values, average)
    j.shot("gradebook")
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải XLSX").click()
    path = download.value.path()
    assert Path(path).read_bytes()[:2] == b"PK"
    assert download.value.suggested_filename.endswith(".xlsx")
    _checked(j)
