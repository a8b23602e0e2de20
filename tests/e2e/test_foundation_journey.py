"""The shell every journey starts from: sign in per role, a dashboard, accessible pages, no console errors."""
import pytest


@pytest.mark.parametrize("username,viewport", [("teacher", None), ("student", {"width": 390, "height": 844}),
                                               ("sogd", None)])
def test_each_role_signs_in_and_sees_a_dashboard(journey, username, viewport):
    j = journey(f"login-{username}", viewport)
    j.page.goto("/login")
    j.check_accessibility()
    j.login(username)
    assert j.page.locator("h1").inner_text().startswith("Xin chào")
    j.check_accessibility()
    j.shot("dashboard")
    # Keyboard reachability: Tab reaches the sign-out button.
    for _ in range(30):
        j.page.keyboard.press("Tab")
        focused = j.page.evaluate("document.activeElement.textContent.trim()")
        if focused == "Menu" and j.page.evaluate("document.activeElement.getAttribute('aria-expanded')") == "false":
            j.page.keyboard.press("Enter")  # a phone: the menu folds behind its button
            header = j.page.locator(".topbar").bounding_box()
            j.shot("menu-open")
            j.page.keyboard.press("Escape")
            # Folded, the header is one line: well under a tenth of an 844 px screen.
            assert j.page.locator(".topbar").bounding_box()["height"] < 64, header
            assert j.page.evaluate("document.activeElement.textContent.trim()") == "Menu"  # Escape returns focus
            j.page.keyboard.press("Enter")
        if focused == "Đăng xuất":
            break
    else:
        raise AssertionError("sign-out is not reachable by keyboard")
    j.assert_no_console_errors()
    j.assert_clean()
