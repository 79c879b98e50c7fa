"""The audit chain as the batch door writes it: each case's events linked and hashed as
``casework.audit.append`` links them (the chain's HMAC over the same canonical JSON, the key
read once), the chain heads sealed."""

import functools
import hmac
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from json import encoder as json_encoder
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
_ENCODER = DjangoJSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))
# The C encoder that encoder's encode() makes anew for each value (json.encoder.iterencode),
# made once: the same text (no circular check: the batch's values are trees).
_C_MAKE = getattr(json_encoder, "c_make_encoder", None)  # None where _json is not built
_C_ENCODE = (_C_MAKE(None, _ENCODER.default, encode_basestring, None, ":", ",", True, False, True)
             if _C_MAKE is not None else None)


def canonical(value: Any) -> str:
    """canonical_json of ``value``."""
    if _C_ENCODE is None:
        return _ENCODER.encode(value)
    return "".join(_C_ENCODE(value, 0))


@functools.cache
def hashed_names() -> tuple[str, ...]:
    """The keys of hashed_fields, sorted as canonical_json writes them."""
    return tuple(sorted(hashed_fields(AuditEvent(at=timezone.now()))))


# The fields of kind_template that differ from one event to the next, by position; the moment
# (its ISO text) and the previous hash (a hex digest) need no escaping: they are quoted there.
_VARYING = {"chain": "{0}", "seq": "{1}", "case": "{2}", "object_id": "{3}", "at": '"{4}"',
            "changes": "{5}", "payload": "{6}", "case_state": "{7}", "prev_hash": '"{8}"'}


@functools.cache
def kind_template(object_type: Any, action: Any, from_state: Any, to_state: Any, actor: Any,
                  actor_department: Any) -> str:
    """canonical_json of hashed_fields (its keys sorted, no spaces) as a format string, what
    every event of one kind by one actor says filled in (quoted, braces doubled), the rest
    positional fields (_VARYING)."""
    fixed = {"object_type": object_type, "action": action, "from_state": from_state,
             "to_state": to_state, "actor": actor, "actor_department": actor_department}
    values = {name: quote(value).replace("{", "{{").replace("}", "}}") for name, value in fixed.items()}
    values.update(_VARYING)
    return "{{" + ",".join(f'"{name}":{values[name]}' for name in hashed_names()) + "}}"


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


# Values that hold neither a float nor a dict key: nothing to look into. The subclasses of text,
# integers and dates met (the choices' enums: a CaseState is its text) join them as they come:
# JSON writes them as their base, and reads them back as it.
_LEAVES = {str, int, bool, type(None), date, datetime}
_LEAF_BASES = (str, int, date)
_TEXT = frozenset({str})


def _round_trip(value: Any) -> bool:
    """Whether ``value`` holds a float or a dict key that is not text."""
    kind = type(value)
    if kind in _LEAVES:
        return False
    if issubclass(kind, _LEAF_BASES):
        _LEAVES.add(kind)
        return False
    # A dict of text keys, or a list, whose values are all leaves (the most common), told
    # by one pass in C over the types.
    if kind is dict:
        if _TEXT.issuperset(map(type, value)) and _LEAVES.issuperset(map(type, value.values())):
            return False
    elif (kind is list or kind is tuple) and _LEAVES.issuperset(map(type, value)):
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


# The case state's own keys (its number and subject): state_text's template leaves them out.
_STATE_OWN = ("number", "subject_id")
_MARKS = ("\ue000number\ue000", "\ue000subject\ue000")  # private-use text standing for them


def state_text(state: dict[str, Any], templates: dict[tuple[Any, ...], str]) -> str:
    """json_text of a case state (case_state: CASE_STATE_FIELDS), made from a template per
    everything but its number and subject (``templates``: the caller's, one batch's), which a
    chunk's cases share; json_text itself where the number is not text or the subject not an
    integer, or the template cannot be made."""
    number, subject = state.get("number"), state.get("subject_id")
    if type(number) is not str or type(subject) is not int:
        return json_text(state)
    try:
        key = tuple((name, type(value), value) for name, value in state.items() if name not in _STATE_OWN)
        template = templates.get(key)
    except TypeError:  # a value not hashable
        return json_text(state)
    if template is None:
        template = templates[key] = _state_template(state)
    if not template:
        return json_text(state)
    return template.format(encode_basestring(number), subject)


def _state_template(state: dict[str, Any]) -> str:
    """json_text of the state with its number and subject as positional fields (braces
    doubled); empty where a mark stands elsewhere than for them (in another value)."""
    text = json_text({**state, **dict(zip(_STATE_OWN, _MARKS, strict=True))})
    quoted = [encode_basestring(mark) for mark in _MARKS]
    if any(text.count(mark) != 1 or text.count(mark[1:-1]) != 1 for mark in quoted):
        return ""
    text = text.replace("{", "{{").replace("}", "}}")
    for position, mark in enumerate(quoted):
        text = text.replace(mark, f"{{{position}}}")
    return text


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
        at = row[11].isoformat(timespec="microseconds")
        row[16] = prev_hash = mac(row, key, at)
        if as_text:  # the moment as the hash covers it (bulk.copy_texts: formatted once)
            row[11] = at
        yield row


def mac(row: list[Any], key: bytes, at: str | None = None) -> str:
    """AuditEvent.compute_hash of the row: mac(hashed_fields) over the canonical JSON,
    the parts that are JSON already spliced in as their canonical text (``at``: the moment's
    ISO text, microseconds shown, where the caller made it), the ones every event of its
    kind shares from its ``kind_template``."""
    (_pk, chain, seq, case_id, object_type, object_id, action, from_state, to_state, actor,
     actor_department, moment, changes, payload, case_state, prev_hash, _hash) = row
    template = kind_template(object_type, action, from_state, to_state, actor, actor_department)
    text = template.format(
        quote(chain), quote(seq), quote(case_id), quote(object_id),
        moment.isoformat(timespec="microseconds") if at is None else at,
        changes, payload, case_state, prev_hash,
    )
    return hmac.digest(key, text.encode(), "sha256").hex()


def seal(chain: str, seq: int, hash_: str, key: bytes) -> str:
    """AuditHead.compute_seal: canonical_json of its chain, hash and seq (keys sorted)."""
    text = f'{{"chain":{quote(chain)},"hash":{quote(hash_)},"seq":{quote(seq)}}}'
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
