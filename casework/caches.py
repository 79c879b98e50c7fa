"""Per-process caches of the rows every transition reads and that seldom change.

The SLA policy in force for a step on a day, a department's staff and systems (who hears of
its cases' steps), the leadership office's departments. Reading them on every transition
was a third of its statements (docs/benchmarks.md, "Transition").

Each cache is emptied when one of its models is saved or deleted in this process
(``post_save``/``post_delete``; a rolled-back save empties it too, which is always safe),
and after ``MAX_AGE_SECONDS`` in any case, so a change made by another process (an admin's
edit in a server worker, seen by a Celery worker) is picked up within that time. A
queryset ``update()`` sends no signal: code that changes these rows that way must call
``clear_all()``. Entries are immutable once stored (threads of one process share them).
"""

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

from django.db.models.signals import post_delete, post_save

MAX_AGE_SECONDS = 60.0

_caches: list["ProcessCache"] = []


class ProcessCache:
    """A dict of ``key → value`` for one process, emptied when ``models`` change."""

    def __init__(self, name: str, *models: str) -> None:
        self.name = name
        self._entries: dict[Hashable, Any] = {}
        self._born = time.monotonic()
        self._lock = threading.Lock()
        for model in models:
            for signal in (post_save, post_delete):
                signal.connect(self._changed, sender=model, weak=False,
                               dispatch_uid=f"casework.caches.{name}.{model}.{id(signal)}")
        _caches.append(self)

    def get(self, key: Hashable, load: Callable[[], Any]) -> Any:
        """The cached value, else ``load()``, stored.

        A value loaded inside a transaction that saved one of the models and then rolled
        back may hold that row until the cache expires: the rows cached here are not written
        in the transactions that read them (policies by the admin, staff by account services).
        """
        if time.monotonic() - self._born > MAX_AGE_SECONDS:
            self.clear()
        entries = self._entries
        try:
            return entries[key]
        except KeyError:
            pass
        value = load()
        with self._lock:
            if entries is self._entries:  # not emptied while loading
                entries[key] = value
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries = {}
            self._born = time.monotonic()

    def _changed(self, **_kwargs: Any) -> None:
        self.clear()


def clear_all() -> None:
    """Empty every cache of this process (tests between cases; after a queryset update)."""
    for cache in _caches:
        cache.clear()


# Policies in force: keyed by workflows.services.Context.policy_key (step, day, list type,
# class, jurisdiction, provincial layer, the case's sectors and legal bases) — a policy row is
# versioned by its effective dates, so the day is part of the key; and whether a step has rows
# for a sector or a basis at all (("case_axes", step)).
policies = ProcessCache("policies", "workflows.Policy")
# A department's active staff, their notification preferences and webhook endpoints (recipients).
department_recipients = ProcessCache("department_recipients", "casework.User", "casework.Department",
                                     "notifications.WebhookEndpoint", "notifications.Preference")
# Department ids by kind (the leadership office, told live of every transition).
departments_by_kind = ProcessCache("departments_by_kind", "casework.Department")
# Department rows by id (the sweep's batches: the few departments that own every case's clocks).
departments = ProcessCache("departments", "casework.Department")
