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
    with page.expect_download() as download:
        page.click(".ov-circular button[type=submit]")
    assert download.value.suggested_filename.endswith(".pdf")
    document = Document.objects.get(kind="circular")
    page = leader.go("/oversight/report/")
    assert page.locator(f"[data-ov-circular='{document.pk}']").count() == 1
