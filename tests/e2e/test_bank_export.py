"""Issue 15: exporting from the bank page tells the teacher, next to the button, what the chosen format could not
write (the X-Export-Warnings of the API), and still downloads the file. Chromium, as the other journeys."""
from __future__ import annotations

import json
import urllib.request

from playwright.sync_api import expect

from tests.e2e.conftest import DEMO_PASSWORD


def _api(base: str, method: str, path: str, body=None, token: str | None = None):
    request = urllib.request.Request(base + "/api/v1" + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json", "Accept": "application/json",
                                              **({"Authorization": f"Bearer {token}"} if token else {})})
    with urllib.request.urlopen(request, timeout=30) as resp:
        return json.loads(resp.read() or b"null")


def test_export_downloads_and_names_what_gift_cannot_write(journey, live_server):
    base = live_server["url"]
    token = _api(base, "POST", "/auth/token", {"username": "teacher", "password": DEMO_PASSWORD})["token"]
    essay = _api(base, "POST", "/questions", {
        "type": "essay", "subject": "ngu-van", "grade": 11, "level": "van_dung",
        "stem": "<p>Viết đoạn văn (khoảng 200 chữ) về lòng biết ơn.</p>",
        "rubric": "<ul><li>Đúng hình thức đoạn văn: 0,5 điểm</li><li>Nội dung: 1,5 điểm</li></ul>"}, token)
    j = journey("bank-export")
    j.login("teacher")
    j.page.goto("/questions/?type=essay&mine=1")
    j.page.locator(f"[data-export-id][value='{essay['id']}']").check()
    j.page.select_option("#export-format", "gift")
    with j.page.expect_download() as download:
        j.page.get_by_role("button", name="Tải xuống").click()
    assert download.value.suggested_filename == "ngan-hang-cau-hoi.gift.txt"
    status = j.page.locator("[data-export-status]")
    expect(status).to_contain_text(f"Câu {essay['id']}: Định dạng GIFT không lưu được hướng dẫn chấm (rubric)")
    j.shot("gift-warning")
    j.page.select_option("#export-format", "qti3")
    with j.page.expect_download() as download:
        j.page.get_by_role("button", name="Tải xuống").click()
    assert download.value.suggested_filename == "ngan-hang-cau-hoi.qti3.zip"
    expect(status).to_have_text("Đã xuất.")
    j.assert_clean()
