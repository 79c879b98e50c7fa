"""Append to and verify the per-case hash chains of AuditEvent (plan item 14)."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from casework.models import AuditEvent, Case, Department
from casework.models.audit import GENESIS_HASH


def chain_of(case: Case | None, department: Department | None = None) -> str:
    if case is not None:
        return f"case:{case.pk}"
    assert department is not None, "an audit event belongs to a case or a department"
    return f"department:{department.pk}"


def json_safe(value: Any) -> Any:
    """Values as they will read back from the JSON column, so the hash survives a round trip."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder), parse_float=_float_as_jsonb_reads_it)


def _float_as_jsonb_reads_it(text: str) -> float | int:
    # jsonb stores numbers as numeric and prints them without an exponent: Python's
    # 1e+16 reads back as the integer 10000000000000000 and -0.0 as 0.0.
    number = Decimal(text)
    if int(number.as_tuple().exponent) >= 0:
        return int(number)
    return float(text) + 0.0  # adding 0.0 turns -0.0 into 0.0


def _lock_chain(case: Case | None, department: Department | None) -> None:
    # The chain's tail is read and extended under the owner row's lock: two
    # writers on one case queue here instead of forking the chain.
    if case is not None:
        Case.objects.select_for_update().filter(pk=case.pk).first()
    elif department is not None:
        Department.objects.select_for_update().filter(pk=department.pk).first()


def append(
    *,
    obj: models.Model,
    action: str,
    actor: Any,
    case: Case | None,
    department: Department | None = None,
    from_state: str = "",
    to_state: str = "",
    changes: dict[str, Any] | None = None,
    payload: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to its chain. Call inside the caller's transaction."""
    _lock_chain(case, department)
    chain = chain_of(case, department)
    tail = AuditEvent.objects.filter(chain=chain).order_by("-seq").only("seq", "hash").first()
    event = AuditEvent(
        chain=chain,
        seq=(tail.seq + 1) if tail else 1,
        case=case,
        object_type=obj._meta.model_name or "",
        object_id=obj.pk,
        action=action,
        from_state=from_state,
        to_state=to_state,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_department_id=getattr(actor, "department_id", None),
        at=timezone.now(),
        changes=json_safe(changes or {}),
        payload=json_safe(payload or {}),
        prev_hash=tail.hash if tail else GENESIS_HASH,
    )
    event.hash = event.compute_hash()
    event.save(force_insert=True)
    return event


def field_snapshot(obj: models.Model) -> dict[str, Any]:
    return {
        field.attname: getattr(obj, field.attname)
        for field in obj._meta.concrete_fields
        if field.attname not in ("version",)
    }


def field_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """{field: [old, new]} for each field whose value changed."""
    return {
        name: [before[name], after[name]]
        for name in before
        if before[name] != after.get(name)
    }


@dataclass(frozen=True)
class BrokenLink:
    event_id: int
    chain: str
    seq: int
    reason: str


def verify_chains(
    chunk_size: int = 2000, *, only_chain: str | None = None
) -> Iterator[tuple[str, BrokenLink | None]]:
    """Yield (chain, first broken link or None) for every chain (or ``only_chain``), streaming once."""
    chain: str | None = None
    expected_seq, prev_hash, broken = 1, GENESIS_HASH, None
    events = AuditEvent.objects.order_by("chain", "seq")
    if only_chain is not None:
        events = events.filter(chain=only_chain)
    for event in events.iterator(chunk_size=chunk_size):
        if event.chain != chain:
            if chain is not None:
                yield chain, broken
            chain, expected_seq, prev_hash, broken = event.chain, 1, GENESIS_HASH, None
        if broken is None:
            broken = _check_link(event, expected_seq, prev_hash)
        expected_seq, prev_hash = event.seq + 1, event.hash
    if chain is not None:
        yield chain, broken


def _check_link(event: AuditEvent, expected_seq: int, prev_hash: str) -> BrokenLink | None:
    reason = ""
    if event.seq != expected_seq:
        reason = f"sequence gap: expected {expected_seq}, found {event.seq}"
    elif event.prev_hash != prev_hash:
        reason = "previous hash does not match the event before it"
    elif event.hash != event.compute_hash():
        reason = "content does not match its hash (altered)"
    if not reason:
        return None
    return BrokenLink(event.pk, event.chain, event.seq, reason)
