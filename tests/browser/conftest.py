"""Browser fixtures (docs/portal.md, "Browser tests"): Playwright on Debian's chromium.

* ``browser``: one chromium for the session (``harness.launch``).
* ``site``: the live server (pytest-django's, on the transactional test database) with
  Celery eager, so a step's in-app messages are delivered at commit like in ``make run``.
* ``visit(user)``: a new browser context signed in as ``user`` through the sign-in page
  (password ``x``, the cast's); it returns a ``Visitor`` with its ``page`` and ``watch``.
  The watch ignores only the WebSocket, which the live server (WSGI) cannot serve; the
  embedded-mode test (test_embedded.py) checks the real ASGI server with nothing ignored.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from config.celery import app
from tests.browser.harness import SCREENSHOT_DIR, Watch, launch


# Playwright's sync API runs an event loop in the test's thread; the ORM calls of the test
# itself are plain synchronous code. Set for this package only: set at import, it leaked into
# every later test and into the servers they start (production settings refuse it).
@pytest.fixture(scope="package", autouse=True)
def _orm_beside_playwright() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield

WEBSOCKET = re.compile(r"/ws/notifications/")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if SCREENSHOT_DIR.exists():
        terminalreporter.write_line(f"Browser screenshots: {SCREENSHOT_DIR}")


# Package scope: Playwright's sync API runs an event loop in this thread while the browser is open;
# held for the whole session it made every later sync test "async" (SynchronousOnlyOperation).
@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def site(live_server: Any, transactional_db: Any, settings: Any) -> Iterator[str]:
    # No live push here: the WSGI live server has no WebSocket, and the in-memory layer's
    # async_to_sync cannot run in the test's thread, where Playwright's event loop lives.
    settings.CHANNEL_LAYERS = {}
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield live_server.url
    app.conf.task_always_eager = previous


@dataclass
class Visitor:
    context: BrowserContext
    page: Page
    watch: Watch
    base: str

    def go(self, path: str) -> Page:
        self.page.goto(self.base + path)
        return self.page

    def status_of(self, path: str) -> int:
        """The HTTP status of a page for this user, without opening it in the page."""
        return self.context.request.get(self.base + path).status


@pytest.fixture
def visit(browser: Browser, site: str) -> Iterator[Callable[..., Visitor]]:
    contexts: list[BrowserContext] = []

    def sign_in(username: str, password: str = "x", then: str = "") -> Visitor:
        context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
        contexts.append(context)
        page = context.new_page()
        watch = Watch(ignore=(WEBSOCKET,)).attach(page)
        page.goto(site + (f"/accounts/login/?next={then}" if then else "/"))
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("[data-wb-sign-in]")
        page.wait_for_load_state()
        return Visitor(context=context, page=page, watch=watch, base=site)

    yield sign_in
    for context in contexts:
        context.close()
