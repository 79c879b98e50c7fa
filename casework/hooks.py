"""The hook interface of the transition service.

The service knows deadlines and notifications only through these hooks. The
SLA engine (workflows) and the outbox (notifications) register receivers in
their ``AppConfig.ready``. Receivers run inside the service's transaction:
``deadlines`` before the audit event is written (so deadline fields they set on
the object are audited as field changes), ``indexes`` (derived read tables such as
the credit-check index) after the effects, ``notifications`` last.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

HookKind = Literal["deadlines", "indexes", "notifications"]


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


Receiver = Callable[[TransitionEvent], None]
_receivers: dict[HookKind, list[Receiver]] = {"deadlines": [], "indexes": [], "notifications": []}


def register(kind: HookKind, receiver: Receiver) -> None:
    if receiver not in _receivers[kind]:
        _receivers[kind].append(receiver)


def unregister(kind: HookKind, receiver: Receiver) -> None:
    if receiver in _receivers[kind]:
        _receivers[kind].remove(receiver)


def run(kind: HookKind, event: TransitionEvent) -> None:
    for receiver in list(_receivers[kind]):
        receiver(event)
