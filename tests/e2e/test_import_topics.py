"""The import page reports the categories of a GIFT file as the curriculum topics they are filed under."""
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

GIFT = (
    "$CATEGORY: $course$/top/Hàm số/Đồng biến\n\n"
    "::Q1:: Hàm y = x đồng biến trên ℝ {T}\n\n"
    "::Q2:: Hàm y = -x đồng biến trên ℝ {F}\n\n"
)


def test_import_page_says_which_topics_a_file_creates(journey, tmp_path):
    j = journey("import-topics")
    j.login("teacher")
    page = j.page
    source = tmp_path / "ham-so.gift.txt"
    source.write_text(GIFT, encoding="utf-8")
    page.goto("/questions/import")
    page.get_by_label("Định dạng").select_option("gift")
    page.get_by_label("Tệp (tối đa 50 MB)").set_input_files(str(source))
    page.get_by_role("button", name="Kiểm tra tệp").click()
    rows = page.locator("[data-import-rows]")
    expect(rows).to_contain_text("sẽ tạo chủ đề mới “Hàm số/Đồng biến” (2 câu)")
    page.get_by_role("button", name="Nhập 2 câu").click()
    expect(page.locator("[data-import-summary]")).to_contain_text("Đã nhập 2 câu")
    expect(rows).to_contain_text("đã tạo chủ đề mới “Hàm số/Đồng biến” (2 câu)")
    j.shot("import-topics")
    assert not j.errors, j.errors
