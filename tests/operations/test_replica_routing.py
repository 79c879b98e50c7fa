"""Read-replica routing (issue 14.5): the dashboard, the public pages and the credit check read from
the replica; a write and the pages after it read from the primary."""

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import get_resolver, resolve

from operations import routing
from tests.conftest import Cast

# The pages and endpoints the issue names, by path: each must be routed to the replica.
ISSUE_READS = [
    "/public/", "/public/exits/", "/api/v1/public/listings/", "/api/v1/public/exits/",
    "/api/v1/credit-check/91110108551385082Q/",
    "/oversight/", "/oversight/board/", "/oversight/clocks/", "/oversight/assessment/",
    "/oversight/report/", "/oversight/export/grid.csv",
    "/api/v1/oversight/dashboard/", "/api/v1/oversight/clocks/", "/api/v1/oversight/assessment/",
]


@pytest.mark.parametrize("path", ISSUE_READS)
def test_the_issues_read_views_are_replica_views(path: str) -> None:
    assert resolve(path).view_name in settings.REPLICA_VIEWS


def url_names(resolver: Any = None, namespace: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        if hasattr(pattern, "url_patterns"):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= url_names(pattern, inner)
        elif pattern.name:
            names.add(namespace + pattern.name)
    return names


def test_every_replica_view_name_is_a_url_that_exists() -> None:
    # A stale name routes nothing: "dashboard" named no view, so the dashboard read the primary.
    assert set(settings.REPLICA_VIEWS) - url_names() == set()


@pytest.fixture
def replica_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Pretend a replica is configured; record the alias each read would use, read the primary."""
    monkeypatch.setattr(routing, "replica_configured", lambda: True)
    chosen: list[str] = []
    original = routing.ReplicaRouter.db_for_read

    def recording(self: Any, model: type[Any], **hints: Any) -> None:
        chosen.append(original(self, model, **hints) or "default")
        return None

    monkeypatch.setattr(routing.ReplicaRouter, "db_for_read", recording)
    return chosen


@pytest.mark.django_db(transaction=True)
def test_the_dashboard_reads_the_replica_until_the_leadership_office_writes(
    cast: Cast, replica_reads: list[str]
) -> None:
    case = cast.listed_case()
    office = Client()
    office.force_login(cast.leadership_user)
    replica_reads.clear()
    assert office.get("/oversight/").status_code == 200
    assert "replica" in replica_reads
    # A 督办意见 written from the page: the pages after it read the primary (its own write).
    answer = office.post(f"/oversight/cases/{case.pk}/note/", {"text": "请于五个工作日内办结"})
    assert answer.status_code in (200, 302)
    replica_reads.clear()
    assert office.get("/oversight/").status_code == 200
    assert replica_reads and "replica" not in replica_reads


@pytest.mark.django_db(transaction=True)
def test_a_workbench_page_never_reads_the_replica(cast: Cast, replica_reads: list[str]) -> None:
    case = cast.listed_case()
    officer = Client()
    officer.force_login(cast.officer)
    replica_reads.clear()
    assert officer.get(f"/cases/{case.pk}/").status_code == 200
    assert replica_reads and "replica" not in replica_reads


@pytest.mark.django_db(transaction=True)
def test_the_public_list_reads_the_replica(cast: Cast, replica_reads: list[str]) -> None:
    cast.listed_case()
    replica_reads.clear()
    assert Client().get("/public/").status_code == 200
    assert "replica" in replica_reads
