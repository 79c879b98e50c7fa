"""The officer's inbox in a real browser (Debian's chromium, Playwright) on the production server
(uvicorn, Redis channel layer): a step of a case of the department, taken in this process, shows
a toast and its new clock's row in the open inbox, without a reload."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect, sync_playwright

from casework import services
from casework.inbox import inbox_counts, sla_state
from casework.models import Objection
from config.celery import app
from notifications.services import unread_count
from tests.browser.harness import Watch, launch, shoot, sign_in_live
from tests.conftest import Cast
from tests.pg.notifications.helpers import require_redis
from tests.pg.servers import asgi_server
from workflows.choices import DeadlineState, Party
from workflows.models import Deadline


@pytest.fixture(scope="module", autouse=True)
def _orm_beside_playwright() -> Iterator[None]:
    """Playwright's loop runs in this thread: the ORM may run beside it, in this module only."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture
def eager_tasks() -> Iterator[None]:
    """The step's deliveries run in this process at commit, as in `make run` (no worker here)."""
    previous, app.conf.task_always_eager = app.conf.task_always_eager, True
    yield
    app.conf.task_always_eager = previous


@pytest.mark.django_db(transaction=True)
def test_a_new_case_of_the_department_toasts_and_refreshes_the_inbox_without_a_reload(
        cast: Cast, settings: Any, tmp_path: Path, collected_static: Path, eager_tasks: None) -> None:
    redis_url = require_redis()
    # This process pushes over the same Redis channel layer the server's WebSocket listens on.
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                                           "CONFIG": {"hosts": [redis_url]}}}
    # The server checks passwords with the production hashers (the suite's MD5 is not among them).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    cast.officer.set_password("x")
    cast.officer.save(update_fields=["password"])
    case = cast.listed_case()
    assert not Deadline.objects.filter(case=case, step="objection_accept").exists()
    with asgi_server(redis_url, tmp_path / "uvicorn.log", collected_static) as base, \
            sync_playwright() as playwright:
        browser = launch(playwright)
        context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
        page = context.new_page()
        watch = Watch().attach(page)  # nothing ignored: the real server has the WebSocket
        sign_in_live(page, base, cast.officer.username, "/inbox/")
        expect(page.locator("[data-wb-toasts] .wb-toast")).to_have_count(0)
        counts_before = inbox_counts(cast.owner.pk)
        page.evaluate("window.__noReload = 1")
        shoot(page, "workbench-inbox-live-before")

        settings.SITE_URL = base  # the messages' links name the site that sends them
        # The subject files an objection (in this process, through the services): the owner
        # department's officers get a message, and the objection's acceptance clock is theirs.
        objection = services.file_objection(case, cast.subject_user, "认定所依据的判决已被撤销。")
        clock = Deadline.objects.get(step="objection_accept", target_id=objection.pk,
                                     state=DeadlineState.RUNNING)
        assert clock.party == Party.DEPARTMENT and clock.department_id == cast.owner.pk
        assert Objection.objects.filter(pk=objection.pk).exists()

        toast = page.locator("[data-wb-toasts] .wb-toast a")
        expect(toast).to_have_count(1, timeout=15000)
        assert toast.get_attribute("href") == f"{base}/cases/{case.pk}/"  # the case page
        row = page.locator(f'[data-wb-inbox] tr[data-wb-deadline="{clock.pk}"]')
        expect(row).to_have_count(1, timeout=15000)
        expect(row).to_contain_text(case.number)
        # The counts by SLA state above the rows are read again too: the new clock's is one more.
        state = sla_state(clock, timezone.now())
        assert inbox_counts(cast.owner.pk)[state] == counts_before[state] + 1
        expect(page.locator(f'[data-wb-count="{state}"]')).to_contain_text(str(counts_before[state] + 1),
                                                                            timeout=15000)
        expect(page.locator("[data-wb-unread]")).to_have_text(str(unread_count(cast.officer.pk)))
        assert page.evaluate("window.__noReload") == 1, "the page was reloaded"
        shoot(page, "workbench-inbox-live-after")
        watch.assert_clean()
        browser.close()
