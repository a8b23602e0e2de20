"""A parent on a phone follows two children in two schools, and a teacher's announcement reaches the class's
students and their parents (Debian's Chromium, 390x844). Screenshots: test-output/e2e/journey-parent-*.png."""
from __future__ import annotations

import json
import urllib.request

from playwright.sync_api import expect

from .conftest import DEMO_PASSWORD

PHONE = {"width": 390, "height": 844}


def _api(base, token, method, path, body=None):
    req = urllib.request.Request(base + "/api/v1" + path, method=method,
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Content-Type": "application/json",
                                          **({"Authorization": f"Bearer {token}"} if token else {})})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read() or b"null")


def _second_child(base):
    """A second school with a 6th-grade child of the demo parent (set up by the admin over the API)."""
    admin = _api(base, None, "POST", "/auth/token", {"username": "admin", "password": DEMO_PASSWORD})["token"]
    school = _api(base, admin, "POST", "/schools", {"name": "Trường THCS Nguyễn Du", "code": "THCS-ND-PH"})
    klass = _api(base, admin, "POST", "/classes", {"name": "6A2", "grade": 6, "school_id": school["id"],
                                                   "school_year": "2026-2027"})
    child = _api(base, admin, "POST", "/users", {"username": "hs.tung.ph", "password": "tung-6a2-nguyen-du",
                                                 "full_name": "Lê Minh Tùng", "role": "student",
                                                 "school_id": school["id"]})
    _api(base, admin, "POST", f"/classes/{klass['id']}/students", {"student_ids": [child["id"]]})
    parent = _api(base, admin, "GET", "/users?q=phuhuynh")["items"][0]
    _api(base, admin, "POST", f"/students/{child['id']}/guardians", {"parent_id": parent["id"], "relation": "mẹ"})


def test_parent_on_a_phone_follows_two_children_and_gets_the_class_announcement(journey, live_server):
    _second_child(live_server["url"])

    teacher = journey("journey-parent-teacher")
    teacher.login("teacher")
    teacher.page.goto("/notices/")
    teacher.page.get_by_text("Gửi thông báo mới").click()
    teacher.page.get_by_label("Tiêu đề").fill("Họp phụ huynh lớp 10A1 chiều thứ Bảy")
    teacher.page.get_by_label("Nội dung").fill("14 giờ, phòng 12. Phụ huynh mang theo sổ liên lạc.")
    teacher.page.get_by_label("10A1 (2026-2027)").check()
    teacher.page.get_by_role("button", name="Gửi").click()
    expect(teacher.page.get_by_text("Đã gửi thông báo.")).to_be_visible()
    teacher.check_accessibility()
    teacher.assert_no_console_errors()

    parent = journey("journey-parent", PHONE)
    parent.login("phuhuynh")
    page = parent.page
    # The announcement is on the home page, and the header counts it (the fan-out job ran in the worker).
    for _ in range(30):
        if page.get_by_text("Họp phụ huynh lớp 10A1 chiều thứ Bảy").count():
            break
        page.wait_for_timeout(500)
        page.reload()
    expect(page.get_by_text("Họp phụ huynh lớp 10A1 chiều thứ Bảy").first).to_be_visible()
    assert int(page.locator("header .badge").inner_text()) >= 1  # the demo's exam notice may be unread too
    parent.shot("home")
    parent.check_accessibility()
    page.get_by_role("link", name="Con của tôi").first.click()
    expect(page.get_by_role("heading", name="Lê Minh Anh")).to_be_visible()
    expect(page.get_by_role("heading", name="Lê Minh Tùng")).to_be_visible()
    expect(page.get_by_text("Trường THCS Nguyễn Du")).to_be_visible()
    expect(page.get_by_text("Trường THPT Demo Học Liệu Số")).to_be_visible()
    # The demo's released Toán scores as the child sees them, with the Vietnamese decimal comma.
    expect(page.locator("table.family-summary").first).to_contain_text("Toán")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"], "the page scrolls sideways"
    parent.shot("children")
    parent.check_accessibility()
    page.get_by_role("link", name="Xem đầy đủ").first.click()
    page.get_by_text("Toán: các cột điểm").click()
    expect(page.get_by_text("Kiểm tra miệng")).to_be_visible()
    expect(page.locator(".family-scores").first).to_contain_text(",")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    parent.shot("child")
    parent.check_accessibility()
    parent.assert_no_console_errors()

    student = journey("journey-parent-student", PHONE)
    student.login("student")
    expect(student.page.get_by_text("Họp phụ huynh lớp 10A1 chiều thứ Bảy").first).to_be_visible()
    student.shot("home")
    student.assert_no_console_errors()
