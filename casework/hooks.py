"""Every extension point of the case engine, declared in one place, with its receivers.

An extension point is a named moment at which code of another part runs: the transition
service (``casework.services``) and the SLA sweep know the deadlines, the outbox, the
documents, the indexes and the live pages only through these points. Each point below says
when it is sent, with what, inside which transaction, and lists its receivers in the order
they run. Receivers are named by dotted path, as settings name middleware: this module
imports nothing of the project, so whoever sends a point depends on this module only. The
paths are imported once, at app start (``CaseworkConfig.ready`` calls ``resolve_all``, so a
wrong path stops the start), and a test may ``connect`` a receiver of its own for a while.

The transition points, in the order ``advance()`` runs them inside its one transaction
(``create_step`` and the department handover run the same points, but ``effects``):

``DEADLINES``
    after the transition method, before the object is saved and audited: the SLA engine opens,
    closes, pauses and resumes clocks; a due date it mirrors onto the object is audited as a
    field change of the transition.
``EFFECTS``
    after the audit event: what the transition does to other rows, through the same door
    (``advance``/``create_step``), guarded, audited and notified like any other step. The one
    receiver dispatches on ``casework.services.effects.EFFECTS``, a table of
    ``(model, transition) → effect``.
``INDEXES``
    after the effects: derived read tables (the credit-check index).
``DOCUMENTS``
    after the indexes: the official document a transition issues (so a notice can link to it).
``NOTIFICATIONS``
    last: outbox rows (delivered after commit), the transition counter, the live pages.

The other points:

``ESCALATIONS``
    the SLA sweep, with each batch's new ``Escalation`` rows, inside the batch's transaction.
``YEAR_ENTERED``
    a calendar year's arrangement was entered or changed (after it is committed), with
    ``(year, jurisdiction code)``: provisional deadlines are recomputed.
``CREDIT_CHECK_ALERT``
    a credit-check enumeration rule raised a ``CreditCheckAlert``, inside the check's
    transaction: the leadership office is told through the outbox.
``EXIT_HELD``
    the sweep held a case past its maximum publication period (its exit condition is not met),
    with ``(case, deadline, held timeline entry)``, once per clock, in the sweep's
    transaction: the owner department and the leadership office are told.

Model signals (``post_save``, ``post_delete``, ``m2m_changed``) stay Django's, but the
receivers of this project's models are declared here too (``MODEL_SIGNALS``) and connected
by ``resolve_all``. Two other receivers stay where they are for a reason: the per-process
caches (``casework/caches.py``) connect one receiver per cache instance they create, and the
sign-in log (``operations/signin.py``) listens to django.contrib.auth's own signals.
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, Literal, ParamSpec

from django.utils.module_loading import import_string

P = ParamSpec("P")


@dataclass
class TransitionEvent:
    """What happened: ``name`` is the public transition name, or ``created``."""

    obj: Any
    case: Any
    name: str
    source: str
    target: str
    actor: Any
    data: Any  # the transition's payload instance (workflows.payloads)
    at: datetime
    audit_event: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


class Point(Generic[P]):
    """One extension point: its declared receivers (dotted paths), then any connected ones."""

    def __init__(self, name: str, declared: tuple[str, ...], doc: str) -> None:
        self.name = name
        self.declared = declared
        self.__doc__ = doc
        self._resolved: list[Callable[P, object]] | None = None
        self._connected: list[Callable[P, object]] = []
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<extension point {self.name}>"

    def resolve(self) -> list[Callable[P, object]]:
        """The declared receivers, imported once per process."""
        resolved = self._resolved
        if resolved is None:
            with self._lock:
                if self._resolved is None:
                    self._resolved = [import_string(path) for path in self.declared]
                resolved = self._resolved
        return resolved

    def receivers(self) -> list[Callable[P, object]]:
        """Every receiver, in the order they run: the declared ones, then the connected ones."""
        return [*self.resolve(), *self._connected]

    def connect(self, receiver: Callable[P, object]) -> Callable[P, object]:
        """Add a receiver after the declared ones (tests; usable as a decorator). Idempotent."""
        if receiver not in self._connected and receiver not in self.resolve():
            self._connected.append(receiver)
        return receiver

    def disconnect(self, receiver: Callable[P, object]) -> None:
        """Remove a connected receiver (a declared one stays: it is part of the design)."""
        if receiver in self._connected:
            self._connected.remove(receiver)

    def send(self, *args: P.args, **kwargs: P.kwargs) -> None:
        """Call every receiver in order; an exception propagates (and rolls the caller back)."""
        for receiver in self.receivers():
            receiver(*args, **kwargs)


TransitionPoint = Point[[TransitionEvent]]

DEADLINES: TransitionPoint = Point("deadlines", (
    "workflows.hooks.on_transition",
), "The SLA clocks a transition opens, closes, pauses or resumes (workflows.hooks.SLA_MAP).")

EFFECTS: TransitionPoint = Point("effects", (
    "casework.services.effects.run",
), "What a transition does to other rows (casework.services.effects.EFFECTS).")

INDEXES: TransitionPoint = Point("indexes", (
    "casework.indexing.on_transition",
), "Derived read tables kept in step with the cases: the credit-check index.")

DOCUMENTS: TransitionPoint = Point("documents", (
    "documents.issue.on_transition",
), "The official document a transition issues (documents.issue.ISSUES).")

NOTIFICATIONS: TransitionPoint = Point("notifications", (
    "notifications.services.on_transition",
    "operations.metrics.count_transition",
    "oversight.live.on_transition",
), "The outbox rows, the transition counter and the live pages' pushes of a transition.")

ESCALATIONS: Point[[list[Any]]] = Point("escalations", (
    "notifications.services.on_escalations",
    "oversight.live.on_escalations",
), "Each sweep batch's new Escalation rows (workflows.sweep), inside the batch's transaction.")

YEAR_ENTERED: Point[[int, str]] = Point("year_entered", (
    "workflows.services.recompute_provisional",
), "A calendar year entered or changed (workflows.calendar.on_year_entered): year, jurisdiction.")

CREDIT_CHECK_ALERT: Point[[Any]] = Point("credit_check_alert", (
    "notifications.services.on_credit_check_alert",
), "A credit-check enumeration alert raised (casework.services.credit_checks.raise_alert).")

EXIT_HELD: Point[[Any, Any, Any]] = Point("exit_held", (
    "notifications.services.on_exit_held",
), "A case held past its maximum period (casework.services.expiry): case, deadline, entry.")

HookKind = Literal["deadlines", "effects", "indexes", "documents", "notifications"]
TRANSITION_POINTS: dict[str, TransitionPoint] = {
    point.name: point for point in (DEADLINES, EFFECTS, INDEXES, DOCUMENTS, NOTIFICATIONS)
}
POINTS: tuple[Point[Any], ...] = (*TRANSITION_POINTS.values(), ESCALATIONS, YEAR_ENTERED,
                                  CREDIT_CHECK_ALERT, EXIT_HELD)


@dataclass(frozen=True)
class ModelSignal:
    """A Django model signal's receiver: ``signal`` of ``sender`` (``app_label.Model``)."""

    signal: Literal["post_save", "post_delete", "m2m_changed"]
    sender: str  # "app_label.Model", or "app_label.Model.field" for a many-to-many's through model
    receiver: str
    dispatch_uid: str


MODEL_SIGNALS: tuple[ModelSignal, ...] = (
    # A stored calendar row changed: forget the calendar this process loaded.
    ModelSignal("post_save", "workflows.CalendarDay", "workflows.calendar.on_calendar_row_changed",
                "calendar-day-saved"),
    ModelSignal("post_delete", "workflows.CalendarDay", "workflows.calendar.on_calendar_row_changed",
                "calendar-day-deleted"),
    ModelSignal("post_save", "workflows.CalendarYear", "workflows.calendar.on_calendar_row_changed",
                "calendar-year-saved"),
    ModelSignal("post_delete", "workflows.CalendarYear",
                "workflows.calendar.on_calendar_row_changed", "calendar-year-deleted"),
    # Rights changed: every process bumps the token-version counter (casework/token_versions.py).
    ModelSignal("post_save", "casework.User", "casework.token_versions.on_user_saved",
                "token-version-user-saved"),
    ModelSignal("post_delete", "casework.User", "casework.token_versions.bump",
                "token-version-user-deleted"),
    ModelSignal("post_save", "casework.ApiToken", "casework.token_versions.on_token_saved",
                "token-version-token-saved"),
    ModelSignal("post_delete", "casework.ApiToken", "casework.token_versions.bump",
                "token-version-token-deleted"),
    ModelSignal("m2m_changed", "casework.User.groups", "casework.token_versions.bump",
                "token-version-groups"),
)


def resolve_all() -> None:
    """Import every declared receiver and connect the model signals (once, at app start)."""
    from django.apps import apps
    from django.db.models import signals

    for point in POINTS:
        point.resolve()
    for declared in MODEL_SIGNALS:
        app_label, model_name, *field_name = declared.sender.split(".")
        sender: Any = apps.get_model(app_label, model_name)
        if field_name:
            sender = getattr(sender, field_name[0]).through
        getattr(signals, declared.signal).connect(import_string(declared.receiver), sender=sender,
                                                  dispatch_uid=declared.dispatch_uid)


# The transition points by kind, for the transition service and the tests.

def register(kind: HookKind, receiver: Callable[[TransitionEvent], object]) -> None:
    TRANSITION_POINTS[kind].connect(receiver)


def unregister(kind: HookKind, receiver: Callable[[TransitionEvent], object]) -> None:
    TRANSITION_POINTS[kind].disconnect(receiver)


def run(kind: HookKind, event: TransitionEvent) -> None:
    TRANSITION_POINTS[kind].send(event)
