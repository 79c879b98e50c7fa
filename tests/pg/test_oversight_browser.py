"""The leadership office in a real browser (Debian's chromium, Playwright) on the production
server (uvicorn, Redis channel layer): it opens the dashboard; a deadline the sweep breaches
appears in its cell without a reload; the Excel export holds the page's numbers."""

import io
import re
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect, sync_playwright

from tests.browser.harness import Watch, launch, shoot, sign_in_live
from tests.conftest import Cast
from tests.pg.notifications.helpers import require_redis
from tests.pg.servers import asgi_server
from workflows.choices import DeadlineState, Rung
from workflows.models import Deadline, Policy
from workflows.sweep import sweep


@pytest.fixture(scope="module", autouse=True)
def _orm_beside_playwright() -> Iterator[None]:
    """Playwright's loop runs in this thread: the ORM may run beside it, in this module only."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


def clock_due_in(cast: Cast, seconds: int) -> Deadline:
    case = cast.open_case()
    Deadline.objects.all().delete()
    now = timezone.now()
    policy = Policy.objects.filter(step="objection_accept").order_by("pk").first()
    assert policy is not None
    due_at = now + timedelta(seconds=seconds)
    return Deadline.objects.create(
        case=case, target_type=ContentType.objects.get_for_model(case), target_id=case.pk,
        step="objection_accept", policy=policy, party=policy.party, department=cast.owner,
        state=DeadlineState.RUNNING, started_on=now.date() - timedelta(days=2), length=2,
        due_on=timezone.localdate(now), due_at=due_at, next_fire_at=due_at, next_rung=Rung.BREACH,
        escalation_level=1,
    )


def leadership_on_redis(cast: Cast, settings: Any) -> str:
    """The test Redis as the channel layer, and the leadership user's password for the server,
    which checks it with the production hashers (the suite's MD5 is not among them)."""
    redis_url = require_redis()
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                                           "CONFIG": {"hosts": [redis_url]}}}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    cast.leadership_user.set_password("x")
    cast.leadership_user.save(update_fields=["password"])
    return redis_url


def open_dashboard(page: Any, base: str, cast: Cast, cell: str) -> None:
    """Sign in as the leadership user; the dashboard is open on a live socket with ``cell`` at 0."""
    sign_in_live(page, base, cast.leadership_user.username, "/oversight/")
    assert page.inner_text(cell) == "0"
    page.evaluate("window.__notReloaded = true")


@pytest.mark.django_db(transaction=True)
def test_leadership_sees_a_sweep_breach_live_and_exports_the_same_numbers(
        cast: Cast, settings: Any, tmp_path: Path, collected_static: Path) -> None:
    redis_url = leadership_on_redis(cast, settings)
    clock = clock_due_in(cast, 20)
    cell = f'[data-ov-cell="{cast.owner.code}:objection:overdue"]'
    server = asgi_server(redis_url, tmp_path / "uvicorn.log", collected_static)
    with server as base, sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(accept_downloads=True, locale="zh-CN",
                                      viewport={"width": 1366, "height": 900})
        page = context.new_page()
        watch = Watch(ignore=(
            # Chromium reports a download as an aborted navigation.
            re.compile(r"request failed: GET .*/oversight/export/dashboard\.xlsx net::ERR_ABORTED"),
            # viewflow's Turbo (the layout's, not these pages') sets an inline style that the site's
            # CSP (style-src 'self') refuses; nothing on the page depends on it.
            re.compile(r"Applying inline style violates .* \(.*/static/viewflow/js/turbo"),
        )).attach(page)
        open_dashboard(page, base, cast, cell)
        shoot(page, "oversight-dashboard-before")
        while timezone.now() < clock.due_at:
            time.sleep(0.2)
        result = sweep()
        assert result.fired == {"breach": 1}
        expect(page.locator(cell)).to_have_text("1", timeout=15000)  # pushed, fetched again: no reload
        assert page.evaluate("window.__notReloaded") is True
        shoot(page, "oversight-dashboard-after")
        row_text = page.inner_text(f'[data-ov-table="grid"] tr[data-ov-department="{cast.owner.code}"]')
        with page.expect_download() as download_info:
            page.click('[data-ov-export="dashboard"]')
        path = tmp_path / "dashboard.xlsx"
        download_info.value.save_as(path)
        watch.assert_clean()
        browser.close()
    book = load_workbook(io.BytesIO(path.read_bytes()), read_only=True)
    grid = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    owner_row = next(row for row in grid if row[0] == cast.owner.name)
    assert owner_row[2] == "1/1"  # objection: overdue/open, as in the cell that just turned 1
    assert "1 / 1" in " ".join(row_text.split())  # the page's objection cell: overdue / open


# Every WebSocket the page opens, kept where the test can close one (as a server does when a
# socket's pings go unanswered on a busy machine).
KEEP_SOCKETS = """
window.__sockets = [];
const PageSocket = window.WebSocket;
window.WebSocket = function (url, protocols) {
  const socket = new PageSocket(url, protocols);
  window.__sockets.push(socket);
  return socket;
};
window.WebSocket.prototype = PageSocket.prototype;
"""


@pytest.mark.django_db(transaction=True)
def test_a_dashboard_whose_socket_dropped_reads_its_figures_again_on_reconnecting(
        cast: Cast, settings: Any, tmp_path: Path, collected_static: Path) -> None:
    """A hint sent while the socket is down is lost; the page reads its live regions again when
    the socket reopens, so a clock that fell overdue meanwhile shows without a reload."""
    redis_url = leadership_on_redis(cast, settings)
    clock = clock_due_in(cast, 20)
    cell = f'[data-ov-cell="{cast.owner.code}:objection:overdue"]'
    with asgi_server(redis_url, tmp_path / "uvicorn.log", collected_static) as base, \
            sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
        context.add_init_script(KEEP_SOCKETS)
        page = context.new_page()
        watch = Watch(ignore=(
            re.compile(r"Applying inline style violates .* \(.*/static/viewflow/js/turbo"),
        )).attach(page)
        open_dashboard(page, base, cast, cell)
        while timezone.now() < clock.due_at:  # overdue now, and no sweep: no hint is ever sent
            time.sleep(0.2)
        # Idle for longer than the channel layer's blocking read (5 s): the socket stayed open.
        assert page.evaluate("window.__sockets.map(function (s) { return s.readyState; })") == [1]
        page.evaluate("window.__sockets[0].close()")
        expect(page.locator(cell)).to_have_text("1", timeout=15000)
        assert page.evaluate("window.__sockets.length") == 2  # it reconnected
        assert page.evaluate("window.__notReloaded") is True
        watch.assert_clean()
        browser.close()
