"""Every page in the embedded mode `make run` starts, in chromium: no console error, no failed asset.

The server is started as `make run` starts it (Makefile: ``migrate``, ``seed_demo``,
``collectstatic``, then ``run_embedded``), on a fresh SQLite database and a var/ directory of
the test's own, DEBUG off: WhiteNoise serves the hashed, compressed files, daphne the WebSocket
(in-memory channel layer). Each demo user of a role signs in through the sign-in page and the
test walks the pages it can reach from its home by following the links on the pages (one page of
each address pattern, e.g. one case page), plus the sign-in page, the public pages, the admin and
the API's Swagger UI. A ``Watch`` with nothing ignored fails the test on any console error
(a refused inline script or style among them), an uncaught exception, a failed request or an
asset that answers 400 or more.
"""

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Page

from tests.browser.harness import ROOT, Watch, shoot

PASSWORD = "anshan-demo"  # seed_demo's published demo password (docs/demo.md)
# One demo user per role, each with something to do in the demo city (docs/demo.md, "Users").
USERS = ("scjgj_officer", "scjgj_reviewer", "czj_joint", "fgw_ndrc", "ldxzbgs_leader", "shipin_subject",
         "admin")
ANONYMOUS = ("/accounts/login/", "/public/", "/public/exits/")
# Not pages: downloads (PDF, Excel, CSV), the API's JSON, signing out, the language switch's POST.
NOT_PAGES = re.compile(r"^/(api/v1/(?!docs/$)|accounts/logout/|i18n/|jsi18n/|media/|static/|ws/)"
                       r"|\.(pdf|xlsx|csv|zip|json)$|/export/|/download/")
PAGES_PER_USER = 60


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    var = tmp_path_factory.mktemp("embedded-var")
    env = {**os.environ, "CASEWORK_VAR_DIR": str(var), "DATABASE_URL": f"sqlite:///{var / 'db.sqlite3'}",
           "SECRET_KEY": "embedded-browser-" + "k" * 40, "AUDIT_HMAC_KEY": "cd" * 32, "DEBUG": "0"}
    for name in ("DJANGO_SETTINGS_MODULE", "REDIS_URL", "STATIC_ROOT", "MEDIA_ROOT",
                 "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(name, None)
    manage = [sys.executable, str(ROOT / "manage.py")]
    for step in (["migrate", "--noinput", "-v0"], ["seed_demo"], ["collectstatic", "--noinput", "-v0"]):
        done = subprocess.run([*manage, *step], env=env, cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 0, f"{step[0]} failed: {done.stderr[-3000:]}"
    port = free_port()
    log = var / "server.log"
    with log.open("w") as output:
        server = subprocess.Popen([*manage, "run_embedded", f"127.0.0.1:{port}", "--noreload"], env=env,
                                  cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(base + "/accounts/login/", timeout=2)
                break
            except httpx.HTTPError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("run_embedded did not start: " + log.read_text()[-3000:]) from None
                time.sleep(0.3)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=20)


def pattern(path: str) -> str:
    """The address with its numbers and case numbers replaced: one visit per kind of page."""
    return re.sub(r"\d+", "N", urlsplit(path).path)


def links(page: Page, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]:not([download])", "els => els.map(el => el.href)")
    found = []
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != base or NOT_PAGES.search(parts.path):
            continue
        found.append(parts.path)  # query strings are filters of a page already visited
    return found


def walk(page: Page, base: str, start: list[str], watch: Watch) -> list[str]:
    """Breadth first from ``start``: every page reachable by links, one per address pattern."""
    queue, seen, visited = list(start), {pattern(path) for path in start}, []
    while queue and len(visited) < PAGES_PER_USER:
        path = queue.pop(0)
        response = page.goto(base + path)
        if response is None or response.status != 200:
            watch.add(f"{path} answered {response.status if response else 'nothing'}")
        page.wait_for_load_state("networkidle")
        visited.append(path)
        for link in links(page, base):
            if pattern(link) not in seen:
                seen.add(pattern(link))
                queue.append(link)
    return visited


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(base + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("[data-wb-sign-in]")
    page.wait_for_load_state("networkidle")
    assert "/accounts/login/" not in page.url, f"{username} could not sign in"


def test_every_page_of_the_embedded_mode_loads_its_css_and_js_without_a_console_error(
        embedded: str, browser: Browser) -> None:
    problems: dict[str, list[str]] = {}
    visited: dict[str, list[str]] = {}
    for username in ("", *USERS):
        context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
        page = context.new_page()
        watch = Watch().attach(page)
        if username:
            sign_in(page, embedded, username)
            start = [urlsplit(page.url).path]
            if username == "admin":
                start.append("/api/v1/docs/")
        else:
            start = list(ANONYMOUS)
        visited[username or "anonymous"] = walk(page, embedded, start, watch)
        shoot(page, f"embedded-{username or 'anonymous'}-last")
        # Every stylesheet and script of the last page came from the hashed, collected files.
        assets = page.eval_on_selector_all(
            "link[rel=stylesheet][href^='/static/'], script[src^='/static/']",
            "els => els.map(el => el.getAttribute('href') || el.getAttribute('src'))")
        unhashed = [asset for asset in assets if not re.search(r"\.[0-9a-f]{12}\.(css|js)$", asset)]
        if unhashed:
            watch.add(f"not a hashed name: {unhashed}")
        if watch.problems:
            problems[username or "anonymous"] = watch.problems
        context.close()
    assert not problems, "\n".join(f"{user}: {line}" for user, lines in problems.items() for line in lines)
    # The walk reached the pages of every side, not only the homes.
    reached = {path for paths in visited.values() for path in paths}
    for expected in ("/inbox/", "/cases/", "/cases/new/", "/messages/", "/tasks/", "/talks/", "/oversight/",
                     "/portal/", "/public/", "/api/v1/docs/", "/admin/"):
        assert expected in reached, f"{expected} was never visited: {sorted(reached)}"
    assert any(re.fullmatch(r"/cases/\d+/", path) for path in visited["scjgj_officer"])
    subject_pages = visited["shipin_subject"]
    assert any(re.fullmatch(r"/portal/cases/\d+/", path) for path in subject_pages), subject_pages
