"""The audit chain as the batch door writes it: each case's events linked and hashed as
``casework.audit.append`` links them (the chain's HMAC over the same canonical JSON, the key
read once), the chain heads sealed."""

import functools
import hmac
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from json.encoder import encode_basestring  # the C quoting json.dumps uses
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from casework import audit
from casework.models import AuditEvent, AuditHead, Case
from casework.models.audit import CASE_STATE_FIELDS, GENESIS_HASH, hashed_fields
from casework.services.batch import bulk
from casework.services.batch.rows import Event

AUDIT_FILLED = ("id", "chain", "seq", "case_id", "object_type", "object_id", "action",
                "from_state", "to_state", "actor_id", "actor_department_id", "at", "changes",
                "payload", "case_state", "prev_hash", "hash")
# canonical_json (casework.models.audit) with one encoder: the same text, hashed the same.
canonical = DjangoJSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode


@functools.cache
def hash_template() -> str:
    """canonical_json of hashed_fields (its keys sorted, no spaces), each value a format field."""
    names = sorted(hashed_fields(AuditEvent(at=timezone.now())))
    return "{{" + ",".join(f'"{name}":{{{name}}}' for name in names) + "}}"


def quote(value: Any) -> str:
    """A str, int or None as canonical_json writes it."""
    if value is None:
        return "null"
    if isinstance(value, str):
        return str(encode_basestring(value))
    if type(value) is int:
        return str(value)
    return canonical(value)


def json_text(value: Any) -> str:
    """The canonical text of what the JSON column reads back (casework.audit.json_safe): what
    the hash covers, and what jsonb stores.

    json_safe is a round trip through DjangoJSONEncoder; canonical_json encodes with the same
    encoder, so both give the same text unless the value holds a float (jsonb reads numbers
    back its own way) or a dict key that is not text (JSON makes it text, which sorts
    otherwise): only those values take the round trip."""
    return canonical(audit.json_safe(value) if _round_trip(value) else value)


# Values that hold neither a float nor a dict key: nothing to look into.
_LEAVES = frozenset({str, int, bool, type(None), date, datetime})


def _round_trip(value: Any) -> bool:
    """Whether ``value`` holds a float or a dict key that is not text."""
    if type(value) in _LEAVES:
        return False
    if isinstance(value, float):
        return True
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) or (type(item) not in _LEAVES and _round_trip(item)):
                return True
        return False
    if isinstance(value, list | tuple):
        return any(type(item) not in _LEAVES and _round_trip(item) for item in value)
    return False


def case_state(case: Case) -> dict[str, Any]:
    """casework.audit.case_state_of before json_safe (``json_text`` gives the same text)."""
    return {name: getattr(case, name) for name in CASE_STATE_FIELDS}


def chained(events: Iterable[Event], key: bytes) -> Iterator[list[Any]]:
    """The audit rows, each linked to the one before it on its chain and hashed (computed
    as the COPY sends them, while the server stores the rows before)."""
    prev_hash = GENESIS_HASH
    as_text = bulk.copies()
    for event in events:
        row = event.row
        row[15] = prev_hash = GENESIS_HASH if row[2] == 1 else prev_hash
        row[16] = prev_hash = mac(row, key)
        if as_text:  # the moment as the hash covers it (bulk.copy_texts: formatted once)
            row[11] = row[11].isoformat(timespec="microseconds")
        yield row


def mac(row: list[Any], key: bytes) -> str:
    """AuditEvent.compute_hash of the row: mac(hashed_fields) over the canonical JSON,
    the parts that are JSON already spliced in as their canonical text."""
    (_pk, chain, seq, case_id, object_type, object_id, action, from_state, to_state, actor,
     actor_department, at, changes, payload, case_state, prev_hash, _hash) = row
    text = hash_template().format(
        chain=quote(chain), seq=quote(seq), case=quote(case_id),
        object_type=quote(object_type), object_id=quote(object_id), action=quote(action),
        from_state=quote(from_state), to_state=quote(to_state), actor=quote(actor),
        actor_department=quote(actor_department),
        at=quote(at.isoformat(timespec="microseconds")), changes=changes, payload=payload,
        case_state=case_state, prev_hash=quote(prev_hash),
    )
    return hmac.digest(key, text.encode(), "sha256").hex()


def seal(chain: str, seq: int, hash_: str, key: bytes) -> str:
    """AuditHead.compute_seal."""
    text = canonical({"chain": chain, "seq": seq, "hash": hash_})
    return hmac.digest(key, text.encode(), "sha256").hex()


def write(events: list[Event], key: bytes) -> None:
    """The events' audit rows, chained and hashed, and each chain's sealed head."""
    bulk.copy_rows(AuditEvent, AUDIT_FILLED, chained(events, key))
    heads = {}
    for event in events:
        heads[event.row[1]] = event.row
    bulk.copy_rows(AuditHead, ("chain", "seq", "hash", "seal"), (
        (chain, row[2], row[16], seal(chain, row[2], row[16], key))
        for chain, row in heads.items()))
