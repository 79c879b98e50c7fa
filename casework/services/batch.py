"""Many recorded determinations in one transaction: the batch door of the list import.

``record_determinations`` writes what, for each item, ``open_case`` followed by
``advance(case, "record_determination")`` and one ``create_step`` per catalogue measure
write one case at a time — the same rows, in the same order — with a few statements per
chunk instead of about a hundred per case:

- the cases (ids reserved up front, each inserted once in its final state), their legal
  bases, and their case numbers from one counter update;
- the clocks each event opens, from the SLA map's ``Open`` actions and the policy in
  force on each clock's start date (looked up once per step, case kind and day);
- the audit events of every case's own hash chain (``created``, ``record_determination``,
  the measure tasks' ``created``), each recording the case as it was after the event, and
  the sealed chain heads;
- the credit-check index rows and the notices (messages and deliveries) of every event,
  the recipients read once per department.

The rules are the ones the per-case path asks (the actor's role and department, the
transition's guards, the model's field checks); a refused item raises ``ItemRefused``
naming its index, and nothing of the chunk is written. Hooks this module does not know
(``batch_supported``) send the caller back to the per-case path.
"""

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
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
from casework.models.audit import CASE_STATE_FIELDS, GENESIS_HASH
from casework.services.cases import RecordedDetermination, determining_department, require
from casework.services.engine import check_guards, transition_names
from workflows.guards import RuleRefused
from workflows.rules import staff_role

RECORD = "record_determination"
CREATED = "created"
# The events one recorded determination makes, by (model, event): what the batch writes.
EVENTS = (("case", CREATED), ("case", RECORD), ("measuretask", CREATED))
CASE_RELATIONS = ("subject", "owner_department", "drafter", "determined_by")


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


def known_receivers() -> dict[str, set[Callable[..., Any]]]:
    from casework import indexing
    from documents.issue import on_transition as documents_hook
    from notifications.services import on_transition as notifications_hook
    from operations import metrics
    from oversight.live import on_transition as oversight_hook
    from workflows.hooks import on_transition as deadlines_hook

    return {"deadlines": {deadlines_hook}, "indexes": {indexing.on_transition, documents_hook},
            "notifications": {notifications_hook, metrics.count_transition, oversight_hook}}


def batch_supported() -> bool:
    """The batch writes what the known hooks write; any other receiver needs the per-case path."""
    from documents.issue import ISSUES
    from workflows.hooks import SLA_MAP, Open

    receivers: Any = hooks._receivers  # keyed by hook kind (a Literal); looked up by str below
    known = known_receivers()
    if any(set(receivers[kind]) - known[kind] for kind in known):
        return False
    if any(event in ISSUES for event in EVENTS):
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


class _Batch:
    def __init__(self, actor: Any) -> None:
        self.actor = actor
        self.department: Department = actor.department
        self.policies: dict[tuple[Any, ...], Any] = {}
        self.recipients: dict[tuple[str, int | None], Any] = {}
        self.deadlines: dict[tuple[str, int], list[Any]] = {}  # (model, pk) → its clocks
        self.timeline: dict[int, Any] = {}  # id(deadline) → its "opened" timeline entry
        self.events: list[tuple[TransitionEvent, AuditEvent, dict[str, Any]]] = []
        self.tails: dict[str, AuditEvent] = {}
        self.transitions: Counter[tuple[str, str]] = Counter()

    # --- the cases ------------------------------------------------------------------------

    def run(self, items: Sequence[Determination]) -> list[Case]:
        from workflows.hooks import SLA_MAP

        numbers = next_case_numbers(self.department, len(items))
        ids = reserve_ids(Case, len(items))
        method_name = transition_names(Case())[RECORD]
        record_payload = payloads.parse(payloads.payload_class(Case(), RECORD), None)
        cases: list[Case] = []
        created_snapshots: list[dict[str, Any]] = []
        for index, (item, number, pk) in enumerate(zip(items, numbers, ids, strict=True)):
            case = Case(
                pk=pk, number=number, subject=item.subject, owner_department=self.department,
                list_type=item.list_type, dishonesty_class=item.dishonesty_class, facts=item.facts,
                drafter=self.actor, **item.recorded.case_fields(),
            )
            _cache_bases(case, item.legal_bases)
            try:
                if not item.legal_bases:
                    raise RuleRefused("legal_basis_required",
                                      _("A case must cite at least one legal basis."))
                # The foreign keys are rows this batch holds (no query per row to re-read them).
                case.clean_fields(exclude=["state", "legal_bases", "measures", *CASE_RELATIONS])
                case.clean()
                check_guards(case, RECORD, method_name, self.actor)
            except RuleRefused as error:
                raise ItemRefused(index, error) from None
            created_snapshots.append(_case_state(case))
            created_at = timezone.now()
            self._event(TransitionEvent(case, case, CREATED, "", case.state, self.actor, {
                "legal_bases": [basis.pk for basis in item.legal_bases],
                "recorded": item.recorded.as_payload(),
            }, created_at), created_snapshots[-1])
            before = audit.field_snapshot(case)
            source = case.state
            getattr(case, method_name)(self.actor, record_payload)
            event = TransitionEvent(case, case, RECORD, source, case.state, self.actor,
                                    record_payload, timezone.now())
            for action in SLA_MAP.get(("case", RECORD), []):
                self._open(action, event)
            case.version += 1
            self._event(event, _case_state(case), from_state=source,
                        changes=audit.field_changes(before, audit.field_snapshot(case)),
                        payload=payloads.as_audit(record_payload))
            cases.append(case)
        copy_create(Case, cases)
        through = Case.legal_bases.through
        copy_create(through, (
            through(case_id=case.pk, legalbasis_id=basis.pk)
            for case, item in zip(cases, items, strict=True) for basis in item.legal_bases
        ))
        tasks = self._push_measures(cases)
        self._write(cases, tasks)
        return cases

    def _push_measures(self, cases: list[Case]) -> dict[int, list[MeasureTask]]:
        """One measure task per catalogue measure of each case (``effects.measures_for``)."""
        from workflows.hooks import SLA_MAP

        tasks: dict[int, list[MeasureTask]] = {}
        rows: list[MeasureTask] = []
        catalogue = measures_by_basis(cases)
        for case in cases:
            for measure in _measures_of(case, catalogue):
                task = MeasureTask(case=case, measure=measure, department=measure.department)
                task.clean_fields(exclude=["state", "case", "measure", "department"])
                task.clean()
                tasks.setdefault(case.pk, []).append(task)
                rows.append(task)
        copy_create(MeasureTask, rows)
        for case in cases:
            for task in tasks.get(case.pk, []):
                event = TransitionEvent(task, case, CREATED, "", task.state, self.actor,
                                        {"measure": task.measure.code}, timezone.now())
                for action in SLA_MAP.get(("measuretask", CREATED), []):
                    self._open(action, event)
                self._event(event, _case_state(case))
        return tasks

    # --- clocks, audit, index, notices ------------------------------------------------------

    def _open(self, action: Any, event: TransitionEvent) -> None:
        """The deadlines hook's ``Open`` (workflows.hooks._open), the row not yet saved."""
        from workflows import services as sla
        from workflows.hooks import _start_date

        obj, case = event.obj, event.case
        target = case if action.on_case else obj
        length = getattr(obj, action.length_from, None) if action.length_from else None
        started_on: date = _start_date(getattr(obj, action.start) if action.start else None)
        is_task = obj._meta.model_name == "measuretask"
        key = sla.Context(case).policy_key(action.step, started_on)
        if key not in self.policies:
            self.policies[key] = sla.Context(case).policy(action.step, started_on)
        deadline, opened = sla.build_deadline(
            target, case, action.step, started_on=started_on, length=length,
            mirror_field=action.mirror, department=obj.department if is_task else None,
            actor=self.actor, policy=self.policies[key],
        )
        self.deadlines.setdefault((target._meta.model_name, target.pk), []).append(deadline)
        self.timeline[id(deadline)] = opened

    def _event(self, event: TransitionEvent, case_state: dict[str, Any], *, from_state: str = "",
               changes: dict[str, Any] | None = None, payload: dict[str, Any] | None = None) -> None:
        """The audit event of ``event`` on its case's chain (casework.audit.append), not saved."""
        case, obj = event.case, event.obj
        chain = audit.chain_of(case)
        tail = self.tails.get(chain)
        record = AuditEvent(
            chain=chain, seq=tail.seq + 1 if tail else 1, case=case,
            object_type=obj._meta.model_name or "", object_id=obj.pk, action=event.name,
            from_state=from_state, to_state=event.target,
            actor=self.actor if getattr(self.actor, "pk", None) else None,
            actor_department_id=getattr(self.actor, "department_id", None), at=event.at,
            changes=audit.json_safe(changes or {}),
            payload=audit.json_safe(event.data if payload is None else payload),
            case_state=case_state, prev_hash=tail.hash if tail else GENESIS_HASH,
        )
        record.hash = record.compute_hash()
        self.tails[chain] = record
        event.audit_event = record
        # What the notices say, as the object is now (the case changes at its next event).
        from notifications.services import deadline_facts, transition_context

        clocks = [deadline_facts(deadline)
                  for deadline in self.deadlines.get((obj._meta.model_name, obj.pk), [])]
        self.events.append((event, record, transition_context(event, deadlines=clocks)))
        self.transitions[(obj._meta.model_name, event.name)] += 1

    def _write(self, cases: list[Case], tasks: dict[int, list[MeasureTask]]) -> None:
        from casework import indexing
        from workflows.models import Deadline, DeadlineEvent

        ordered = []  # the clocks in the order the per-case path opens them
        for case in cases:
            ordered += self.deadlines.get(("case", case.pk), [])
            for task in tasks.get(case.pk, []):
                ordered += self.deadlines.get(("measuretask", task.pk), [])
        copy_create(Deadline, ordered)
        entries = []
        for deadline in ordered:
            opened = self.timeline[id(deadline)]
            opened.deadline = deadline
            entries.append(opened)
        copy_create(DeadlineEvent, entries)
        # Each case's events together, as the per-case path writes them (and their notices).
        position = {case.pk: index for index, case in enumerate(cases)}
        self.events.sort(key=lambda pair: (position[pair[1].case_id], pair[1].seq))  # type: ignore[index]  # a batch's audit rows all carry their case
        copy_create(AuditEvent, [record for _event, record, _context in self.events])
        copy_create(AuditHead, (_head(record) for record in self.tails.values()))
        copy_create(CreditIndexEntry, (
            CreditIndexEntry(case_id=case.pk, **indexing.entry_fields(
                case, tasks.get(case.pk, []), objection_open=False))
            for case in cases if case.listed_from is not None
        ))
        self._notify()
        transitions = dict(self.transitions)
        transaction.on_commit(lambda: _count(transitions))
        transaction.on_commit(lambda: _push_live(len(self.events)))

    def _notify(self) -> None:
        """notifications.services.on_transition for every event: messages, then deliveries."""
        from notifications.models import Delivery, Message
        from notifications.services import (
            context_for,
            enqueue_after_commit,
            notices_for,
            planned_deliveries,
        )

        messages: list[tuple[Message, Any, dict[int, Any]]] = []
        for event, record, context in self.events:
            obj = event.obj
            for notice in notices_for(obj._meta.model_name, event.name):
                recipients, preferences = self._recipients(notice.audience, event.case, obj)
                if not recipients:
                    continue
                message = Message(
                    key=f"audit:{record.pk}:{notice.audience}", event=context["event"],
                    template=notice.template, audience=notice.audience, legal=notice.legal,
                    case=event.case, department=recipients.department,
                    context=context_for(notice.audience, context),
                )
                messages.append((message, recipients, preferences))
        # notifications.services.write_message, the rows written together.
        copy_create(Message, [message for message, _recipients, _preferences in messages])
        deliveries: list[Delivery] = []
        for message, recipients, preferences in messages:
            deliveries += planned_deliveries(message, recipients, preferences)
        copy_create(Delivery, deliveries)
        enqueue_after_commit([message.pk for message, _recipients, _preferences in messages])

    def _recipients(self, audience: str, case: Case, obj: Any) -> tuple[Any, dict[int, Any]]:
        """notifications.services.resolve, read once per audience and department."""
        from notifications.choices import Audience
        from notifications.services import preferences_of, resolve

        addressed = {Audience.OWNER: case.owner_department,
                     Audience.JOINT: getattr(obj, "department", None)}.get(Audience(audience))
        if addressed is None:  # the subject's own accounts, or an audience of no department
            recipients = resolve(audience, case, obj)
            return recipients, preferences_of(recipients.users)
        key = (audience, addressed.pk)
        if key not in self.recipients:
            recipients = resolve(audience, case, obj)
            self.recipients[key] = (recipients, preferences_of(recipients.users))
        return self.recipients[key]


def _case_state(case: Case) -> dict[str, Any]:
    return audit.json_safe({name: getattr(case, name) for name in CASE_STATE_FIELDS})


def _head(record: AuditEvent) -> AuditHead:
    head = AuditHead(chain=record.chain, seq=record.seq, hash=record.hash)
    head.seal = head.compute_seal()
    return head


def _cache_bases(case: Case, bases: tuple[LegalBasis, ...]) -> None:
    """The case's legal bases as if prefetched: the guards read them without a query."""
    cached = LegalBasis.objects.all()
    cached._result_cache = list(bases)
    cached._prefetch_done = True  # type: ignore[attr-defined]
    case._prefetched_objects_cache = {"legal_bases": cached}  # type: ignore[attr-defined]


def measures_by_basis(cases: list[Case]) -> dict[int, list[Measure]]:
    """The active catalogue measures of the cases' legal bases, read once."""
    bases = {basis.pk for case in cases for basis in case.legal_bases.all()}
    found: dict[int, list[Measure]] = {}
    for measure in Measure.objects.filter(legal_basis__in=bases, active=True).select_related(
        "department"
    ).order_by("pk"):
        found.setdefault(measure.legal_basis_id, []).append(measure)
    return found


def _measures_of(case: Case, catalogue: dict[int, list[Measure]]) -> list[Measure]:
    """effects.measures_for for a new case (no measures chosen): distinct, applying to its list."""
    seen: dict[int, Measure] = {}
    for basis in case.legal_bases.all():
        for measure in catalogue.get(basis.pk, []):
            seen.setdefault(measure.pk, measure)
    return [measure for measure in sorted(seen.values(), key=lambda m: m.pk)
            if measure.applies_to(case.list_type)]


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


def copy_create(model: type[Model], objs: Any) -> list[Any]:
    """``model.objects.bulk_create(objs)`` through one ``COPY`` on PostgreSQL.

    The rows are the ones bulk_create writes (each field's ``pre_save`` and
    ``get_db_prep_save``, so defaults, timestamps and encrypted columns are the same); the
    primary keys are taken from the table's sequence first, as the inserts would take them.
    Django's bulk insert spends most of its time quoting the rows' JSON into arrays (the
    notices' context, the audit payloads); COPY sends each value once. Other databases:
    bulk_create.
    """
    objs = list(objs)
    if not objs:
        return objs
    if connection.vendor != "postgresql":
        return model._default_manager.bulk_create(objs)
    missing = [obj for obj in objs if obj.pk is None]
    for obj, value in zip(missing, reserve_ids(model, len(missing)), strict=True):
        obj.pk = value
    fields = model._meta.concrete_fields
    db = connections[DEFAULT_DB_ALIAS]  # the connection itself, not the per-thread proxy
    columns = ", ".join(db.ops.quote_name(field.column or field.name) for field in fields)
    table = db.ops.quote_name(model._meta.db_table)
    prepare = [(field.pre_save, field.get_db_prep_save) for field in fields]
    with db.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # noqa: S608 - model metadata
            for obj in objs:
                copy.write_row([prep(pre_save(obj, True), db) for pre_save, prep in prepare])
    for obj in objs:
        obj._state.adding = False
        obj._state.db = db.alias
    return objs


def _count(transitions: dict[tuple[str, str], int]) -> None:
    from operations.metrics import TRANSITIONS

    for (machine, name), count in transitions.items():
        TRANSITIONS.labels(machine=machine, name=name).inc(count)


def _push_live(count: int) -> None:
    from oversight.live import push

    push("transition", count)
