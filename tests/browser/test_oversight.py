"""The leadership office's monthly report in a browser: fits a phone, its 通报 issued and downloaded."""

from collections.abc import Callable
from typing import Any

from documents.models import Document
from tests.browser.harness import shoot
from tests.conftest import Cast


def test_the_report_fits_a_phone_and_its_circular_is_issued_and_downloaded(
        cast: Cast, visit: Callable[..., Any]) -> None:
    leader = visit("leader")
    page = leader.go("/oversight/report/")
    page.set_viewport_size({"width": 390, "height": 844})
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    shoot(page, "oversight-report-390")
    assert overflow <= 0, f"the report is {overflow} px wider than a 390 px phone"
    page.set_viewport_size({"width": 1366, "height": 900})
    page.click(".ov-circular button[type=submit]")
    page.wait_for_load_state()
    document = Document.objects.get(kind="circular")
    # Back on the report: the message names the document and the link downloads it.
    assert document.number in page.locator(".ov-message").inner_text()
    shoot(page, "oversight-report-circular-issued")
    with page.expect_download() as download:
        page.click(f"[data-ov-circular='{document.pk}']")
    assert download.value.suggested_filename == f"circular-{document.period}.pdf"
