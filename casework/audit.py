"""Append to and verify the per-case keyed hash chains of AuditEvent (docs/security.md)."""

import functools
import hmac
import json
import operator
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, connection, models
from django.db.models import Exists, OuterRef
from django.utils import timezone

from casework import fixed_sql
from casework.models import AuditEvent, AuditHead, Case, Department
from casework.models.audit import CASE_STATE_FIELDS, GENESIS_HASH

ACCOUNTS_CHAIN = "accounts"
# pg_advisory_xact_lock key of the accounts chain (any fixed number no other lock uses).
ACCOUNTS_LOCK = 7_310_301


def chain_of(case: Case | None, department: Department | None = None) -> str:
    """A case's chain, else its department's, else the chain of accounts without a department."""
    if case is not None:
        return f"case:{case.pk}"
    if department is not None:
        return f"department:{department.pk}"
    return ACCOUNTS_CHAIN


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


def _lock_chain(case: Case | None, department: Department | None) -> dict[str, Any]:
    """Lock the chain's owner row; return the case's state as it is now (empty for other chains).

    The chain's tail is read and extended under the owner row's lock: two writers on
    one case queue here instead of forking the chain.
    """
    if case is not None:
        row = Case.objects.select_for_update().filter(pk=case.pk).values(*CASE_STATE_FIELDS).first()
        return json_safe(row or {})
    if department is not None:
        Department.objects.select_for_update().filter(pk=department.pk).first()
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # the accounts chain has no row of its own to lock
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ACCOUNTS_LOCK])
    return {}


_appends = threading.local()
# An object and the names of its columns to save with an appended event.
Saving = tuple[models.Model, tuple[str, ...]]


def append_count() -> int:
    """How many events this thread has appended (to tell whether a locked case row was
    saved since: every audited change of a case appends)."""
    return getattr(_appends, "count", 0)


def case_state_of(case: Case) -> dict[str, Any]:
    return json_safe({name: getattr(case, name) for name in CASE_STATE_FIELDS})


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
    case_state: dict[str, Any] | None = None,
    head: AuditHead | None = None,
    saving: Saving | None = None,
) -> AuditEvent:
    """Append one event to its chain and move the chain's head. Call inside the caller's transaction.

    ``case_state``: the caller already holds the lock of ``case``'s row in this transaction
    and passes the row's audited fields (``case_state_of``); the chain is then not locked
    again. Without it the chain's owner row is locked and read here.

    ``head``: with ``case_state``, the chain's head row read under that same lock. The chain
    is extended from it (its seq and hash are the last event's: both are written by one
    statement) when its seal holds; otherwise, and without it, the last event is read.

    ``saving``: the audited object and the names of its changed columns (the transition's
    step, ``engine._apply``); written by the same statement as the event and the head, or
    first when the chain's owner row is locked and read here (that read must show them).
    """
    if case_state is None or case is None:
        if saving is not None:  # first: the row read under the lock below must show it
            fixed_sql.update(*saving)
            saving = None
        case_state, head = _lock_chain(case, department), None
    _appends.count = append_count() + 1
    chain = chain_of(case, department)
    tail = _tail_of(head, chain) or _chain_tail(chain)
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
        case_state=case_state,
        prev_hash=tail.hash if tail else GENESIS_HASH,
    )
    event.hash = event.compute_hash()
    _insert_and_move_head(event, saving)
    return event


def _tail_of(head: AuditHead | None, chain: str) -> AuditHead | None:
    """The head, as the chain's tail, when it is this chain's and its seal holds (a head altered
    behind the key's back is not extended: the last event is read, as without a head)."""
    if head is None or head.chain != chain or not hmac.compare_digest(head.seal, head.compute_seal()):
        return None
    return head


def _chain_tail(chain: str) -> AuditEvent | None:
    """The chain's last event (its seq and hash), by fixed SQL (casework/fixed_sql.py)."""
    found = fixed_sql.select(AuditEvent, "chain = %s", [chain], order_by="seq DESC LIMIT 1",
                             fields=("seq", "hash"))
    return found[0] if found else None


def _insert_and_move_head(event: AuditEvent, saving: Saving | None = None) -> None:
    """Insert the event and move its chain's head to it, and save ``saving``'s columns (one
    statement on PostgreSQL: fixed SQL); the head is inserted when the chain has none yet, as
    ``save()`` would. The saved row must be there."""
    head = AuditHead(chain=event.chain, seq=event.seq, hash=event.hash)
    head.seal = head.compute_seal()
    updates = [saving] if saving is not None else []
    *saved, moved = fixed_sql.write_together([*updates, (head, ("seq", "hash", "seal"))], [event],
                                             missing_ok=True)
    if saved and not saved[0]:
        raise DatabaseError("Save with update_fields did not affect any rows.")
    if not moved:
        head.save(force_insert=True)


def field_snapshot(obj: models.Model) -> dict[str, Any]:
    """Each concrete field's value by attname, the version aside."""
    names, values_of = _snapshot_reader(type(obj))
    return dict(zip(names, values_of(obj), strict=True))


@functools.cache
def _snapshot_reader(model: type[models.Model]) -> tuple[tuple[str, ...], Callable[[Any], tuple[Any, ...]]]:
    """The attnames field_snapshot reads of a model's instances, and one getter of them all
    (operator.attrgetter: the same getattr of each, in one call)."""
    names = tuple(field.attname for field in model._meta.concrete_fields if field.attname != "version")
    if len(names) < 2:  # attrgetter of one name gives the value itself, not a tuple
        return names, lambda obj: tuple(getattr(obj, name) for name in names)
    return names, operator.attrgetter(*names)


def field_values(obj: models.Model) -> tuple[Any, ...]:
    """field_snapshot's values only, in its order (for ``changes_since``)."""
    return _snapshot_reader(type(obj))[1](obj)


def changes_since(obj: models.Model, before: tuple[Any, ...]) -> dict[str, Any]:
    """``field_changes(field_snapshot(obj) then, field_snapshot(obj) now)``, given the values
    ``field_values`` read then: the same changes, in the same order, without the two dicts."""
    names, values_of = _snapshot_reader(type(obj))
    return {name: [old, new] for name, old, new in zip(names, before, values_of(obj), strict=True)
            if old != new}


def field_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """{field: [old, new]} for each field whose value changed."""
    return {
        name: [before[name], after[name]]
        for name in before
        if before[name] != after.get(name)
    }


@dataclass(frozen=True)
class BrokenLink:
    event_id: int | None  # None: the fault is the chain's (its head, its case row, its absence)
    chain: str
    seq: int
    reason: str


@dataclass(frozen=True)
class _ChainEnd:
    chain: str
    broken: BrokenLink | None
    last: AuditEvent


def verify_chains(
    chunk_size: int = 2000, *, only_chain: str | None = None
) -> Iterator[tuple[str, BrokenLink | None]]:
    """Yield (chain, first fault or None) for every chain (or ``only_chain``), streaming once.

    A chain is sound when every link holds (sequence, previous hash, keyed hash), its
    last event is its sealed head, and — for a case — the case row is as its last event
    recorded it. A case without events and a head without a chain are faults too.
    """
    batch: list[_ChainEnd] = []
    for end in _chain_ends(chunk_size, only_chain):
        batch.append(end)
        if len(batch) >= HEAD_BATCH:
            yield from _check_ends(batch)
            batch = []
    yield from _check_ends(batch)
    yield from _chains_without_events(only_chain)


HEAD_BATCH = 500


def _chain_ends(chunk_size: int, only_chain: str | None) -> Iterator[_ChainEnd]:
    chain: str | None = None
    expected_seq, prev_hash, broken, last = 1, GENESIS_HASH, None, None
    events = AuditEvent.objects.order_by("chain", "seq")
    if only_chain is not None:
        events = events.filter(chain=only_chain)
    for event in events.iterator(chunk_size=chunk_size):
        if event.chain != chain:
            if chain is not None and last is not None:
                yield _ChainEnd(chain, broken, last)
            chain, expected_seq, prev_hash, broken = event.chain, 1, GENESIS_HASH, None
        if broken is None:
            broken = _check_link(event, expected_seq, prev_hash)
        expected_seq, prev_hash, last = event.seq + 1, event.hash, event
    if chain is not None and last is not None:
        yield _ChainEnd(chain, broken, last)


def _check_link(event: AuditEvent, expected_seq: int, prev_hash: str) -> BrokenLink | None:
    reason = ""
    if event.seq != expected_seq:
        reason = f"sequence gap: expected {expected_seq}, found {event.seq}"
    elif event.prev_hash != prev_hash:
        reason = "previous hash does not match the event before it"
    elif not hmac.compare_digest(event.hash, event.compute_hash()):
        reason = "content does not match its hash (altered)"
    if not reason:
        return None
    return BrokenLink(event.pk, event.chain, event.seq, reason)


def _check_ends(batch: list[_ChainEnd]) -> Iterator[tuple[str, BrokenLink | None]]:
    heads = AuditHead.objects.in_bulk([end.chain for end in batch])
    case_ids = [end.last.case_id for end in batch
                if end.chain.startswith("case:") and end.last.case_id is not None]
    cases = {row["pk"]: row for row in Case.objects.filter(pk__in=case_ids).values("pk", *CASE_STATE_FIELDS)}
    for end in batch:
        yield end.chain, end.broken or _check_end(end, heads.get(end.chain), cases)


def _check_end(end: _ChainEnd, head: AuditHead | None, cases: dict[int, dict[str, Any]]) -> BrokenLink | None:
    last = end.last
    reason = ""
    if head is None:
        reason = "the chain has no head (its head row was deleted)"
    elif not hmac.compare_digest(head.seal, head.compute_seal()):
        reason = "the head's seal does not match (head altered)"
    elif head.seq != last.seq or head.hash != last.hash:
        reason = (f"the chain ends at seq {last.seq} but its head is seq {head.seq} "
                  "(events deleted from its end)")
    elif end.chain.startswith("case:"):
        reason = _case_row_mismatch(last, cases.get(last.case_id or 0))
    if not reason:
        return None
    return BrokenLink(None, end.chain, last.seq, reason)


def _case_row_mismatch(last: AuditEvent, row: dict[str, Any] | None) -> str:
    if row is None:
        return "the case row is gone"
    current = json_safe({name: row[name] for name in CASE_STATE_FIELDS})
    edited = sorted(name for name in CASE_STATE_FIELDS if current.get(name) != last.case_state.get(name))
    if not edited:
        return ""
    return f"the case row differs from its last audit event in {', '.join(edited)} (case row edited)"


def _chains_without_events(only_chain: str | None) -> Iterator[tuple[str, BrokenLink | None]]:
    has_events = AuditEvent.objects.filter(case_id=OuterRef("pk"))
    cases = Case.objects.filter(~Exists(has_events)).order_by("pk").values_list("pk", flat=True)
    heads = AuditHead.objects.filter(
        ~Exists(AuditEvent.objects.filter(chain=OuterRef("chain")))
    ).order_by("chain")
    if only_chain is not None:
        cases = cases.filter(pk=_case_id_of(only_chain))
        heads = heads.filter(chain=only_chain)
    reported = set()
    for case_id in cases.iterator():
        chain = f"case:{case_id}"
        reported.add(chain)
        yield chain, BrokenLink(None, chain, 0, "the case has no audit events (its chain was deleted)")
    for head in heads.iterator():
        if head.chain not in reported:
            yield head.chain, BrokenLink(None, head.chain, head.seq,
                                         f"the head is seq {head.seq} but the chain has no events (deleted)")


def _case_id_of(chain: str) -> int:
    return int(chain.split(":", 1)[1]) if chain.startswith("case:") else 0
