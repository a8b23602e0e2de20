"""The e-textbook reader on a phone: a lecture's PDF opens in pdf.js, loaded by range requests, and reopens at
the page the student left it on; the last page completes it."""
from __future__ import annotations

import re

import pytest
import requests

from tests.e2e.conftest import OUT
from tests.e2e.test_packages import _lecture_with, _student_login, _token, _upload_ready
from tests.pdfs import make_text_pdf

pytestmark = pytest.mark.browser

PAGES = [f"Trang {n}\nBai doc so {n}" for n in range(1, 7)]

#: Dark pixels on the canvas: pdf.js really drew the page (text and picture), not an empty sheet.
INKED = """() => {
  const c = document.querySelector('.reader-canvas');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let dark = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i] + d[i + 1] + d[i + 2] < 200) dark++;
  return dark;
}"""


def _rendered(page, number):
    page.locator(f'#reader[data-rendered="{number}"]').wait_for()
    assert page.locator(".reader-page").input_value() == str(number)
    assert page.evaluate(INKED) > 500


def test_student_reads_a_pdf_and_it_reopens_at_the_remembered_page(live_server, phone):
    base = live_server["url"]
    teacher = _token(base, "teacher")
    book = _upload_ready(base, teacher, make_text_pdf(PAGES, picture_bytes=60_000), "sach-doc.pdf")
    assert book["status"] == "ready" and book["pages"] == 6, book
    lecture_id = _lecture_with(base, teacher, [book["id"]], "Sách đọc lớp 6")

    page = phone
    ranges = []
    page.on("response", lambda r: "/o/reader/document.pdf" in r.url and ranges.append(
        (r.status, r.request.headers.get("range"))))
    _student_login(page)
    page.goto(f"/lectures/{lecture_id}")
    page.get_by_role("link", name="sach-doc.pdf", exact=True).click()
    page.wait_for_url(re.compile(rf"/lectures/{lecture_id}/documents/{book['id']}$"))
    _rendered(page, 1)
    box = page.locator(".reader-canvas").bounding_box()
    assert 300 <= box["width"] and box["x"] + box["width"] <= 390  # the page fits the phone, no sideways scroll
    assert any(status == 206 and rng for status, rng in ranges), ranges  # fetched by ranges, not whole

    page.get_by_role("button", name="Trang sau").click()
    _rendered(page, 2)
    with page.expect_response(lambda r: r.url.endswith(f"/lectures/{lecture_id}/progress")
                              and r.request.method == "PUT") as saved:
        page.get_by_role("button", name="Trang sau").click()
        _rendered(page, 3)
    assert saved.value.status == 200 and saved.value.json()["position_s"] == 3
    page.screenshot(path=str(OUT / "reader-01-page-3.png"), full_page=True)

    # Another day: the reader opens where the student stopped.
    page.goto(f"/lectures/{lecture_id}")
    page.goto(f"/lectures/{lecture_id}/documents/{book['id']}")
    _rendered(page, 3)
    # The status line follows the drawn page a moment later ("Đang tải trang 3…" until then): wait for it.
    page.locator(".reader-status").filter(has_text=re.compile(r"^Trang 3 / 6")).wait_for()
    assert page.locator(".reader-status").inner_text().startswith("Trang 3 / 6")

    # Typing the last page jumps there; reaching it completes the document (and this PDF-only lecture).
    page.locator(".reader-page").fill("6")
    page.locator(".reader-page").press("Enter")
    _rendered(page, 6)
    page.locator(".reader-status").filter(has_text="Đã đọc hết tài liệu").wait_for()
    assert page.get_by_role("button", name="Trang sau").is_disabled()
    page.screenshot(path=str(OUT / "reader-02-last-page.png"), full_page=True)
    student = _token(base, "student")
    mine = requests.get(f"{base}/api/v1/lectures/{lecture_id}/progress", timeout=30,
                        headers={"Authorization": f"Bearer {student}"}).json()["items"][0]
    assert mine["completed"] is True and mine["documents"][0]["page"] == 6
