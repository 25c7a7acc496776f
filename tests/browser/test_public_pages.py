"""The public start page in a real browser: accessible, small, and fine without JavaScript."""

from __future__ import annotations

from tests.browser.conftest import FIRST_VISIT_BUDGET_BYTES, Checked


def test_start_page_is_accessible_and_fits_the_first_round_trip(server: str, checked_page: Checked) -> None:
    checked_page.page.goto(server + "/")
    checked_page.check("start page")
    assert checked_page.page.get_by_role("heading", level=1).inner_text() == "Look after someone together"
    assert checked_page.transfer.documents, "the page's HTML transfer was not measured"
    assert checked_page.transfer.total <= FIRST_VISIT_BUDGET_BYTES


def test_start_page_works_without_javascript(server: str, no_js_page: Checked) -> None:
    no_js_page.page.goto(server + "/")
    no_js_page.check("start page without JavaScript")
    no_js_page.page.get_by_role("link", name="Create an account").first.click()
    assert "/account/" in no_js_page.page.url


def test_the_accessibility_statement_is_reached_from_the_footer_by_keyboard(server: str, checked_page: Checked) -> None:
    page = checked_page.page
    page.goto(server + "/")
    link = page.get_by_role("link", name="Accessibility statement")
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/accessibility/")
    checked_page.check("accessibility statement")
    assert page.get_by_role("heading", level=1).inner_text() == "Accessibility statement for CareCircle"
    assert checked_page.transfer.total <= FIRST_VISIT_BUDGET_BYTES
