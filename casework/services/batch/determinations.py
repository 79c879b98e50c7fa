"""The batch door itself: each item checked as ``open_case`` and the transition check it,
then the chunk's cases, legal bases, measure tasks, clocks, audit chains, credit-index rows
and notices written."""

import functools
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import signals
from django.db.models.base import ModelState
from django.db.models.expressions import DatabaseDefault
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework import audit, hooks, payloads
from casework.models import (
    AuditEvent,
    Case,
    CaseNumberCounter,
    CreditIndexEntry,
    Department,
    LegalBasis,
    Measure,
    MeasureTask,
)
from casework.models.audit import audit_key
from casework.services.batch import bulk, chain
from casework.services.batch.clocks import Clock, Clocks
from casework.services.batch.notices import AUDIENCES, Notices
from casework.services.batch.rows import CREATED, EVENTS, RECORD, Determination, Event, ItemRefused, Task
from casework.services.cases import determining_department, require
from casework.services.engine import check_guards, take_checked, transition_names
from workflows.guards import RuleRefused, one_day
from workflows.rules import staff_role

if TYPE_CHECKING:
    from notifications.digests import Digest

CASE_RELATIONS = ("subject", "owner_department", "drafter", "determined_by")
# What the batch does not check with the case's fields: its state (the transition sets it),
# its relations (the batch holds them) and its many-to-many fields.
CLEAN_EXCLUDED = ("state", "legal_bases", "measures", *CASE_RELATIONS)
_UNSEEN = object()


def batch_supported() -> bool:
    """The batch writes what the receivers declared in casework/hooks.py write; any other
    receiver connected to a transition point needs the per-case path.

    So does a clock a measure task's creation opens that shows its date on the task
    (``mirror``) or takes its start or length from it (a task is written as a plain row), and
    a notice to an audience other than the owner and the joint department, and a clock that
    runs only for some objects (``Open.when``): the batch's clocks (``Clocks.open``) open for
    every object of their event.
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
    return all(isinstance(action, Open) and not action.when
               for event in EVENTS for action in SLA_MAP.get(event, []))


def record_determinations(actor: Any, items: Sequence[Determination],
                          digest: "Digest | None" = None) -> list[Case]:
    """Record every item as a listed case, as the per-case path would; one transaction."""
    prepared = prepare_determinations(actor, items, digest)
    with transaction.atomic():
        return prepared.write()


def prepare_determinations(actor: Any, items: Sequence[Determination],
                           digest: "Digest | None" = None) -> "Batch":
    """Check and build every item (raising ItemRefused, nothing written); its ``write()``
    then takes the case numbers and writes the rows, in the caller's transaction.

    The building only reads (the catalogue, the policies, the recipients) and takes ids
    from the sequences, so it may run outside the transaction that writes, on another
    connection: the list import builds the next chunk while a writer thread commits this
    one (lists.services). The case numbers are the one thing taken at ``write()``, with the
    counter row locked until that transaction ends, so a rolled-back write takes none.

    ``digest`` (an import's, notifications.digests): the staff notices it takes are gathered
    there and written by ``write()`` as its digests, instead of one message per event.
    """
    require([staff_role], None, actor)
    require([determining_department], actor.department, actor)
    batch = Batch(actor, digest)
    if items:
        batch.build(items)
    return batch


class Batch:
    def __init__(self, actor: Any, digest: "Digest | None" = None) -> None:
        self.actor = actor
        self.digest = digest
        self.cleaned: dict[tuple[str, type, Any], Any] = {}  # (field, type, value) → as cleaned
        self.department: Department = actor.department
        self.actor_id = actor.pk if getattr(actor, "pk", None) else None
        self.actor_department_id = getattr(actor, "department_id", None)
        self.key = audit_key()
        self.tz = timezone.get_current_timezone()
        self.bases: dict[tuple[int, ...], Any] = {}  # the cases' legal bases, as prefetched
        self.bases_of: dict[int, tuple[int, ...]] = {}  # case pk → its legal bases' pks
        self.clocks = Clocks(actor, self.bases_of)
        self.notices = Notices(actor)
        # measure pk → a task of it (checked), its row after id and case_id, its audit payload
        self.tasks: dict[int, tuple[MeasureTask, bulk.Shared, str]] = {}
        self.events: list[Event] = []
        self.transitions: Counter[tuple[str, str]] = Counter()
        self.seq = 0  # the last sequence number of the chain being written
        self.minutes: dict[int, str] = {}
        self.changes_texts: dict[tuple[Any, ...], str] = {}  # _changes_text
        self.audit_ids: Iterator[int] = iter(())
        self.items: Sequence[Determination] = ()
        self.cases: list[Case] = []
        self.case_tasks: list[list[Task]] = []

    # --- the cases ------------------------------------------------------------------------

    def build(self, items: Sequence[Determination]) -> None:
        """Every item checked and built (its case, clocks, audit events, notices' shapes),
        the case numbers aside: each case holds a placeholder until ``write()``, and its
        audit events the case's state as a dict, its number filled in there."""
        from workflows.hooks import SLA_MAP

        case_opens = SLA_MAP.get(("case", RECORD), [])
        task_opens = SLA_MAP.get(("measuretask", CREATED), [])
        catalogue = measures_by_basis(items)
        measures = [_measures_of(item, catalogue) for item in items]
        task_count = sum(len(found) for found in measures)
        ids = iter(bulk.reserve_ids(Case, len(items)))
        task_ids = iter(bulk.reserve_ids(MeasureTask, task_count))
        self.audit_ids = iter(bulk.reserve_ids(AuditEvent, 2 * len(items) + task_count))
        method_name = transition_names(Case())[RECORD]
        record_payload = payloads.parse(payloads.payload_class(Case(), RECORD), None)
        record_audit = chain.json_text(payloads.as_audit(record_payload))
        placeholder = f"{self.department.code}-0-0"  # a valid number, replaced in write()
        cases: list[Case] = []
        tasks: list[list[Task]] = []
        # The guards ask about the day the clocks open from (Clocks.today), read once.
        with one_day(self.clocks.today):
            for index, item in enumerate(items):
                try:
                    case = self._case(item, next(ids), placeholder, method_name)
                    created_state = chain.case_state(case)
                    created_payload = chain.json_text({
                        "legal_bases": [basis.pk for basis in item.legal_bases],
                        "recorded": item.recorded.as_payload(),
                    })
                    self._event(case, case, CREATED, "", case.state, timezone.now(), "{}",
                                created_payload, created_state, [])
                    before = audit.field_values(case)
                    source = case.state
                    take_checked(case, method_name, self.actor, record_payload)  # _case checked its guards
                    at = timezone.now()
                    clocks = [clock for action in case_opens
                              if (clock := self.clocks.open(action, case, case, case)) is not None]
                    case.version += 1
                    changes = audit.changes_since(case, before)
                    state = chain.case_state(case)
                    self._event(case, case, RECORD, source, case.state, at, self._changes_text(changes),
                                record_audit, state, clocks, from_state=source)
                    case_tasks = []
                    for measure in measures[index]:
                        task = self._task(case, measure, next(task_ids))
                        template = self.tasks[measure.pk][0]
                        clocks = [clock for action in task_opens
                                  if (clock := self.clocks.open(action, case, task, template)) is not None]
                        self._event(task, case, CREATED, "", task.state, timezone.now(), "{}",
                                    self.tasks[measure.pk][2], state, clocks)
                        case_tasks.append(task)
                except RuleRefused as error:
                    raise ItemRefused(index, error) from None
                cases.append(case)
                tasks.append(case_tasks)
        self.items, self.cases, self.case_tasks = items, cases, tasks

    def write(self) -> list[Case]:
        """The built chunk's case numbers (its counter row locked until the caller's
        transaction ends) and every row; the cases, numbered."""
        if not self.cases:
            return []
        numbers = next_case_numbers(self.department, len(self.cases))
        for case, number in zip(self.cases, numbers, strict=True):
            case.number = number
        # Each event's case state, as the case was after it, with its number: one text per
        # state (a case's record_determination and its tasks' events share theirs).
        states = [event.row[14] for event in self.events]  # alive while their ids are keys
        texts: dict[int, str] = {}
        templates: dict[tuple[Any, ...], str] = {}
        for event in self.events:
            state = event.row[14]
            text = texts.get(id(state))
            if text is None:
                state["number"] = event.case.number
                text = texts[id(state)] = chain.state_text(state, templates)
            event.row[14] = text
        del states
        self._write(self.cases, self.items, self.case_tasks)
        return self.cases

    def _changes_text(self, changes: dict[str, Any]) -> str:
        """chain.json_text of a transition's changes, once per distinct changes in the batch
        (a chunk's cases mostly change the same fields from the same values to the same
        values): told apart by each value's type as well as the value (1, 1.0 and True are
        equal, not written alike)."""
        try:
            key = tuple((name, type(old), old, type(new), new) for name, (old, new) in changes.items())
            text = self.changes_texts.get(key)
        except (TypeError, ValueError):  # a value not hashable, or not a pair: made every time
            return chain.json_text(changes)
        if text is None:
            text = self.changes_texts[key] = chain.json_text(changes)
        return text

    def _case(self, item: Determination, pk: int, number: str, method_name: str) -> Case:
        """The case as open_case builds it, checked as it checks it."""
        case = _new_case(
            id=pk, number=number, subject_id=item.subject.pk, owner_department_id=self.department.pk,
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
        self._clean_fields(case)
        case.clean()
        check_guards(case, RECORD, method_name, self.actor)
        return case

    def _clean_fields(self, case: Case) -> None:
        """``case.clean_fields`` (the relations and the state aside), each field's check run
        once per value in the batch: the same field's check of the same value gives the same
        answer (the case's fields are the standard ones, their checks read only the value), and
        a chunk's cases share most of their values (list, class, origin, decision date, the
        defaults). A value that fails is checked again by ``clean_fields`` itself, which
        raises as the per-case path does."""
        cleaned = self.cleaned
        for field in _checked_case_fields():
            raw = getattr(case, field.attname)
            if (field.blank and raw in field.empty_values) or isinstance(raw, DatabaseDefault):
                continue
            try:
                key = (field.attname, type(raw), raw)
                value = cleaned.get(key, _UNSEEN)
            except TypeError:  # not hashable: checked every time
                key, value = None, _UNSEEN
            if value is _UNSEEN:
                try:
                    value = field.clean(raw, case)
                except ValidationError:
                    case.clean_fields(exclude=list(CLEAN_EXCLUDED))
                    raise
                if key is not None:
                    cleaned[key] = value
            setattr(case, field.attname, value)

    def _task(self, case: Case, measure: Measure, pk: int) -> Task:
        """One measure task (effects.measures_for); its field checks once per measure."""
        if measure.pk not in self.tasks:
            task = MeasureTask(pk=pk, case=case, measure=measure, department=measure.department)
            task.clean_fields(exclude=["state", "case", "measure", "department"])
            task.clean()
            payload = chain.json_text({"measure": measure.code})
            self.tasks[measure.pk] = (task, bulk.shared(task, bulk.filled(MeasureTask, "id", "case_id")[2:]),
                                      payload)
        template = self.tasks[measure.pk][0]
        return Task(pk=pk, case_id=case.pk, measure=measure, department=measure.department,
                    department_id=measure.department_id, state=template.state)

    # --- audit events -----------------------------------------------------------------------

    def _event(self, obj: Any, case: Case, name: str, source: str, target: str, at: datetime,
               changes: str, payload: str, case_state: dict[str, Any], clocks: list[Clock],
               *, from_state: str = "") -> None:
        """The audit event of one transition on its case's chain (casework.audit.append)."""
        is_task = type(obj) is Task
        case_id = case.id
        if is_task:
            model_name, object_id, template = "measuretask", obj.pk, self.tasks[obj.measure.pk][0]
        else:
            model_name, object_id, template = "case", case_id if obj is case else obj.pk, obj
        seq = self.seq = 1 if name == CREATED and not is_task else self.seq + 1
        row = [next(self.audit_ids), f"case:{case_id}", seq, case_id, model_name, object_id, name,
               from_state, target, self.actor_id, self.actor_department_id, at, changes, payload,
               case_state, "", ""]  # prev_hash and hash: chained as the rows are written (chain.chained)
        shape = self.notices.shape(obj, template, case, model_name, name, source, target, at, clocks)
        self.events.append(Event(row=row, case=case, object_id=object_id,
                                 department=obj.department if is_task else None,
                                 model_name=model_name, name=name, shape=shape,
                                 at_text=self._minute(at),
                                 measure=obj.measure.title if is_task else None))
        self.transitions[(model_name, name)] += 1

    def _minute(self, at: datetime) -> str:
        """notifications.services.plain of a moment (local time, to the minute), once a minute."""
        minute = int(at.timestamp()) // 60
        text = self.minutes.get(minute)
        if text is None:
            text = self.minutes[minute] = at.astimezone(self.tz).strftime("%Y-%m-%d %H:%M")
        return text

    # --- the writes -------------------------------------------------------------------------

    def _write(self, cases: list[Case], items: Sequence[Determination],
               tasks: list[list[Task]]) -> None:
        from casework import indexing

        now = timezone.now()
        for case in cases:
            case.created_at = now  # auto_now_add, as the insert stamps it
        case_filled = bulk.filled(Case, "id")
        bulk.copy_rows(Case, case_filled, (bulk.prepared(case, case_filled) for case in cases))
        through = Case.legal_bases.through
        links = [(case.pk, basis.pk) for case, item in zip(cases, items, strict=True)
                 for basis in item.legal_bases]
        bulk.copy_rows(through, ("id", "case_id", "legalbasis_id"), (
            (pk, *link) for pk, link in zip(bulk.reserve_ids(through, len(links)), links, strict=True)))
        bulk.copy_rows(MeasureTask, bulk.filled(MeasureTask, "id", "case_id"), (
            (task.pk, task.case_id, self.tasks[task.measure.pk][1])  # the measure's columns, formatted once
            for case_tasks in tasks for task in case_tasks))
        self.clocks.write()
        chain.write(self.events, self.key)
        identifier = CreditIndexEntry._meta.get_field("identifier")
        db = connections[DEFAULT_DB_ALIAS]
        index_filled = bulk.filled(CreditIndexEntry, "case_id")

        repairs = indexing.repair_histories({case.subject_id for case in cases})
        json_fields = [CreditIndexEntry._meta.get_field(name) for name in ("measures", "talks", "repairs")]

        # The JSON columns' prepared values, once per chunk where many rows say the same: the
        # measures of the same measure tasks (entry_fields writes each task's measure, its
        # department and state, which a chunk's tasks of one measure share), an empty list.
        json_texts: dict[tuple[Any, ...], Any] = {}

        def json_key(name: str, value: Any, case_tasks: list[Task]) -> tuple[Any, ...] | None:
            if type(value) is list and not value:
                return (name,)
            if name == "measures":
                return (name, *((task.measure.pk, task.department_id, task.state) for task in case_tasks))
            return None

        def index_rows() -> Iterator[tuple[Any, ...]]:
            for case, case_tasks in zip(cases, tasks, strict=True):
                if case.listed_from is None:
                    continue
                fields = indexing.entry_fields(case, case_tasks, objection_open=False,  # type: ignore[arg-type]  # Task has what entry_fields reads of a task
                                               repairs=repairs.get(case.subject_id, []))
                fields["identifier"] = identifier.get_db_prep_save(fields["identifier"], db)
                for field in json_fields:
                    value = fields[field.name]
                    key = json_key(field.name, value, case_tasks)
                    if key is None:
                        fields[field.name] = bulk.db_value(field, value, db)
                        continue
                    text = json_texts.get(key, _UNSEEN)
                    if text is _UNSEEN:
                        text = json_texts[key] = bulk.db_value(field, value, db)
                    fields[field.name] = text
                yield (case.id, *(fields[name] for name in index_filled[1:]))

        bulk.copy_rows(CreditIndexEntry, index_filled, index_rows())
        self.notices.write(notify_order(self.events), now, self.digest)
        if self.digest is not None:
            self.digest.write()
        transitions = dict(self.transitions)
        count = len(self.events)
        transaction.on_commit(lambda: _count(transitions))
        transaction.on_commit(lambda: _push_live(count))


def notify_order(events: list[Event]) -> list[Event]:
    """The events in the order the per-case path writes their notices: a case's
    ``record_determination`` notifies after the measure tasks its effect created (the
    ``effects`` point runs before ``notifications``, casework/hooks.py), while its audit
    event comes before theirs."""
    ordered: list[Event] = []
    held: Event | None = None
    for event in events:
        if held is not None and not (event.model_name == "measuretask" and event.case is held.case):
            ordered.append(held)
            held = None
        if event.model_name == "case" and event.name == RECORD:
            held = event
        else:
            ordered.append(event)
    if held is not None:
        ordered.append(held)
    return ordered


def _new_case(**values: Any) -> Case:
    """``Case(**values)`` (attnames), made through the model's positional constructor: every
    other field takes its default, worked out once (Django's keyword path looks up each field
    by name and asks its default again for every instance)."""
    defaults = _case_defaults()
    if defaults is None:
        return Case(**values)
    args = [values.pop(name, default) for name, default in defaults]
    if values:
        raise TypeError(f"Case has no fields {sorted(values)}")
    if not _plain_case() or signals.pre_init.has_listeners(Case) or signals.post_init.has_listeners(Case):
        return Case(*args)
    # What Case(*args) makes, without Model.__init__'s setattr of each field: its fields'
    # descriptors store the values as they are (fixed_sql.plain_init), no receiver listens.
    case = Case.__new__(Case)
    case._state = ModelState()
    case.__dict__.update(zip([name for name, _default in defaults], args, strict=True))
    return case


@functools.cache
def _plain_case() -> bool:
    from casework.fixed_sql import plain_init

    return plain_init(Case)


@functools.cache
def _case_defaults() -> tuple[tuple[str, Any], ...] | None:
    """Each concrete field's attname and default, in order; None where a default is callable
    (it must be called for each instance)."""
    fields = Case._meta.concrete_fields
    if any(field.has_default() and callable(field.default) for field in fields):
        return None
    return tuple((field.attname, field.get_default()) for field in fields)


@functools.cache
def _checked_case_fields() -> tuple[Any, ...]:
    """The fields Model.clean_fields checks on a case, CLEAN_EXCLUDED aside."""
    return tuple(field for field in Case._meta.fields
                 if field.name not in CLEAN_EXCLUDED and not getattr(field, "generated", False))


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


def _count(transitions: dict[tuple[str, str], int]) -> None:
    from operations.metrics import TRANSITIONS

    for (machine, name), count in transitions.items():
        TRANSITIONS.labels(machine=machine, name=name).inc(count)


def _push_live(count: int) -> None:
    from oversight.live import push

    push("transition", count)
