"""Admin onboarding a school in Chromium: school year and school -> roster XLSX with Vietnamese names ->
per-row preview -> confirm (class created) -> homeroom teacher -> printed account cards (the PDF is downloaded
and read with pdftotext) -> a student signs in on a phone with the card's password and must change it.
Then the department dashboard with its charts and a CSV export.

Every page visited: Vietnamese, no "UTC", no console error, no 5xx. Screenshots: test-output/e2e/admin-*.png,
department-*.png.
"""
from __future__ import annotations

import csv
import io
import re
import subprocess

from openpyxl import Workbook
from playwright.sync_api import expect

PHONE = {"width": 390, "height": 844}
ROSTER = [("Tên đăng nhập", "Họ và tên", "Lớp", "Vai trò", "Mã học sinh"),
          ("nd.gv.huong", "Đặng Thị Hường", "", "Giáo viên", ""),
          ("nd.hs.khoa", "Nguyễn Đăng Khoa", "6A1", "Học sinh", "HS0601"),
          ("nd.hs.ngoc", "Trần Bảo Ngọc", "6A1", "Học sinh", "HS0602"),
          ("nd.hs.quynh", "Lê Thị Diễm Quỳnh", "6A1", "Học sinh", "HS0603"),
          ("nd.hs.tuan", "Võ Anh Tuấn", "6A2", "Học sinh", "HS0604")]


def _watch(j):
    """Record every response of 500 and above on this journey's page."""
    j.server_errors = []
    j.page.on("response", lambda r: j.server_errors.append(f"{r.status} {r.url}") if r.status >= 500 else None)
    return j


def _page_ok(j):
    j.page.wait_for_load_state("load")
    assert j.page.evaluate("document.documentElement.lang") == "vi"
    assert "UTC" not in j.page.inner_text("body"), j.page.url
    j.check_accessibility()
    j.assert_no_console_errors()
    assert j.server_errors == []


def _roster_file(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.title = "Danh sách"
    for row in ROSTER:
        sheet.append(list(row))
    path = tmp_path / "danh-sach-THCS-Nguyen-Du.xlsx"
    book.save(path)
    return path


def test_admin_onboards_a_school_from_a_roster_to_printed_cards(journey, tmp_path):
    j = _watch(journey("admin"))
    j.login("admin")
    j.page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Quản trị").click()
    expect(j.page.locator("h1")).to_have_text("Quản trị hệ thống")
    _page_ok(j)
    j.shot("console")

    # The demo's year is current; the next one is prepared ahead without switching to it.
    j.page.get_by_role("link", name="Năm học", exact=True).click()
    expect(j.page.get_by_role("row", name=re.compile("2026-2027"))).to_contain_text("Hiện tại")
    expect(j.page.get_by_label("Năm học", exact=True)).to_have_value("2027-2028")
    j.page.get_by_label("Ngày bắt đầu").fill("05/09/2027")
    j.page.get_by_label("Ngày kết thúc").fill("31/05/2028")
    j.page.get_by_label(re.compile("Đặt làm năm học hiện tại")).uncheck()
    j.page.get_by_role("button", name="Thêm năm học").click()
    expect(j.page.get_by_text("Đã thêm năm học.")).to_be_visible()
    expect(j.page.get_by_role("row", name=re.compile("2027-2028"))).not_to_contain_text("Hiện tại")
    _page_ok(j)

    j.page.get_by_role("navigation", name="Trang quản trị").get_by_role("link", name="Trường").click()
    j.page.get_by_label("Tên trường").fill("Trường THCS Nguyễn Du")
    j.page.get_by_label("Mã trường").fill("THCS-ND")
    j.page.get_by_role("button", name="Tạo trường").click()
    expect(j.page.locator("h1")).to_have_text("Trường THCS Nguyễn Du")
    _page_ok(j)

    j.page.get_by_role("link", name="Nhập danh sách cho trường này").click()
    j.page.get_by_label("Tệp danh sách").set_input_files(str(_roster_file(tmp_path)))
    expect(j.page.get_by_label("Trường (khi tệp không có cột mã trường)")).to_have_value(re.compile(r"\d+"))
    j.page.get_by_role("button", name="Xem trước").click()
    expect(j.page.locator("h1")).to_contain_text("Xem trước")
    rows = j.page.locator("#roster-rows tbody tr")
    expect(rows).to_have_count(5)
    expect(j.page.get_by_text("Lê Thị Diễm Quỳnh")).to_be_visible()
    expect(j.page.locator(".stats")).to_contain_text("6A1, 6A2")
    _page_ok(j)
    j.shot("preview")

    j.page.get_by_role("button", name=re.compile("Xác nhận nhập 5 dòng")).click()
    expect(j.page.locator("h1")).to_have_text("Đã nhập danh sách")
    expect(j.page.locator(".stats")).to_contain_text("5")
    _page_ok(j)
    j.shot("imported")

    # The new class: give it its homeroom teacher from the roster.
    j.page.get_by_role("link", name="Lớp 6A1").click()
    expect(j.page.locator("h1")).to_contain_text("Lớp 6A1")
    j.page.get_by_label("Giáo viên chủ nhiệm").select_option(label="Đặng Thị Hường (nd.gv.huong)")
    j.page.get_by_role("button", name="Lưu thông tin lớp").click()
    expect(j.page.get_by_text("Đã lưu thông tin lớp.")).to_be_visible()
    j.page.get_by_label("Môn").select_option(label="Ngữ văn")
    j.page.get_by_role("button", name="Phân công").click()
    expect(j.page.get_by_text("Đã phân công giáo viên bộ môn.")).to_be_visible()
    _page_ok(j)
    j.shot("class")

    with j.page.expect_download() as info:
        j.page.get_by_role("button", name=re.compile("In thẻ tài khoản cả lớp")).click()
    download = info.value
    assert download.suggested_filename.endswith(".pdf") and "6A1" in download.suggested_filename
    pdf = tmp_path / "the.pdf"
    download.save_as(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    for name in ("Nguyễn Đăng Khoa", "Trần Bảo Ngọc", "Lê Thị Diễm Quỳnh"):
        assert name in text
    assert "Võ Anh Tuấn" not in text  # 6A2 is another class
    assert "Lớp: 6A1" in text and "Trường THCS Nguyễn Du" in text
    # Cards are laid out two per row: find the password printed on Khoa's card by its column.
    lines = text.splitlines()
    user_line = next(i for i, line in enumerate(lines) if "nd.hs.khoa" in line)
    column = lines[user_line].index("nd.hs.khoa") < len(lines[user_line]) // 2
    passwords = re.findall(r"Mật khẩu lần đầu:\s+([a-z0-9]{10})", next(
        line for line in lines[user_line + 1:] if "Mật khẩu lần đầu" in line))
    password = passwords[0] if column or len(passwords) == 1 else passwords[1]
    j.page.reload()
    expect(j.page.locator("td", has_text="Chưa đổi lần đầu")).to_have_count(3)
    _page_ok(j)
    j.page.set_viewport_size(PHONE)
    j.page.reload()
    _page_ok(j)
    j.shot("class-phone")

    s = _watch(journey("admin-student", PHONE))
    s.page.goto("/login")
    s.page.get_by_label("Tên đăng nhập").fill("nd.hs.khoa")
    s.page.get_by_label("Mật khẩu").fill(password)
    s.page.get_by_role("button", name="Đăng nhập").click()
    s.page.wait_for_url("**/account/password")
    expect(s.page.locator("h1")).to_have_text("Đổi mật khẩu")
    _page_ok(s)
    s.shot("forced-change")
    s.page.goto("/dashboard")  # any other page sends the student back until the password is changed
    s.page.wait_for_url("**/account/password")
    s.page.get_by_label("Mật khẩu hiện tại").fill(password)
    s.page.get_by_label("Mật khẩu mới", exact=True).fill("khoa-tu-dat-2026")
    s.page.get_by_label("Nhập lại mật khẩu mới").fill("khoa-tu-dat-2026")
    s.page.get_by_role("button", name="Đổi mật khẩu").click()
    s.page.wait_for_url("**/dashboard")
    expect(s.page.locator("h1")).to_contain_text("Nguyễn Đăng Khoa")
    _page_ok(s)
    s.shot("dashboard")


def test_department_dashboard_shows_charts_and_exports_csv(journey, tmp_path):
    j = _watch(journey("department"))
    j.login("sogd")
    j.page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Thống kê toàn ngành").click()
    expect(j.page.locator("h1")).to_have_text("Thống kê toàn ngành")
    charts = j.page.locator("svg[role=img]")
    assert charts.count() >= 3
    for i in range(charts.count()):
        box = charts.nth(i).bounding_box()
        assert box and box["width"] > 200 and box["height"] > 100
    _page_ok(j)
    j.shot("dashboard")
    with j.page.expect_download() as info:
        j.page.locator("a[href*='/department/export/usage.csv']").click()
    path = tmp_path / "usage.csv"
    info.value.save_as(path)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert rows[0][0] == "Trường" and any(r[1] == "THPT-DEMO" for r in rows[1:])
    j.page.set_viewport_size(PHONE)
    j.page.reload()
    _page_ok(j)
    j.shot("dashboard-phone")
