"""The one door for state: every transition and every audited change goes through here.

Views, the API, the admin, management commands and Celery tasks call these
functions; nothing else writes a state column.
"""

import dataclasses
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from casework import audit, fixed_sql, hooks, payloads
from casework.exceptions import Conflict, IdempotencyKeyReused, NotAvailable
from casework.hooks import TransitionEvent
from casework.models import AuditHead, Case, IdempotencyRecord
from workflows.guards import Rule, RuleRefused


@dataclass(frozen=True)
class TransitionResult:
    object_type: str
    object_id: int
    name: str
    state: str
    version: int
    audit_event_id: int | None
    replayed: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "object_type": self.object_type, "object_id": self.object_id, "name": self.name,
            "state": self.state, "version": self.version, "audit_event_id": self.audit_event_id,
        }


def transition_names(obj: models.Model) -> dict[str, str]:
    """Public transition name → method name (a machine may rename, e.g. ``return``)."""
    return dict(_transition_names(obj))


def _transition_names(obj: models.Model) -> dict[str, str]:
    """transition_names, read once per model class: django-fsm's transitions are the class's
    (``get_all_transitions(instance.__class__)``), declared with its methods."""
    names = _NAMES.get(type(obj))
    if names is None:
        names = {}
        for fsm_transition in obj.get_all_state_transitions():  # type: ignore[attr-defined]
            custom = fsm_transition.custom or {}
            names[custom.get("name", fsm_transition.name)] = fsm_transition.name
        _NAMES[type(obj)] = names
    return names


_NAMES: dict[type[models.Model], dict[str, str]] = {}


def available_transitions(obj: models.Model, actor: Any) -> list[str]:
    """The transitions this actor could take now (every guard passes)."""
    names = []
    for public_name, method_name in transition_names(obj).items():
        try:
            check_guards(obj, public_name, method_name, actor)
        except RuleRefused:
            continue
        names.append(public_name)
    return sorted(names)


def check_guards(obj: models.Model, name: str, method_name: str, actor: Any) -> None:
    """Raise naming the first rule that refuses: state, then actor, then the object's facts."""
    meta = getattr(obj, method_name)._django_fsm
    fsm_transition = meta.get_transition(obj.state)  # type: ignore[attr-defined]
    if fsm_transition is None:
        raise NotAvailable(name, obj.state)  # type: ignore[attr-defined]
    permission = fsm_transition.permission
    if permission is not None:
        failing = permission.first_failing(obj, actor)
        if failing is not None:
            raise RuleRefused.of(failing, obj, actor)
    for condition in fsm_transition.conditions or []:
        if not condition(obj):
            raise RuleRefused.of(condition, obj)


def take_checked(obj: models.Model, method_name: str, *args: Any) -> Any:
    """Take the transition as its django-fsm method does (the state checked, the signals
    sent, the state set), without asking its conditions again: for a caller that has just
    run ``check_guards`` on this object, which asks every one of them (the batch door)."""
    method = _checked_method(type(obj), method_name)
    return method._django_fsm.field.change_state(obj, method, *args)


class _CheckedMeta:
    """A transition's FSMMeta whose conditions count as met (check_guards asked them)."""

    def __init__(self, meta: Any) -> None:
        self._meta = meta

    def __getattr__(self, name: str) -> Any:
        return getattr(self._meta, name)

    def conditions_met(self, instance: Any, state: Any) -> bool:
        return True


_CHECKED: dict[tuple[type, str], Any] = {}


def _checked_method(model: type, method_name: str) -> Any:
    """The transition method as django-fsm's change_state takes it, its meta a _CheckedMeta."""
    found = _CHECKED.get((model, method_name))
    if found is None:
        function = getattr(model, method_name).__wrapped__  # the body, under django-fsm's wrapper

        def found(instance: Any, *args: Any, **kwargs: Any) -> Any:
            return function(instance, *args, **kwargs)

        found.__name__ = function.__name__
        found._django_fsm = _CheckedMeta(function._django_fsm)  # type: ignore[attr-defined]  # what change_state reads
        _CHECKED[(model, method_name)] = found
    return found


def advance(
    obj: models.Model,
    name: str,
    actor: Any,
    data: Any = None,
    *,
    expected_version: int | None = None,
    idempotency_key: str | None = None,
) -> TransitionResult:
    """Take transition ``name`` on ``obj`` as ``actor``, in one transaction.

    ``data`` is the transition's declared payload, or any mapping of its fields (a JSON
    body, a form post): it is validated once, here, whoever calls (PayloadInvalid naming
    the fields). Locks the case and the object, replays a known idempotency key, checks the
    expected version, every guard, runs the transition and its deadline hooks,
    appends the audit event, runs the effects on other rows and writes the
    notifications. Raises Conflict, NotAvailable or RuleRefused; on any error
    nothing is written.
    """
    method_name = _transition_names(obj).get(name)
    if method_name is None:
        raise NotAvailable(name, obj.state)  # type: ignore[attr-defined]
    fingerprint = request_fingerprint(obj, name, data, expected_version) if idempotency_key else ""
    with transaction.atomic():
        locked, case = _lock(obj)
        if idempotency_key:
            replay = _replay(locked, name, actor, idempotency_key, fingerprint)
            if replay is not None:
                return replay
        if expected_version is not None and locked.version != expected_version:
            raise Conflict(expected_version, locked.version)
        result = _apply(locked, case, name, method_name, actor, data)
        if idempotency_key:
            _remember(locked, name, actor, idempotency_key, fingerprint, result)
    _sync_instance(obj, locked)
    return result


def lock_case(case_id: int) -> Case:
    """Lock one case row — only that row: ``FOR UPDATE OF`` the case keeps the joined rows unlocked.

    Without it PostgreSQL would also lock the owner department (and every joined row)
    until commit, and every transition of that department would queue on it. The case
    comes with its owner department and subject (one fixed statement, casework/fixed_sql.py).
    """
    rows = fixed_sql.select_joined("engine.lock_case", _lock_case_statement, [case_id])
    if not rows:  # no such case, or its chain has no head yet (the head is then read by audit)
        rows = [[*row, None] for row in fixed_sql.select_joined(
            "engine.lock_case_without_head", partial(_lock_case_statement, head=False), [case_id])]
    if not rows:
        raise Case.DoesNotExist(f"Case {case_id} does not exist")
    return _locked_case(rows[0])


def _locked_case(row: list[Any]) -> Case:
    """The case of a locking statement's row (case, owner department, subject, head)."""
    case, department, subject, head = row[:4]
    assert isinstance(case, Case)
    _OWNER_DEPARTMENT.set_cached_value(case, department)
    _SUBJECT.set_cached_value(case, subject)
    # The head of the case's audit chain, locked with the case (None: the chain has none):
    # taken once by the append of this transaction (_locked_audit).
    case.__dict__[_LOCKED_HEAD] = head
    return case


_LOCKED_HEAD = "_audit_head_at_lock"


_OWNER_DEPARTMENT: Any = Case._meta.get_field("owner_department")
_SUBJECT: Any = Case._meta.get_field("subject")


def _lock_case_statement(head: bool = True, step: type[models.Model] | None = None
                         ) -> tuple[str, fixed_sql.Reader]:
    """The case, its owner department and subject, and (``head``) its audit chain's head, which
    is locked too: a statement that waited for the case's lock re-reads only the rows it locks
    at their latest version (READ COMMITTED), and the head a concurrent append moved must be
    read as it is now. Whoever moves a case chain's head holds the case's lock, so the two
    locks add no wait and no deadlock. A chain without a head: no row (an inner join: the
    nullable side of an outer join cannot be locked), and the statement without it is run.

    With ``step`` (a step model: the statement takes its id as a second parameter) the step of
    the case is read and locked too, after the case and the head (``FOR UPDATE OF c, h, o``:
    PostgreSQL locks a row's relations in that order, so the lock order stays case, then step,
    and a transition waiting for its case holds no lock on its step meanwhile:
    tests/pg/test_transition_locks.py). No such step of that case: no row."""
    department_model, subject_model = _OWNER_DEPARTMENT.related_model, _SUBJECT.related_model
    parts = [(Case, fixed_sql.columns(Case), "c"),
             (department_model, fixed_sql.columns(department_model), "d"),
             (subject_model, fixed_sql.columns(subject_model), "s")]
    q = fixed_sql.quoted
    sql = (f"SELECT {{}} "
           f"FROM {q(Case._meta.db_table)} c "
           f"JOIN {q(department_model._meta.db_table)} d ON d.id = c.{q(_OWNER_DEPARTMENT.column)} "
           f"JOIN {q(subject_model._meta.db_table)} s ON s.id = c.{q(_SUBJECT.column)} ")
    if head:  # its chain is audit.chain_of(case): 'case:<id>'
        parts.append((AuditHead, fixed_sql.columns(AuditHead), "h"))
        sql += f"JOIN {q(AuditHead._meta.db_table)} h ON h.{q('chain')} = 'case:' || c.id "
    locked = "c, h" if head else "c"
    where = "WHERE c.id = %s"
    if step is not None:
        assert head, "a step is locked with the case and its head only"
        parts.append((step, fixed_sql.columns(step), "o"))
        case_key: Any = step._meta.get_field("case")
        sql += f"JOIN {q(step._meta.db_table)} o ON o.{q(case_key.column)} = c.id "
        locked, where = "c, h, o", "WHERE c.id = %s AND o.id = %s"
    sql = (sql.format(", ".join(fixed_sql.select_list(m, f, a) for m, f, a in parts))
           + where + fixed_sql.for_update(of=locked))
    return sql, fixed_sql.Reader(parts)


def _lock(obj: Any) -> tuple[Any, Case]:  # a case or a step (machine mixins are untyped)
    # Lock order is always case, then step: two steps of one case never deadlock.
    if isinstance(obj, Case):
        case = lock_case(obj.pk)
        return case, case
    model = type(obj)
    # One statement for the case, its head and the step (_lock_case_statement(step=…)); when it
    # finds no row (no head yet, no such step of that case) one each, which say what is missing.
    rows = fixed_sql.select_joined(f"engine.lock_case_and_step:{model._meta.label}",
                                   partial(_lock_case_statement, step=model), [obj.case_id, obj.pk])
    locked: Any
    if rows:
        case, locked = _locked_case(rows[0]), rows[0][4]
    else:
        case = lock_case(obj.case_id)
        found = fixed_sql.select(model, "id = %s", [obj.pk], lock=True)
        if not found:
            raise model.DoesNotExist(f"{model.__name__} {obj.pk} does not exist")
        locked = found[0]
    locked.case = case
    return locked, case


def _apply(obj: Any, case: Case, name: str, method_name: str, actor: Any, data: Any) -> TransitionResult:
    appends_at_lock = audit.append_count()
    check_guards(obj, name, method_name, actor)
    # Validated once, after the state and the actor's rules (a refusal names its rule first):
    # the transition, its hooks and effects receive the typed payload.
    data = payloads.parse(payloads.payload_class(obj, name), data)
    before = audit.field_snapshot(obj)
    source = obj.state
    try:
        getattr(obj, method_name)(actor, data)
    except TransitionNotAllowed:
        raise NotAvailable(name, source) from None
    event = TransitionEvent(obj, case, name, source, obj.state, actor, data, timezone.now())
    hooks.run("deadlines", event)
    obj.version += 1
    changes = audit.field_changes(before, audit.field_snapshot(obj))
    case_state, head = _locked_audit(case, appends_at_lock)
    # The step's changed columns are written with its audit event (one statement).
    event.audit_event = audit.append(
        obj=obj, action=name, actor=actor, case=case, from_state=source, to_state=obj.state,
        changes=changes, payload=payloads.as_audit(data), case_state=case_state, head=head,
        saving=(obj, (*changes, "version")),
    )
    hooks.run("effects", event)
    hooks.run("indexes", event)
    hooks.run("documents", event)
    hooks.run("notifications", event)
    return TransitionResult(
        obj._meta.model_name, obj.pk, name, obj.state, obj.version, event.audit_event.pk
    )


def _locked_audit(case: Case, appends_at_lock: int) -> tuple[dict[str, Any] | None, AuditHead | None]:
    """The case's audited state and its chain's head as this transaction locked and read them,
    when nothing was appended to an audit chain since (an append may have saved the case and
    moved the head: then None, None, and audit reads both). The head is taken once."""
    head = case.__dict__.pop(_LOCKED_HEAD, None)
    if audit.append_count() != appends_at_lock:
        return None, None
    return audit.case_state_of(case), head


def request_fingerprint(obj: models.Model, name: str, data: Any, expected_version: int | None) -> str:
    """SHA-256 of what was asked: object, transition, expected version and the canonical body."""
    body = payloads.as_audit(data) if dataclasses.is_dataclass(data) else dict(data or {})
    request = {"object": obj._meta.model_name, "id": obj.pk, "transition": name,
               "expected_version": expected_version, "body": audit.json_safe(body)}
    canonical = json.dumps(request, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(obj: Any, name: str, actor: Any, key: str, fingerprint: str) -> TransitionResult | None:
    record = IdempotencyRecord.objects.filter(actor=actor, key=key).first()
    if record is None:
        return None
    if record.fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    return TransitionResult(**record.result, replayed=True)


def _remember(obj: Any, name: str, actor: Any, key: str, fingerprint: str,
              result: TransitionResult) -> None:
    try:
        with transaction.atomic():
            IdempotencyRecord.objects.create(
                actor=actor, key=key, object_type=obj._meta.model_name, object_id=obj.pk,
                action=name, result=result.as_dict(), fingerprint=fingerprint,
            )
    except IntegrityError:
        # The same key raced in on another object: refuse, and roll everything back.
        raise IdempotencyKeyReused() from None


def purge_idempotency_records(now: Any = None) -> int:
    """Forget keys older than IDEMPOTENCY_KEY_TTL_HOURS (default 24): a later repeat is a new request."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    deleted, _by_model = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def _sync_instance(obj: models.Model, locked: models.Model) -> None:
    """Let the caller's instance see the committed state, without a query.

    The values are copied into the instance's own ``__dict__``: the FSM field is protected
    against assignment, and ``refresh_from_db()`` lifts that protection by toggling a flag on
    the *class*, which races between threads (a committed transition answered 500).
    """
    if obj is locked:
        return
    for field in locked._meta.concrete_fields:
        obj.__dict__[field.attname] = locked.__dict__[field.attname]


def create_step(
    obj: Any, actor: Any, data: dict[str, Any] | None = None,
    rules: Iterable[Rule] = (),
) -> TransitionResult:
    """Save a new case or step in its initial state; audited, with deadlines and notices.

    The case is locked first and ``rules`` (each asked ``rule(case, actor)``) are checked
    under that lock, as a transition's guards are: a step cannot be created on a case that
    a concurrent transition is closing, and two creations cannot both pass a "one open X" rule.
    """
    obj.full_clean(exclude=["state", "case", "number", "drafter"])
    with transaction.atomic():
        if isinstance(obj, Case):
            case = obj
        else:
            case = lock_case(obj.case_id)
            obj.case = case
        appends_at_lock = audit.append_count()
        for rule in rules:
            if not rule(case, actor):
                raise RuleRefused.of(rule, case, actor)
        obj.save()
        event = TransitionEvent(obj, case, "created", "", obj.state, actor, dict(data or {}),
                                timezone.now())
        hooks.run("deadlines", event)
        obj.save()
        case_state, head = _locked_audit(case, appends_at_lock)
        event.audit_event = audit.append(
            obj=obj, action="created", actor=actor, case=case, to_state=obj.state,
            payload=event.data, case_state=case_state, head=head,
        )
        hooks.run("indexes", event)
        hooks.run("documents", event)
        hooks.run("notifications", event)
    return TransitionResult(
        obj._meta.model_name, obj.pk, "created", obj.state, obj.version, event.audit_event.pk
    )


def record_change(
    obj: models.Model,
    action: str,
    actor: Any,
    changes: dict[str, tuple[Any, Any]],
    payload: dict[str, Any] | None = None,
) -> None:
    """Save field changes that are not transitions (e.g. a moved deadline), audited old → new."""
    with transaction.atomic():
        # Case first, then the step, as advance() takes them: saving the step first and
        # locking the case in audit.append() deadlocks against a concurrent advance().
        locked, case = _lock(obj)
        for field_name, (_old, new) in changes.items():
            setattr(obj, field_name, new)
        update_fields = list(changes)
        if hasattr(obj, "version"):
            # A changed record is a new version: a client holding the old one gets a conflict.
            # Count from the locked row: the caller's copy may predate a concurrent advance().
            obj.version = locked.version + 1
            update_fields.append("version")
        obj.save(update_fields=update_fields)
        audit.append(obj=obj, action=action, actor=actor, case=case,
                     changes={k: list(v) for k, v in changes.items()}, payload=payload)
