"""What every browser test needs: Debian's chromium, collectors of errors, screenshots, axe-core.

* ``launch(playwright)``: ``/usr/bin/chromium`` (never a downloaded browser) with the
  project's flags.
* ``Watch``: attached to a page, it records console errors, uncaught exceptions, failed
  requests and every response of 400 or more (a static asset that 404s among them);
  ``watch.assert_clean()`` fails the test with the list.
* ``shoot(page, name)``: a full-page screenshot in ``SCREENSHOT_DIR`` (printed at the end of
  the run; CI shows it).
* ``axe_violations(page)``: runs axe-core (from the npm registry, ``var/node/``) inside the
  page and returns the serious and critical violations.
* ``tab_reaches_every_button(page)``: presses Tab through the page and returns the buttons
  the keyboard never reached.
"""

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, Request, Response

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOT_DIR = Path(os.environ.get("BROWSER_SCREENSHOTS", ROOT / "var" / "screenshots"))
AXE = ROOT / "var" / "node" / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")


def launch(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


@dataclass
class Watch:
    """Everything that went wrong on a page, as lines a person can read."""

    ignore: tuple[re.Pattern[str], ...] = ()
    problems: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> "Watch":
        page.on("console", self.on_console)
        page.on("pageerror", lambda error: self.add(f"uncaught: {error}"))
        page.on("requestfailed", self.on_failed)
        page.on("response", self.on_response)
        return self

    def add(self, problem: str) -> None:
        if not any(pattern.search(problem) for pattern in self.ignore):
            self.problems.append(problem)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.add(f"console error: {message.text} ({message.location.get('url', '')})")

    def on_failed(self, request: Request) -> None:
        # net::ERR_ABORTED is the browser cancelling a request because the page moved on (a
        # favicon still loading when a form posts), not a failure a person sees; a missing asset
        # is an HTTP 404 (on_response) and a server that is down is ERR_CONNECTION_REFUSED.
        if request.failure == "net::ERR_ABORTED" and request.resource_type != "document":
            return
        self.add(f"request failed: {request.method} {request.url} {request.failure}")

    def on_response(self, response: Response) -> None:
        # 404 is an answer a test may expect for a page (another department's case); never for an asset.
        document = response.request.resource_type == "document"
        if response.status >= 500 or (response.status >= 400 and not document):
            self.add(f"HTTP {response.status}: {response.request.resource_type} {response.url}")

    def assert_clean(self) -> None:
        problems, self.problems = self.problems, []
        assert not problems, "the page had errors:\n" + "\n".join(problems)


def sign_in_live(page: Page, base: str, username: str, lands_on: str, password: str = "x") -> None:
    """Sign in from the home page; the user's landing page is open with its WebSocket connected."""
    page.goto(f"{base}/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("[data-wb-sign-in]")
    page.wait_for_url(f"{base}{lands_on}")
    page.wait_for_selector("html[data-wb-socket=open]", timeout=15000)


def shoot(page: Page, name: str) -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations of the page as it is now (rule id, impact, targets)."""
    if not AXE.exists():
        raise AssertionError(f"axe-core is missing at {AXE}: run `make browser` (npm ci into var/node/)")
    # Evaluated over the DevTools protocol: the pages' Content-Security-Policy (script-src 'self')
    # rightly refuses an injected <script>, and the test must not weaken it (no bypass_csp).
    page.evaluate("() => { if (!window.axe) { " + AXE.read_text(encoding="utf-8") + "\n } }")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [{"id": violation["id"], "impact": violation["impact"],
             "targets": [node["target"] for node in violation["nodes"]][:5]}
            for violation in result["violations"] if violation["impact"] in SERIOUS]


UNLABELLED_CONTROLS = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(el => el.type !== 'hidden' && el.offsetParent !== null)
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                && !el.getAttribute('aria-labelledby'))
  .map(el => el.name || el.id || el.outerHTML.slice(0, 80))"""


def unlabelled_controls(page: Page) -> list[str]:
    return list(page.evaluate(UNLABELLED_CONTROLS))


BUTTONS = """[...document.querySelectorAll('button, a.mdc-button, input[type=submit]')]
  .filter(el => el.offsetParent !== null && !el.disabled)"""
MARK_BUTTONS = """() => {
  window.__wbReached = new Set();
  BUTTONS.forEach((el, i) => { el.dataset.wbTab = String(i); });
  document.addEventListener('focusin', event => {
    const index = event.target.dataset ? event.target.dataset.wbTab : undefined;
    if (index !== undefined) { window.__wbReached.add(index); }
  });
  if (document.activeElement) { document.activeElement.blur(); }
  return BUTTONS.length;
}""".replace("BUTTONS", BUTTONS)
MISSED_BUTTONS = """() => BUTTONS.filter(el => !window.__wbReached.has(el.dataset.wbTab))
  .map(el => (el.textContent || el.value || '').trim().slice(0, 60))""".replace("BUTTONS", BUTTONS)


def tab_reaches_every_button(page: Page) -> list[str]:
    """Tab through the page from the top; the visible buttons focus never reached (empty: all)."""
    total = page.evaluate(MARK_BUTTONS)
    for _ in range(total * 3 + 40):
        page.keyboard.press("Tab")
        if page.evaluate("() => window.__wbReached.size") >= total:
            break
    return list(page.evaluate(MISSED_BUTTONS))


def check_page(page: Page, name: str, *, keyboard: bool = True) -> None:
    """Screenshot, then labels, keyboard reach and axe-core on the page as the person sees it."""
    shoot(page, name)
    unlabelled = unlabelled_controls(page)
    assert not unlabelled, f"{name}: controls without a label: {unlabelled}"
    if keyboard:
        missed = tab_reaches_every_button(page)
        assert not missed, f"{name}: buttons the Tab key never reaches: {missed}"
    violations = axe_violations(page)
    assert not violations, f"{name}: axe-core serious or critical violations: {violations}"
