"""/metrics lists the named series; sweep lag grows while the sweep is stopped and drops when it runs."""

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from casework import services
from tests.conftest import Cast
from workflows.models import Deadline
from workflows.sweep import sweep

SERIES = {"casework_transitions", "casework_request_seconds", "casework_open_deadlines",
          "casework_sweep_lag_seconds", "casework_deliveries_pending", "casework_deliveries_failed"}


def scrape(**extra: str) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    response = Client().get("/metrics", **extra)
    assert response.status_code == 200
    samples: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return samples


def transitions(samples: dict[str, dict[tuple[tuple[str, str], ...], float]], machine: str,
                name: str) -> float:
    return samples.get("casework_transitions_total", {}).get((("machine", machine), ("name", name)), 0.0)


@pytest.mark.django_db
def test_the_metrics_endpoint_lists_every_named_series(cast: Cast, django_capture_on_commit_callbacks: Any
                                                       ) -> None:
    Client().get("/healthz")
    with django_capture_on_commit_callbacks(execute=True):
        cast.open_case()  # a series with labels appears once something has happened
    names = {name.removesuffix("_total").removesuffix("_bucket").removesuffix("_count")
             .removesuffix("_sum").removesuffix("_created") for name in scrape()}
    assert SERIES <= names, SERIES - names


@pytest.mark.django_db(transaction=True)
def test_transitions_are_counted_by_machine_and_name_once_committed(cast: Cast) -> None:
    before = scrape()
    case = cast.open_case()
    services.advance(case, "notify", cast.officer)
    after = scrape()
    assert transitions(after, "case", "created") - transitions(before, "case", "created") == 1
    assert transitions(after, "case", "notify") - transitions(before, "case", "notify") == 1


@pytest.mark.django_db
def test_open_deadlines_are_counted_by_state(cast: Cast) -> None:
    case = cast.open_case()
    services.advance(case, "notify", cast.officer)
    cast.served(case)  # the statement window runs from service of the notice
    open_count = Deadline.objects.filter(state="running").count()
    assert open_count > 0
    assert scrape()["casework_open_deadlines"][(("state", "running"),)] == open_count


@pytest.mark.django_db
def test_a_closed_breached_clock_is_not_counted_as_open(cast: Cast) -> None:
    """A rectification period the sweep marked overdue closes as breached: it is not open."""
    case = cast.open_case()
    services.advance(case, "notify", cast.officer)
    cast.served(case)
    clock = Deadline.objects.open().first()
    assert clock is not None
    Deadline.objects.filter(pk=clock.pk).update(state="breached", next_fire_at=None)
    assert scrape()["casework_open_deadlines"][(("state", "breached"),)] == 1  # breached, still open
    Deadline.objects.filter(pk=clock.pk).update(closed_at=timezone.now())
    assert scrape()["casework_open_deadlines"][(("state", "breached"),)] == 0


@pytest.mark.django_db
def test_sweep_lag_rises_while_the_sweep_is_stopped_and_falls_when_it_runs(cast: Cast) -> None:
    case = cast.open_case()
    services.advance(case, "notify", cast.officer)
    cast.served(case)  # the statement window runs from service of the notice
    first_fire = Deadline.objects.filter(next_fire_at__isnull=False).order_by("next_fire_at").first()
    assert first_fire is not None and first_fire.next_fire_at is not None
    assert scrape()["casework_sweep_lag_seconds"][()] == 0
    with time_machine.travel(first_fire.next_fire_at + timedelta(minutes=5), tick=False):
        five = scrape()["casework_sweep_lag_seconds"][()]
    with time_machine.travel(first_fire.next_fire_at + timedelta(minutes=50), tick=False):
        fifty = scrape()["casework_sweep_lag_seconds"][()]
        sweep(now=timezone.now())
        after_sweep = scrape()["casework_sweep_lag_seconds"][()]
    assert (five, fifty) == (300, 3000)
    assert after_sweep < five


def test_metrics_are_refused_outside_the_allowed_networks() -> None:
    assert Client().get("/metrics", REMOTE_ADDR="203.0.113.5").status_code == 403
