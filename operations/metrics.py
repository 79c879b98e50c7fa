"""Prometheus metrics at /metrics.

Counted in the process that sees the event (transitions, request latency):
with several server and worker processes on a host, set PROMETHEUS_MULTIPROC_DIR
(an empty directory per host, emptied at boot) so one scrape adds them up.
Read from the database at scrape time (the same figure whichever process
answers): open deadlines by state, sweep lag, deliveries pending and failed.
"""

import os
from collections.abc import Iterator
from typing import Any

from django.db import transaction
from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from casework.hooks import TransitionEvent

TRANSITIONS = Counter("casework_transitions", "Committed transitions (and creations) by machine and name",
                      ["machine", "name"])
REQUEST_SECONDS = Histogram("casework_request_seconds", "Time to answer an HTTP request, by route",
                            ["method", "route", "status"],
                            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))


def count_transition(event: TransitionEvent) -> None:
    """Hook receiver: counted once the transaction commits (a rolled-back one never happened)."""
    labels = {"machine": event.obj._meta.model_name, "name": event.name}
    transaction.on_commit(lambda: TRANSITIONS.labels(**labels).inc())


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    REQUEST_SECONDS.labels(method=method, route=route, status=str(status)).observe(seconds)


class DatabaseCollector(Collector):
    """Figures the database holds, read at scrape time."""

    def collect(self) -> Iterator[Any]:
        from notifications.choices import DeliveryStatus
        from notifications.models import Delivery
        from workflows.choices import DeadlineState
        from workflows.models import Deadline

        now = timezone.now()
        open_deadlines = GaugeMetricFamily("casework_open_deadlines", "Open SLA clocks by state",
                                           labels=["state"])
        # Open: not closed (Deadline.objects.open). A rectification period that the sweep
        # marked overdue is closed as breached and is not counted; index deadline_open_by_state.
        counts = dict(Deadline.objects.open().values_list("state").annotate(n=Count("pk"))
                      .order_by().values_list("state", "n"))
        for state in DeadlineState.open_states():
            open_deadlines.add_metric([state], counts.get(state, 0))
        yield open_deadlines
        oldest = Deadline.objects.filter(next_fire_at__lte=now).aggregate(at=Min("next_fire_at"))["at"]
        yield GaugeMetricFamily("casework_sweep_lag_seconds",
                                "Age of the oldest clock due to fire (0: the sweep is up to date)",
                                value=(now - oldest).total_seconds() if oldest else 0.0)
        deliveries = dict(Delivery.objects.filter(status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED])
                          .values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
        yield GaugeMetricFamily("casework_deliveries_pending", "Notification deliveries not yet sent",
                                value=deliveries.get(DeliveryStatus.PENDING, 0))
        yield GaugeMetricFamily("casework_deliveries_failed", "Notification deliveries given up on",
                                value=deliveries.get(DeliveryStatus.FAILED, 0))


def exposition() -> bytes:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)  # every process's counters on this host, added up
    else:
        registry.register(TRANSITIONS)
        registry.register(REQUEST_SECONDS)
    registry.register(DatabaseCollector())
    return generate_latest(registry)
