"""The summary PDF is drawn by the worker: "Download as PDF" shows "Your PDF is being prepared".

With JavaScript the page asks again by itself and saves the PDF once the worker has drawn it;
without, "Check again" downloads it once drawn. axe and the first-HTML budget are checked on the
preparing page.
"""

from __future__ import annotations

from django.urls import reverse
from playwright.sync_api import Browser, Download, Page, expect

from carecircle.records.models import PdfJob
from carecircle.records.sections import SECTION_BY_KEY
from carecircle.records.services import entry_create
from tests.browser.conftest import Checked, make_checked, sign_in, signed_in_without_javascript
from tests.cast import build_cast


def _preparing(checked: Checked, summary: str, label: str) -> Page:
    page: Page = checked.page
    page.goto(summary)
    page.get_by_role("link", name="Download as PDF").click()
    expect(page.get_by_role("heading", name="Your PDF is being prepared")).to_be_visible()
    checked.check(f"the PDF being prepared, {label}")
    return page


def _is_pdf(download: Download) -> None:
    path = download.path()
    with open(path, "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"


def _drawn(page: Page, jobs: int) -> None:
    """Wait (polling the queue, at most 30 s) until the worker has drawn `jobs` PDFs."""
    for _ in range(150):
        if PdfJob.objects.filter(status=PdfJob.Status.READY).count() >= jobs:
            return
        page.wait_for_timeout(200)
    raise AssertionError("the worker didn't draw the PDF within 30 s")


def _check_again_downloads(page: Page) -> None:
    with page.expect_download() as again:
        page.get_by_role("link", name="Check again").click()
    assert again.value.suggested_filename.endswith("-summary.pdf")
    _is_pdf(again.value)


def test_download_pdf_waits_for_the_worker_with_and_without_javascript(server: str, browser: Browser) -> None:
    cast = build_cast()
    for number in range(12):
        values = {"name": f"Medicine {number:02}", "dose": "1 tablet"}
        entry_create(actor=cast.organiser, circle=cast.circle, section=SECTION_BY_KEY["medications"], values=values)
    summary = f"{server}{reverse('records:essentials', args=[cast.circle.pk])}"

    with_script = make_checked(sign_in(browser.new_context(accept_downloads=True), server, cast.helper))
    try:
        page = _preparing(with_script, summary, "with JavaScript")
        # The page asks again every 3 seconds and saves the PDF once the worker has drawn it.
        with page.expect_download(timeout=30_000) as download_info:
            _drawn(page, 1)
        _is_pdf(download_info.value)
        expect(page.get_by_role("heading", name="Your PDF is being prepared")).to_be_visible()
    finally:
        with_script.close()

    # Another reader (the organiser: other capabilities) gets their own PDF, prepared anew.
    without_script = signed_in_without_javascript(browser, server, cast.organiser)
    try:
        page = _preparing(without_script, summary, "without JavaScript")
        _drawn(page, 2)
        _check_again_downloads(page)
    finally:
        without_script.close()
