"""The upload page as a staff officer uses it: sign in, upload, read the summary (Playwright)."""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cast
from tests.lists.files import mixed_rows, write_csv

pytestmark = pytest.mark.django_db(transaction=True)
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(os.environ.get("CASEWORK_SCREENSHOTS", "var/screenshots"))


@pytest.fixture
def page(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    # The test talks to the database while Playwright's loop runs in this thread.
    # Set for this test only: a leaked value would fail `check --deploy` in later tests.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "1")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(locale="zh-CN")
        page = context.new_page()
        problems: list[str] = []
        page.on("console", lambda message: message.type == "error"
                and problems.append(f"{message.text} {message.location.get('url')}"))
        page.on("response", lambda response: response.status >= 400 and problems.append(response.url))
        page.problems = problems
        yield page
        browser.close()


def test_an_officer_uploads_a_list_and_reads_the_summary_and_the_rejected_rows(
    page: Any, live_server: Any, list_cast: Cast, tmp_path: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    officer = list_cast.officer
    officer.is_staff = officer.is_superuser = True
    officer.set_password("anshan-demo")
    officer.save()
    upload = write_csv(tmp_path / "list.csv", mixed_rows(list_cast), "gbk")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    page.goto(f"{live_server.url}/admin/lists/importbatch/add/")
    page.fill("#id_username", "officer")
    page.fill("#id_password", "anshan-demo")
    page.click("input[type=submit]")
    page.set_input_files("#id_file", str(upload))
    page.screenshot(path=str(SCREENSHOTS / "lists-upload.png"), full_page=True)
    page.click("input[name=_save]")

    page.wait_for_selector("#import-progress")
    page.screenshot(path=str(SCREENSHOTS / "lists-import-done.png"), full_page=True)
    assert page.get_attribute("#import-progress", "value") == "100"
    assert "10" in page.inner_text("#import-progress-label")
    body = page.inner_text("#content")
    assert "duplicate_in_file: 1" in body and "uscc_check: 1" in body
    with page.expect_download() as download:
        page.click("text=下载被拒绝的行（含行号和原因）")
    assert "duplicate_in_file" in Path(download.value.path()).read_text(encoding="utf-8-sig")
    # The browser asks for /favicon.ico on its own; the project serves none.
    assert [problem for problem in page.problems if not problem.endswith("/favicon.ico")] == []
