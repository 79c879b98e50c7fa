"""Many recorded determinations in one transaction: the batch door of the list import.

``record_determinations`` writes what, for each item, ``open_case`` followed by
``advance(case, "record_determination")`` and one ``create_step`` per catalogue measure
write one case at a time — the same rows, in the same order — with a few statements per
chunk instead of about a hundred per case:

- the cases (ids reserved up front, each inserted once in its final state), their legal
  bases, and their case numbers from one counter update;
- the clocks each event opens, from the SLA map's ``Open`` actions and the policy in
  force on each clock's start date;
- the audit events of every case's own hash chain (``created``, ``record_determination``,
  the measure tasks' ``created``), each recording the case as it was after the event, and
  the sealed chain heads;
- the credit-check index rows and the notices (messages and deliveries) of every event,
  the recipients read once per department.

Each table's rows go to PostgreSQL as plain tuples in one ``COPY`` (``copy_rows``). Only
the case is built as a model instance (its field checks, the transition's guards and the
transition itself run on it, row by row); what is the same for many rows is worked out
once and repeated: a clock and its ``opened`` timeline entry per step, start date, policy
and department (the working-day arithmetic of ``workflows.services.build_deadline`` runs
once per key, not per row), a measure task per catalogue measure (its field checks), a
notice's context per event shape (``notifications.services.transition_context`` rendered
once; each row sets its own case, object, subject, moment and link), the deliveries per
audience and department (``planned_deliveries``), the fields' defaults and preparation per
table. The audit hashes are the chain's HMAC (``casework.models.audit.mac``) over the same
canonical JSON, computed with the key read once.

The rules are the ones the per-case path asks (the actor's role and department, the
transition's guards, the model's field checks); a refused item raises ``ItemRefused``
naming its index, and nothing of the chunk is written. Hooks this module does not know
(``batch_supported``) send the caller back to the per-case path.
"""

import functools
import hmac
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from json.encoder import encode_basestring  # the C quoting json.dumps uses
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework import audit, hooks, payloads
from casework.hooks import TransitionEvent
from casework.models import (
    AuditEvent,
    AuditHead,
    Case,
    CaseNumberCounter,
    CreditIndexEntry,
    Department,
    LegalBasis,
    Measure,
    MeasureTask,
    Subject,
)
from casework.models.audit import CASE_STATE_FIELDS, GENESIS_HASH, audit_key, hashed_fields
from casework.services.cases import RecordedDetermination, determining_department, require
from casework.services.engine import check_guards, transition_names
from workflows.guards import RuleRefused
from workflows.rules import staff_role

RECORD = "record_determination"
CREATED = "created"
# The events one recorded determination makes, by (model, event): what the batch writes.
EVENTS = (("case", CREATED), ("case", RECORD), ("measuretask", CREATED))
CASE_RELATIONS = ("subject", "owner_department", "drafter", "determined_by")
# The audiences the batch addresses itself (the owner department, a task's joint department).
AUDIENCES = ("owner", "joint")
# What notifications.services.transition_context says of one event: the keys naming the row
# (its object, case, subject, moment and link) and the rest, the same for every event of one
# shape (model, transition, states, actor, the object's details, its clocks).
ROW_KEYS = ("object_id", "case_id", "case_number", "subject", "at", "link")
SHAPE_KEYS = ("event", "model", "app", "transition", "source", "target", "owner_department",
              "actor", "deadline", "deadlines", "details", "documents")
# The relations details_of names (a step's measure, department, organisers).
DETAIL_RELATIONS = ("measure", "department", "organiser", "co_organiser")
# canonical_json (casework.models.audit) with one encoder: the same text, hashed the same.
_canonical = DjangoJSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode


@dataclass(frozen=True)
class Determination:
    """One case to record: what ``open_case`` takes, with its recorded determination."""

    subject: Subject
    list_type: str
    dishonesty_class: str
    legal_bases: tuple[LegalBasis, ...]
    facts: str
    recorded: RecordedDetermination


class ItemRefused(Exception):
    """Item ``index`` of the batch is refused by ``error``; nothing of the batch was written."""

    def __init__(self, index: int, error: RuleRefused) -> None:
        super().__init__(str(error.message))
        self.index = index
        self.error = error


def batch_supported() -> bool:
    """The batch writes what the receivers declared in casework/hooks.py write; any other
    receiver connected to a transition point needs the per-case path.

    So does a clock a measure task's creation opens that shows its date on the task
    (``mirror``) or takes its start or length from it (a task is written as a plain row), and
    a notice to an audience other than the owner and the joint department.
    """
    from documents.issue import ISSUES
    from notifications.notices import notices_for
    from workflows.hooks import SLA_MAP, Open

    if any(point.receivers() != point.resolve() for point in hooks.TRANSITION_POINTS.values()):
        return False
    if any(event in ISSUES for event in EVENTS):
        return False
    if any(notice.audience not in AUDIENCES for event in EVENTS for notice in notices_for(*event)):
        return False
    if any(action.mirror or action.start or action.length_from or action.on_case
           for action in SLA_MAP.get(("measuretask", CREATED), []) if isinstance(action, Open)):
        return False
    return all(isinstance(action, Open) for event in EVENTS for action in SLA_MAP.get(event, []))


def record_determinations(actor: Any, items: Sequence[Determination]) -> list[Case]:
    """Record every item as a listed case, as the per-case path would; one transaction."""
    require([staff_role], None, actor)
    require([determining_department], actor.department, actor)
    if not items:
        return []
    with transaction.atomic():
        return _Batch(actor).run(items)


# --- the rows that repeat ---------------------------------------------------------------------

@dataclass(frozen=True)
class _Clock:
    """A clock as build_deadline opens it for one key (step, start, policy, department…):
    every target of that key gets the same row, its own ids aside."""

    values: tuple[Any, ...]  # the Deadline columns after id, case_id, target_id (DEADLINE_OWN)
    opened: tuple[Any, ...]  # its "opened" timeline entry's columns after id, deadline_id
    facts: dict[str, Any]  # notifications.services.deadline_facts
    mirror: tuple[str, Any] | None  # the target's field showing the due date, and its value


@dataclass
class _Shape:
    """What a notice says of every event of one shape; each message adds its row's keys."""

    context: dict[str, Any]
    texts: dict[str, tuple[bool, str]]  # audience → (says its own link, the JSON after the row's keys)


@dataclass(frozen=True)
class _Task:
    """A measure task as the batch writes it: its row is the measure's template, its ids aside.
    What the credit index reads of a task (indexing.entry_fields)."""

    pk: int
    case_id: int
    measure: Measure
    department: Department
    department_id: int
    state: str


@dataclass
class _Event:
    """One audit event and its notices, before the ids of its messages are known."""

    row: list[Any]  # the AuditEvent columns (AUDIT_FILLED), its id first
    case: Case
    object_id: int
    department: Department | None  # the object's own department (a task's joint department)
    model_name: str
    name: str
    shape: _Shape
    at_text: str


DEADLINE_OWN = ("id", "case_id", "target_id")
TIMELINE_OWN = ("id", "deadline_id")
AUDIT_FILLED = ("id", "chain", "seq", "case_id", "object_type", "object_id", "action",
                "from_state", "to_state", "actor_id", "actor_department_id", "at", "changes",
                "payload", "case_state", "prev_hash", "hash")
MESSAGE_FILLED = ("id", "key", "event", "template", "audience", "legal", "case_id",
                  "department_id", "context")
DELIVERY_OWN = ("id", "message_id", "key", "next_attempt_at")


class _Batch:
    def __init__(self, actor: Any) -> None:
        self.actor = actor
        self.department: Department = actor.department
        self.actor_id = actor.pk if getattr(actor, "pk", None) else None
        self.actor_department_id = getattr(actor, "department_id", None)
        self.key = audit_key()
        self.tz = timezone.get_current_timezone()
        self.clocks: dict[tuple[Any, ...], _Clock] = {}
        self.shapes: dict[tuple[Any, ...], _Shape] = {}
        # measure pk → a task of it (checked), its row after id and case_id, its audit payload
        self.tasks: dict[int, tuple[MeasureTask, tuple[Any, ...], str]] = {}
        self.notices: dict[Any, tuple[Any, ...]] = {}  # notice → its message columns, prepared
        self.recipients: dict[tuple[str, int], tuple[Any, dict[int, Any]]] = {}
        self.deliveries: dict[tuple[str, int, bool], list[tuple[str, tuple[Any, ...]]]] = {}
        self.events: list[_Event] = []
        self.deadline_rows: list[tuple[_Clock, int, int]] = []  # (clock, case id, target id)
        self.transitions: Counter[tuple[str, str]] = Counter()
        self.seq = 0  # the last sequence number of the chain being written
        self.minutes: dict[int, str] = {}
        self.bases: dict[tuple[int, ...], Any] = {}  # the cases' legal bases, as prefetched
        self.bases_of: dict[int, tuple[int, ...]] = {}  # case pk → its legal bases' pks
        self.audit_ids: Iterator[int] = iter(())

    # --- the cases ------------------------------------------------------------------------

    def run(self, items: Sequence[Determination]) -> list[Case]:
        from workflows.hooks import SLA_MAP

        case_opens = SLA_MAP.get(("case", RECORD), [])
        task_opens = SLA_MAP.get(("measuretask", CREATED), [])
        catalogue = measures_by_basis(items)
        measures = [_measures_of(item, catalogue) for item in items]
        task_count = sum(len(found) for found in measures)
        numbers = next_case_numbers(self.department, len(items))
        ids = iter(reserve_ids(Case, len(items)))
        task_ids = iter(reserve_ids(MeasureTask, task_count))
        self.audit_ids = iter(reserve_ids(AuditEvent, 2 * len(items) + task_count))
        method_name = transition_names(Case())[RECORD]
        record_payload = payloads.parse(payloads.payload_class(Case(), RECORD), None)
        record_audit = _json(payloads.as_audit(record_payload))
        cases: list[Case] = []
        tasks: list[list[_Task]] = []
        for index, (item, number) in enumerate(zip(items, numbers, strict=True)):
            try:
                case = self._case(item, next(ids), number, method_name)
                created_state = _json(_case_state(case))
                created_payload = _json({
                    "legal_bases": [basis.pk for basis in item.legal_bases],
                    "recorded": item.recorded.as_payload(),
                })
                self._event(case, case, CREATED, "", case.state, timezone.now(), "{}",
                            created_payload, created_state, [])
                before = audit.field_snapshot(case)
                source = case.state
                getattr(case, method_name)(self.actor, record_payload)
                at = timezone.now()
                clocks = [self._open(action, case, case, case) for action in case_opens]
                case.version += 1
                changes = audit.field_changes(before, audit.field_snapshot(case))
                state = _json(_case_state(case))
                self._event(case, case, RECORD, source, case.state, at, _json(changes),
                            record_audit, state, clocks, from_state=source)
                case_tasks = []
                for measure in measures[index]:
                    task = self._task(case, measure, next(task_ids))
                    clocks = [self._open(action, case, task, self.tasks[measure.pk][0])
                              for action in task_opens]
                    self._event(task, case, CREATED, "", task.state, timezone.now(), "{}",
                                self.tasks[measure.pk][2], state, clocks)
                    case_tasks.append(task)
            except RuleRefused as error:
                raise ItemRefused(index, error) from None
            cases.append(case)
            tasks.append(case_tasks)
        self._write(cases, items, tasks)
        return cases

    def _case(self, item: Determination, pk: int, number: str, method_name: str) -> Case:
        """The case as open_case builds it, checked as it checks it."""
        case = Case(
            pk=pk, number=number, subject_id=item.subject.pk, owner_department_id=self.department.pk,
            list_type=item.list_type, dishonesty_class=item.dishonesty_class, facts=item.facts,
            drafter_id=self.actor.pk, **item.recorded.case_fields(),
        )
        # The related rows this batch holds, as if read (no query per row to read them again).
        cache = case._state.fields_cache
        cache["subject"], cache["owner_department"] = item.subject, self.department
        cache["drafter"] = self.actor
        key = self.bases_of[pk] = tuple(basis.pk for basis in item.legal_bases)
        if key not in self.bases:
            self.bases[key] = _prefetched_bases(item.legal_bases)
        case._prefetched_objects_cache = {"legal_bases": self.bases[key]}  # type: ignore[attr-defined]
        if not item.legal_bases:
            raise RuleRefused("legal_basis_required", _("A case must cite at least one legal basis."))
        case.clean_fields(exclude=["state", "legal_bases", "measures", *CASE_RELATIONS])
        case.clean()
        check_guards(case, RECORD, method_name, self.actor)
        return case

    def _task(self, case: Case, measure: Measure, pk: int) -> _Task:
        """One measure task (effects.measures_for); its field checks once per measure."""
        if measure.pk not in self.tasks:
            task = MeasureTask(pk=pk, case=case, measure=measure, department=measure.department)
            task.clean_fields(exclude=["state", "case", "measure", "department"])
            task.clean()
            payload = _json({"measure": measure.code})
            self.tasks[measure.pk] = (task, _prepared(task, _filled(MeasureTask, "id", "case_id")), payload)
        template = self.tasks[measure.pk][0]
        return _Task(pk=pk, case_id=case.pk, measure=measure, department=measure.department,
                     department_id=measure.department_id, state=template.state)

    # --- clocks, audit, notices -------------------------------------------------------------

    def _open(self, action: Any, case: Case, obj: Any, target: Any) -> _Clock:
        """The deadlines hook's ``Open`` (workflows.hooks._open), computed once per key.

        ``obj`` is the event's object (the case or a task); ``target`` the model instance
        the first clock of the key is built on (a task's template instance).
        """
        from workflows import services as sla
        from workflows.hooks import _start_date
        from workflows.models.sla import province_layer

        started_on: date = _start_date(getattr(obj, action.start) if action.start else None)
        length = getattr(obj, action.length_from, None) if action.length_from else None
        is_task = isinstance(obj, _Task)
        department = obj.department if is_task else None
        # What build_deadline reads: what decides the policy (Context.policy_key: the step,
        # day, list, class, the owner's jurisdiction, the sectors and bases of the case's legal
        # bases, the provincial layer), the legal bases (one may set the period itself), the
        # clock's department.
        key = (action.step, started_on, case.list_type, case.dishonesty_class,
               case.owner_department_id, province_layer(), self.bases_of[case.pk],
               action.mirror, action.on_case,
               type(target), length, department.pk if department is not None else None)
        clock = self.clocks.get(key)
        if clock is None:
            clock_target = case if action.on_case else target
            policy = sla.Context(case).policy(action.step, started_on)
            deadline, opened = sla.build_deadline(
                clock_target, case, action.step, started_on=started_on, length=length,
                mirror_field=action.mirror, department=department, actor=self.actor, policy=policy,
            )
            mirror = (action.mirror, getattr(clock_target, action.mirror)) if action.mirror else None
            clock = self.clocks[key] = _Clock(
                values=_prepared(deadline, _deadline_filled()[len(DEADLINE_OWN):]),
                opened=_prepared(opened, _timeline_filled()[len(TIMELINE_OWN):]),
                facts=_deadline_facts(deadline), mirror=mirror,
            )
        elif clock.mirror is not None:
            setattr(case if action.on_case else obj, *clock.mirror)
        owner = case if action.on_case else obj
        self.deadline_rows.append((clock, case.pk, owner.pk))
        return clock

    def _event(self, obj: Any, case: Case, name: str, source: str, target: str, at: datetime,
               changes: str, payload: str, case_state: str, clocks: list[_Clock],
               *, from_state: str = "") -> None:
        """The audit event of one transition on its case's chain (casework.audit.append)."""
        is_task = isinstance(obj, _Task)
        model_name = "measuretask" if is_task else "case"
        chain = f"case:{case.pk}"
        seq = self.seq = 1 if name == CREATED and not is_task else self.seq + 1
        pk = next(self.audit_ids)
        row = [pk, chain, seq, case.pk, model_name, obj.pk, name, from_state, target,
               self.actor_id, self.actor_department_id, at, changes, payload, case_state,
               "", ""]  # prev_hash and hash: chained as the rows are written (_chained)
        shape = self._shape(obj, case, model_name, name, source, target, at, clocks)
        self.events.append(_Event(row=row, case=case, object_id=obj.pk,
                                  department=obj.department if is_task else None,
                                  model_name=model_name, name=name, shape=shape,
                                  at_text=self._minute(at)))
        self.transitions[(model_name, name)] += 1

    def _minute(self, at: datetime) -> str:
        """notifications.services.plain of a moment (local time, to the minute), once a minute."""
        minute = int(at.timestamp()) // 60
        text = self.minutes.get(minute)
        if text is None:
            text = self.minutes[minute] = at.astimezone(self.tz).strftime("%Y-%m-%d %H:%M")
        return text

    def _chained(self) -> Iterator[list[Any]]:
        """The audit rows, each linked to the one before it on its chain and hashed (computed
        as the COPY sends them, while the server stores the rows before)."""
        prev_hash = GENESIS_HASH
        for event in self.events:
            row = event.row
            row[15] = prev_hash = GENESIS_HASH if row[2] == 1 else prev_hash
            row[16] = prev_hash = self._mac(row)
            yield row

    def _mac(self, row: list[Any]) -> str:
        """AuditEvent.compute_hash of the row: mac(hashed_fields) over the canonical JSON,
        the parts that are JSON already spliced in as their canonical text."""
        (_pk, chain, seq, case_id, object_type, object_id, action, from_state, to_state, actor,
         actor_department, at, changes, payload, case_state, prev_hash, _hash) = row
        text = _hash_template().format(
            chain=_quote(chain), seq=_quote(seq), case=_quote(case_id),
            object_type=_quote(object_type), object_id=_quote(object_id), action=_quote(action),
            from_state=_quote(from_state), to_state=_quote(to_state), actor=_quote(actor),
            actor_department=_quote(actor_department),
            at=_quote(at.isoformat(timespec="microseconds")), changes=changes, payload=payload,
            case_state=case_state, prev_hash=_quote(prev_hash),
        )
        return hmac.digest(self.key, text.encode(), "sha256").hex()

    def _shape(self, obj: Any, case: Case, model_name: str, name: str, source: str, target: str,
               at: datetime, clocks: list[_Clock]) -> _Shape:
        """transition_context for every event of one shape, rendered once."""
        from notifications.services import DETAIL_FIELDS, transition_context

        template = self.tasks[obj.measure.pk][0] if isinstance(obj, _Task) else obj
        names = DETAIL_NAMES.get(model_name)
        if names is None:
            names = DETAIL_NAMES[model_name] = tuple(
                field for field in DETAIL_FIELDS if hasattr(template, field))
        details = tuple(getattr(obj, field) for field in names) if template is obj else ()
        related = tuple(getattr(template, f"{relation}_id", None) for relation in DETAIL_RELATIONS)
        key = (model_name, name, source, target, details, related, case.owner_department_id,
               tuple(id(clock) for clock in clocks))
        shape = self.shapes.get(key)
        if shape is None:
            event = TransitionEvent(template, case, name, source, target, self.actor, {}, at)
            context = transition_context(event, deadlines=[clock.facts for clock in clocks])
            if set(context) != {*ROW_KEYS, *SHAPE_KEYS}:
                raise RuntimeError(f"transition_context says {sorted(context)}: "
                                   "casework.services.batch.ROW_KEYS/SHAPE_KEYS must name each key")
            shape = self.shapes[key] = _Shape(context, {})
        return shape

    def _write(self, cases: list[Case], items: Sequence[Determination],
               tasks: list[list[_Task]]) -> None:
        from casework import indexing
        from workflows.models import Deadline, DeadlineEvent

        now = timezone.now()
        for case in cases:
            case.created_at = now  # auto_now_add, as the insert stamps it
        copy_rows(Case, _filled(Case, "id"), (_prepared(case, _filled(Case, "id")) for case in cases))
        through = Case.legal_bases.through
        links = [(case.pk, basis.pk) for case, item in zip(cases, items, strict=True)
                 for basis in item.legal_bases]
        copy_rows(through, ("id", "case_id", "legalbasis_id"), (
            (pk, *link) for pk, link in zip(reserve_ids(through, len(links)), links, strict=True)))
        copy_rows(MeasureTask, _filled(MeasureTask, "id", "case_id"), (
            (task.pk, task.case_id, *self.tasks[task.measure.pk][1][2:])
            for case_tasks in tasks for task in case_tasks))
        deadline_ids = reserve_ids(Deadline, len(self.deadline_rows))
        copy_rows(Deadline, _deadline_filled(), (
            (pk, case_id, target_id, *clock.values)
            for pk, (clock, case_id, target_id) in zip(deadline_ids, self.deadline_rows, strict=True)))
        copy_rows(DeadlineEvent, _timeline_filled(), (
            (pk, deadline_id, *clock.opened) for pk, deadline_id, (clock, _case_id, _target_id)
            in zip(reserve_ids(DeadlineEvent, len(deadline_ids)), deadline_ids, self.deadline_rows,
                   strict=True)))
        copy_rows(AuditEvent, AUDIT_FILLED, self._chained())
        heads = {}
        for event in self.events:
            heads[event.row[1]] = event.row
        copy_rows(AuditHead, ("chain", "seq", "hash", "seal"), (
            (chain, row[2], row[16], self._seal(chain, row[2], row[16]))
            for chain, row in heads.items()))
        identifier = CreditIndexEntry._meta.get_field("identifier")
        db = connections[DEFAULT_DB_ALIAS]
        index_filled = _filled(CreditIndexEntry, "case_id")

        repairs = indexing.repair_histories({case.subject_id for case in cases})
        json_fields = [CreditIndexEntry._meta.get_field(name) for name in ("measures", "talks", "repairs")]

        def index_rows() -> Iterator[tuple[Any, ...]]:
            for case, case_tasks in zip(cases, tasks, strict=True):
                if case.listed_from is None:
                    continue
                fields = indexing.entry_fields(case, case_tasks, objection_open=False,  # type: ignore[arg-type]  # _Task has what entry_fields reads of a task
                                               repairs=repairs.get(case.subject_id, []))
                fields["identifier"] = identifier.get_db_prep_save(fields["identifier"], db)
                for field in json_fields:
                    fields[field.name] = _db_value(field, fields[field.name], db)
                yield (case.pk, *(fields[name] for name in index_filled[1:]))

        copy_rows(CreditIndexEntry, index_filled, index_rows())
        self._notify(now)
        transitions = dict(self.transitions)
        count = len(self.events)
        transaction.on_commit(lambda: _count(transitions))
        transaction.on_commit(lambda: _push_live(count))

    def _seal(self, chain: str, seq: int, hash_: str) -> str:
        """AuditHead.compute_seal."""
        text = _canonical({"chain": chain, "seq": seq, "hash": hash_})
        return hmac.digest(self.key, text.encode(), "sha256").hex()

    def _notify(self, now: datetime) -> None:
        """notifications.services.on_transition for every event: messages, then deliveries."""
        from notifications.models import Delivery, Message
        from notifications.notices import notices_for
        from notifications.services import case_link, enqueue_after_commit

        planned = []
        for event in self.events:
            for notice in notices_for(event.model_name, event.name):
                recipients, preferences = self._recipients(notice.audience, event)
                if recipients:
                    planned.append((event, notice, recipients, preferences))
        message_ids = reserve_ids(Message, len(planned))
        db = connections[DEFAULT_DB_ALIAS]
        deliveries: list[tuple[Any, ...]] = []

        def messages() -> Iterator[tuple[Any, ...]]:
            """The messages, made as the COPY sends them (the server stores the rows before)."""
            owns: tuple[Any, str, str] = (None, "", "")
            for pk, (event, notice, recipients, preferences) in zip(message_ids, planned, strict=True):
                if owns[0] is not event:  # the row's keys of the event's context, and its link
                    case = event.case
                    owns = (event, f'{{"object_id":{event.object_id},"case_id":{case.pk},'
                                   f'"case_number":{_quote(case.number)},'
                                   f'"subject":{_quote(case.subject.name)},'
                                   f'"at":{_quote(event.at_text)},',
                            f'"link":{_quote(case_link(case.pk))},')
                says_link, rest = self._text(event.shape, notice.audience)
                if notice not in self.notices:
                    self.notices[notice] = tuple(
                        field.get_db_prep_save(value, db) for field, value in zip(
                            _fields(Message, ("template", "audience", "legal")),
                            (notice.template, notice.audience, notice.legal), strict=True))
                for suffix, values in self._deliveries(notice, recipients, preferences):
                    deliveries.append((pk, f"{pk}{suffix}", now, *values))
                yield (pk, f"audit:{event.row[0]}:{notice.audience}", event.shape.context["event"],
                       *self.notices[notice], event.case.pk,
                       recipients.department.pk if recipients.department is not None else None,
                       f"{owns[1]}{owns[2]}{rest}" if says_link else f"{owns[1]}{rest}")

        copy_rows(Message, MESSAGE_FILLED, messages())
        delivery_ids = reserve_ids(Delivery, len(deliveries))
        copy_rows(Delivery, _delivery_filled(), (
            (pk, *delivery) for pk, delivery in zip(delivery_ids, deliveries, strict=True)))
        enqueue_after_commit(list(message_ids))

    def _text(self, shape: _Shape, audience: str) -> tuple[bool, str]:
        """The JSON of the shape's context as ``audience`` reads it (context_for), without
        the row's keys; and whether the row's own link is one of them."""
        from notifications.services import context_for

        if audience not in shape.texts:
            context = context_for(audience, shape.context)
            says_link = context.get("link") == shape.context.get("link")
            rest = {name: value for name, value in context.items()
                    if name not in ROW_KEYS or (name == "link" and not says_link)}
            shape.texts[audience] = (says_link, _canonical(rest)[1:])
        return shape.texts[audience]

    def _recipients(self, audience: str, event: _Event) -> tuple[Any, dict[int, Any]]:
        """notifications.services.resolve, read once per audience and department."""
        from notifications.choices import Audience
        from notifications.services import preferences_of, staff_of

        addressed = (event.case.owner_department if Audience(audience) == Audience.OWNER
                     else event.department)
        if addressed is None:
            return staff_of([]), {}
        key = (audience, addressed.pk)
        if key not in self.recipients:
            recipients = staff_of([addressed])
            recipients.department = addressed
            self.recipients[key] = (recipients, preferences_of(recipients.users))
        return self.recipients[key]

    def _deliveries(self, notice: Any, recipients: Any,
                    preferences: dict[int, Any]) -> list[tuple[str, tuple[Any, ...]]]:
        """planned_deliveries of one audience and department, once: each delivery's key
        after the message's id, and its columns after DELIVERY_OWN."""
        from notifications.models import Message
        from notifications.services import planned_deliveries

        department = recipients.department.pk if recipients.department is not None else 0
        key = (notice.audience, department, notice.legal)
        if key not in self.deliveries:
            probe = Message(pk=0, legal=notice.legal)
            self.deliveries[key] = [
                (delivery.key[1:], _prepared(delivery, _delivery_filled()[len(DELIVERY_OWN):]))
                for delivery in planned_deliveries(probe, recipients, preferences)
            ]
        return self.deliveries[key]


DETAIL_NAMES: dict[str, tuple[str, ...]] = {}  # model → the DETAIL_FIELDS it has


@functools.cache
def _hash_template() -> str:
    """canonical_json of hashed_fields (its keys sorted, no spaces), each value a format field."""
    names = sorted(hashed_fields(AuditEvent(at=timezone.now())))
    return "{{" + ",".join(f'"{name}":{{{name}}}' for name in names) + "}}"


def _quote(value: Any) -> str:
    """A str, int or None as canonical_json writes it."""
    if value is None:
        return "null"
    if isinstance(value, str):
        return str(encode_basestring(value))
    if type(value) is int:
        return str(value)
    return _canonical(value)


def _json(value: Any) -> str:
    """The canonical text of what the JSON column reads back (casework.audit.json_safe): what
    the hash covers, and what jsonb stores.

    json_safe is a round trip through DjangoJSONEncoder; canonical_json encodes with the same
    encoder, so both give the same text unless the value holds a float (jsonb reads numbers
    back its own way) or a dict key that is not text (JSON makes it text, which sorts
    otherwise): only those values take the round trip."""
    return _canonical(audit.json_safe(value) if _round_trip(value) else value)


def _round_trip(value: Any) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, dict):
        return any(not isinstance(key, str) or _round_trip(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(_round_trip(item) for item in value)
    return False


@functools.cache
def _filled(model: type[Model], *own: str) -> tuple[str, ...]:
    """The columns a row of ``model`` fills: ``own`` first, then every other concrete field
    but the moments the insert stamps (auto_now, auto_now_add)."""
    rest = [field.attname for field in model._meta.concrete_fields
            if field.attname not in own and not _stamps(field)]
    return (*own, *rest)


def _stamps(field: Any) -> bool:
    return bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))


def _deadline_filled() -> tuple[str, ...]:
    from workflows.models import Deadline

    return _filled(Deadline, *DEADLINE_OWN)


def _timeline_filled() -> tuple[str, ...]:
    from workflows.models import DeadlineEvent

    return _filled(DeadlineEvent, *TIMELINE_OWN)


def _delivery_filled() -> tuple[str, ...]:
    from notifications.models import Delivery

    return _filled(Delivery, *DELIVERY_OWN)


def _deadline_facts(deadline: Any) -> dict[str, Any]:
    from notifications.services import deadline_facts

    return deadline_facts(deadline)


# Fields whose get_db_prep_save on PostgreSQL is the attribute's value itself (checked and
# converted by the model's field checks): read as they are, nothing to prepare.
PLAIN_FIELDS = (models.AutoField, models.BigAutoField, models.CharField, models.TextField,
                models.IntegerField, models.PositiveIntegerField, models.PositiveSmallIntegerField,
                models.PositiveBigIntegerField, models.SmallIntegerField, models.BigIntegerField,
                models.BooleanField, models.DateField, models.DateTimeField)


def _is_plain(field: Any) -> bool:
    from django_fsm import FSMField

    if field.is_relation:
        field = field.target_field
    return type(field) in PLAIN_FIELDS or type(field) is FSMField


def _prepared(obj: Model, attnames: tuple[str, ...]) -> tuple[Any, ...]:
    """The instance's values of ``attnames`` as the insert sends them (get_db_prep_save,
    only where a field prepares its value: JSON, an encrypted identifier, another backend)."""
    db = connections[DEFAULT_DB_ALIAS]
    return tuple(getattr(obj, name) if field is None else _db_value(field, getattr(obj, name), db)
                 for name, field in _preparers(type(obj), attnames, db.vendor))


def _db_value(field: Any, value: Any, db: Any) -> Any:
    """field.get_db_prep_save(value); on PostgreSQL a JSON value as its text, encoded now
    (get_db_prep_save wraps it, and the COPY would encode it again for every row)."""
    if db.vendor == "postgresql" and isinstance(field, models.JSONField) and value is not None:
        return json.dumps(value, cls=field.encoder, ensure_ascii=False)
    return field.get_db_prep_save(value, db)


@functools.cache
def _preparers(model: type[Model], attnames: tuple[str, ...], vendor: str) -> list[tuple[str, Any]]:
    """Each attname with its field, or None where the value goes as it is."""
    return [(field.attname, None if vendor == "postgresql" and _is_plain(field) else field)
            for field in _fields(model, attnames)]


def _fields(model: type[Model], attnames: Sequence[str]) -> list[Any]:
    by_attname = {field.attname: field for field in model._meta.concrete_fields}
    return [by_attname[name] for name in attnames]


def _case_state(case: Case) -> dict[str, Any]:
    """casework.audit.case_state_of before json_safe (``_json`` gives the same text)."""
    return {name: getattr(case, name) for name in CASE_STATE_FIELDS}


def _prefetched_bases(bases: tuple[LegalBasis, ...]) -> Any:
    """Legal bases as a case's prefetched ``legal_bases``: the guards read them without a
    query (the cases citing the same bases share it; nothing changes it)."""
    cached = LegalBasis.objects.all()
    cached._result_cache = list(bases)
    cached._prefetch_done = True  # type: ignore[attr-defined]
    return cached


def measures_by_basis(items: Sequence[Determination]) -> dict[int, list[Measure]]:
    """The active catalogue measures of the items' legal bases, read once."""
    bases = {basis.pk for item in items for basis in item.legal_bases}
    found: dict[int, list[Measure]] = {}
    for measure in Measure.objects.filter(legal_basis__in=bases, active=True).select_related(
        "department"
    ).order_by("pk"):
        found.setdefault(measure.legal_basis_id, []).append(measure)
    return found


def _measures_of(item: Determination, catalogue: dict[int, list[Measure]]) -> list[Measure]:
    """effects.measures_for for a new case (no measures chosen): distinct, applying to its list."""
    seen: dict[int, Measure] = {}
    for basis in item.legal_bases:
        for measure in catalogue.get(basis.pk, []):
            seen.setdefault(measure.pk, measure)
    return [measure for measure in sorted(seen.values(), key=lambda m: m.pk)
            if measure.applies_to(item.list_type)]


def next_case_numbers(department: Department, count: int) -> list[str]:
    """``count`` case numbers of the department, from one update of its counter."""
    year = timezone.localdate().year
    counter, _created = CaseNumberCounter.objects.select_for_update().get_or_create(
        department=department, year=year
    )
    first = counter.last + 1
    counter.last += count
    counter.save(update_fields=["last"])
    return [f"{department.code}-{year}-{serial:05d}" for serial in range(first, first + count)]


def reserve_ids(model: type[Model], count: int) -> list[int]:
    """``count`` primary keys of ``model``'s table, taken now, as ``count`` inserts would take them."""
    if count == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) "
                           "FROM generate_series(1, %s)", [table, count])
            return [row[0] for row in cursor.fetchall()]
        # SQLite: the table's AUTOINCREMENT counter; the write lock is held (the counter above).
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        cursor.execute(f'SELECT MAX(id) FROM "{table}"')  # noqa: S608 - a model's table name
        last = max(row[0] if row else 0, cursor.fetchone()[0] or 0)
    return list(range(last + 1, last + count + 1))


def copy_rows(model: type[Model], filled: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert ``rows`` of ``model`` (values of the ``filled`` attnames, as get_db_prep_save
    gives them) with one ``COPY`` on PostgreSQL; returns how many.

    The fields not filled take what an insert gives them: the moment for auto_now and
    auto_now_add (one per call), else their default, prepared once. Other databases: one
    executemany of an INSERT.
    """
    db = connections[DEFAULT_DB_ALIAS]  # the connection itself, not the per-thread proxy
    fields = _fields(model, filled)
    others = [field for field in model._meta.concrete_fields if field.attname not in filled]
    stamped = [field for field in others if _stamps(field)]
    defaulted = [field for field in others if not _stamps(field)]
    for field in defaulted:
        if field.primary_key or (callable(field.default) and field.default not in (dict, list)):
            raise ValueError(f"{model.__name__}.{field.name} needs a value in each row")
    now = timezone.now()
    tail = (*(field.get_db_prep_save(now, db) for field in stamped),
            *(_db_value(field, field.get_default(), db) for field in defaulted))
    columns = ", ".join(db.ops.quote_name(field.column) for field in [*fields, *stamped, *defaulted])
    table = db.ops.quote_name(model._meta.db_table)
    count = 0
    with db.wrap_database_errors, db.cursor() as cursor:
        if db.vendor != "postgresql":
            adapt = _adapter(db)
            marks = ", ".join(["%s"] * (len(fields) + len(tail)))
            values = [[adapt(value) for value in (*row, *tail)] for row in rows]
            if values:
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", values)  # noqa: S608 - model metadata
            return len(values)
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # noqa: S608 - model metadata
            write = copy.write_row
            for row in rows:
                write((*row, *tail))
                count += 1
    return count


def _adapter(db: Any) -> Callable[[Any], Any]:
    """A row value as the backend's driver takes it (dates and moments as the fields adapt them)."""
    def adapt(value: Any) -> Any:
        if isinstance(value, datetime):
            return db.ops.adapt_datetimefield_value(value)
        if isinstance(value, date):
            return db.ops.adapt_datefield_value(value)
        return value
    return adapt


def _count(transitions: dict[tuple[str, str], int]) -> None:
    from operations.metrics import TRANSITIONS

    for (machine, name), count in transitions.items():
        TRANSITIONS.labels(machine=machine, name=name).inc(count)


def _push_live(count: int) -> None:
    from oversight.live import push

    push("transition", count)
