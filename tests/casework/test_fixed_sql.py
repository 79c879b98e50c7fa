"""The fixed SQL of the transition's hot path (casework/fixed_sql.py) reads and writes what the ORM does."""

from typing import Any

import pytest
from django.apps import apps
from django.db.models import Model
from django.db.models.signals import post_save, pre_save

from casework import fixed_sql, services
from casework.models import Case, Objection
from casework.services.engine import lock_case
from notifications.services import subject_accounts
from tests.conftest import Cast
from workflows.models import Deadline, DeadlineEvent


def written_by_fixed_sql() -> list[type[Model]]:
    """FIXED_SQL_MODELS and every model a transition is taken on (engine._lock, _apply)."""
    listed = [apps.get_model(label) for label in fixed_sql.FIXED_SQL_MODELS]
    machines = [model for model in apps.get_models() if hasattr(model, "get_all_state_transitions")]
    return [*listed, *(model for model in machines if model not in listed)]


def test_models_written_by_fixed_sql_have_no_save_receivers_and_no_save_override() -> None:
    models = written_by_fixed_sql()
    assert Objection in models and Case in models
    for model in models:
        assert not pre_save.has_listeners(model), model
        assert not post_save.has_listeners(model), model
        assert model.save is Model.save, f"{model.__name__} overrides save(): fixed_sql would skip it"


def field_values(obj: Model) -> dict[str, Any]:
    return {field.attname: getattr(obj, field.attname) for field in obj._meta.concrete_fields}


@pytest.mark.django_db
def test_lock_case_reads_the_case_its_department_and_subject_as_the_orm_does(cast: Cast) -> None:
    case = cast.listed_case()
    orm = Case.objects.select_related("owner_department", "subject").get(pk=case.pk)
    locked = lock_case(case.pk)
    assert field_values(locked) == field_values(orm)
    assert field_values(locked.owner_department) == field_values(orm.owner_department)
    assert field_values(locked.subject) == field_values(orm.subject)  # the identifier decrypted
    assert locked.subject.identifier and locked._state.db == "default" and not locked._state.adding


@pytest.mark.django_db
def test_select_converts_and_defers_as_the_orm_does(cast: Cast) -> None:
    objection = services.file_objection(cast.listed_case(), cast.subject_user, "认定事实有误")
    clocks = fixed_sql.select(Deadline, "case_id = %s AND closed_at IS NULL", [objection.case_id],
                              lock=True, order_by="id")
    orm = list(Deadline.objects.open().filter(case_id=objection.case_id).order_by("pk"))
    assert [field_values(clock) for clock in clocks] == [field_values(clock) for clock in orm]
    only = fixed_sql.select(Deadline, "id = %s", [orm[0].pk], fields=("due_on",))[0]
    every = {field.attname for field in Deadline._meta.concrete_fields}
    assert only.get_deferred_fields() == every - {"id", "due_on"}


@pytest.mark.django_db
def test_insert_and_update_write_what_save_writes(cast: Cast) -> None:
    objection = services.file_objection(cast.listed_case(), cast.subject_user, "认定事实有误")
    clock = Deadline.objects.filter(target_id=objection.pk).first()
    assert clock is not None
    copy = Deadline(**{f.attname: getattr(clock, f.attname) for f in Deadline._meta.concrete_fields
                       if not f.primary_key and f.attname != "opened_at"})
    fixed_sql.insert([copy])
    assert copy.pk and copy.pk != clock.pk and copy.opened_at is not None  # auto_now_add
    stored = Deadline.objects.get(pk=copy.pk)
    assert {k: v for k, v in field_values(stored).items() if k not in ("id", "opened_at")} == {
        k: v for k, v in field_values(clock).items() if k not in ("id", "opened_at")}
    copy.failures, copy.escalation_level = 3, 1
    assert fixed_sql.update(copy, ("failures",)) == 1
    stored = Deadline.objects.get(pk=copy.pk)
    assert (stored.failures, stored.escalation_level) == (3, 0)  # only the fields named
    copy.pk = 10**12
    with pytest.raises(Exception, match="did not affect any rows"):
        fixed_sql.update(copy, ("failures",))
    assert fixed_sql.update(copy, ("failures",), missing_ok=True) == 0


@pytest.mark.django_db
def test_write_together_updates_inserts_and_links_children_to_the_parents_it_inserts(cast: Cast) -> None:
    objection = services.file_objection(cast.listed_case(), cast.subject_user, "认定事实有误")
    clock = Deadline.objects.filter(target_id=objection.pk).first()
    assert clock is not None
    new = [Deadline(**{f.attname: getattr(clock, f.attname) for f in Deadline._meta.concrete_fields
                       if not f.primary_key and f.attname != "opened_at"}) for _ in range(2)]
    clock.failures = 5
    events = [DeadlineEvent(deadline=new[1], kind="opened", detail={"n": 1}),
              DeadlineEvent(deadline=clock, kind="met", detail={}),
              DeadlineEvent(deadline=new[0], kind="opened", detail={"n": 0})]
    fixed_sql.write_together([(clock, ("failures",))], new, events, "deadline")
    assert all(row.pk for row in [*new, *events]) and new[0].pk != new[1].pk
    assert Deadline.objects.get(pk=clock.pk).failures == 5
    stored = {event.pk: (event.deadline_id, event.detail) for event in DeadlineEvent.objects.filter(
        pk__in=[event.pk for event in events])}
    assert stored == {events[0].pk: (new[1].pk, {"n": 1}), events[1].pk: (clock.pk, {}),
                      events[2].pk: (new[0].pk, {"n": 0})}
    assert [event.deadline_id for event in events] == [new[1].pk, clock.pk, new[0].pk]
    clock.pk = 10**12
    with pytest.raises(Exception, match="did not affect any rows"):
        fixed_sql.write_together([(clock, ("failures",))], [], [DeadlineEvent(deadline=new[0], kind="met")],
                                 "deadline")


@pytest.mark.django_db
def test_subject_accounts_come_with_their_preferences(cast: Cast) -> None:
    from notifications.models import Preference

    Preference.objects.update_or_create(user=cast.subject_user, defaults={"phone": "13800000000"})
    recipients = subject_accounts(cast.listed_case())
    assert [user.pk for user in recipients.users] == [cast.subject_user.pk]
    assert recipients.preferences is not None
    assert recipients.preferences[cast.subject_user.pk].phone == "13800000000"
    assert recipients.users[0].notification_preference.phone == "13800000000"


@pytest.mark.django_db
def test_insert_writes_many_rows_in_statements_of_at_most_a_hundred(cast: Cast) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from workflows.choices import TimelineKind
    from workflows.models import DeadlineEvent

    objection = services.file_objection(cast.listed_case(), cast.subject_user, "认定事实有误")
    clock = Deadline.objects.filter(target_id=objection.pk).first()
    assert clock is not None
    events = [DeadlineEvent(deadline=clock, kind=TimelineKind.RECOMPUTED, new_due=clock.due_on,
                            detail={"n": n}) for n in range(2 * fixed_sql.ROWS_PER_INSERT + 5)]
    with CaptureQueriesContext(connection) as captured:
        fixed_sql.insert(events)
    assert len(captured.captured_queries) == 3
    assert len({event.pk for event in events}) == len(events)
    stored = DeadlineEvent.objects.filter(pk__in=[event.pk for event in events]).order_by("pk")
    assert [event.detail["n"] for event in stored] == list(range(len(events)))


@pytest.mark.django_db
def test_audit_append_inserts_the_event_and_moves_the_head_in_one_statement(cast: Cast) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from casework import audit
    from casework.models import AuditHead

    case = cast.listed_case()
    with CaptureQueriesContext(connection) as captured:
        event = audit.append(obj=case, action="noted", actor=cast.officer, case=case,
                             case_state=audit.case_state_of(case))
    writes = [query["sql"] for query in captured.captured_queries
              if query["sql"].startswith(("INSERT", "UPDATE", "WITH"))]
    assert len(writes) == (1 if connection.vendor == "postgresql" else 2), writes
    head = AuditHead.objects.get(chain=event.chain)
    assert (head.seq, head.hash) == (event.seq, event.hash) and event.seq > 1
    assert [broken for _chain, broken in audit.verify_chains(only_chain=event.chain)] == [None]


@pytest.mark.django_db
def test_audit_append_to_a_chain_without_a_head_inserts_the_head(cast: Cast) -> None:
    from casework import audit
    from casework.models import AuditHead

    chain = audit.chain_of(None, cast.other)
    AuditHead.objects.filter(chain=chain).delete()
    event = audit.append(obj=cast.other, action="noted", actor=cast.officer, case=None,
                         department=cast.other)
    head = AuditHead.objects.get(chain=chain)
    assert (head.seq, head.hash) == (event.seq, event.hash)
    assert head.seal == head.compute_seal()


@pytest.mark.django_db
def test_a_transition_extends_its_chain_from_the_head_read_with_the_case_lock(cast: Cast) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from casework import audit
    from casework.models import AuditEvent, AuditHead

    objection = services.file_objection(cast.listed_case(), cast.subject_user, "认定事实有误")
    chain = audit.chain_of(objection.case)
    with CaptureQueriesContext(connection) as captured:
        services.advance(Objection.objects.get(pk=objection.pk), "accept", cast.officer)
    assert not [query["sql"] for query in captured.captured_queries
                if query["sql"].startswith("SELECT") and "casework_auditevent" in query["sql"]]
    last, before = AuditEvent.objects.filter(chain=chain).order_by("-seq")[:2]
    assert (last.seq, last.prev_hash) == (before.seq + 1, before.hash)
    head = AuditHead.objects.get(chain=chain)
    assert (head.seq, head.hash) == (last.seq, last.hash)
    assert [broken for _chain, broken in audit.verify_chains(only_chain=chain)] == [None]


@pytest.mark.django_db
def test_a_head_whose_seal_does_not_hold_is_not_extended_the_last_event_is(cast: Cast) -> None:
    from casework import audit
    from casework.models import AuditEvent, AuditHead

    objection = services.file_objection(cast.listed_case(), cast.subject_user, "认定事实有误")
    chain = audit.chain_of(objection.case)
    last = AuditEvent.objects.filter(chain=chain).order_by("-seq").first()
    assert last is not None
    AuditHead.objects.filter(chain=chain).update(seq=last.seq + 5, hash="f" * 64)  # seal now wrong
    services.advance(Objection.objects.get(pk=objection.pk), "accept", cast.officer)
    appended = AuditEvent.objects.filter(chain=chain).order_by("-seq").first()
    assert appended is not None and (appended.seq, appended.prev_hash) == (last.seq + 1, last.hash)


@pytest.mark.django_db
def test_value_of_writes_what_get_db_prep_save_does_for_each_kind_of_value() -> None:
    import datetime as dt
    import warnings

    from django.db import connection
    from django.utils import timezone

    from workflows.choices import DeadlineState, Step

    aware = timezone.now()
    clock = Deadline(state=DeadlineState.RUNNING, step=Step.OBJECTION_ACCEPT, party="x", length=5,
                     started_on=dt.date(2026, 3, 2), due_on=None, due_at=aware,
                     warn_at=dt.datetime(2026, 3, 2, 9, 0), closed_at=aware.astimezone(dt.UTC),
                     next_rung=7, mirror_field=timezone.localdate())
    for field in Deadline._meta.concrete_fields:
        if field.primary_key or getattr(field, "auto_now_add", False):
            continue
        with warnings.catch_warnings(record=True) as orm_warned:
            warnings.simplefilter("always")
            expected = field.get_db_prep_save(field.pre_save(clock, True), connection)
        with warnings.catch_warnings(record=True) as fixed_warned:
            warnings.simplefilter("always")
            value = fixed_sql.value_of(clock, fixed_sql.written(field), True)
        # The ORM wraps an int in the driver's Int2/Int4/Int8 (int subclasses): the same column value.
        same_type = type(value) is type(expected) or (type(value) is int and isinstance(expected, int))
        assert value == expected and same_type, (field.name, value, expected)
        assert len(fixed_warned) == len(orm_warned), field.name  # a naive date-time warns as save() does
    with pytest.warns(RuntimeWarning, match="naive datetime"):  # and made aware, as save() does
        fixed_sql.value_of(clock, fixed_sql.written(Deadline._meta.get_field("warn_at")), True)


@pytest.mark.django_db
def test_rows_become_the_instances_from_db_makes_and_init_receivers_still_run(cast: Cast) -> None:
    from django.db.models.signals import post_init

    objection = services.file_objection(cast.listed_case(), cast.subject_user, "认定事实有误")
    assert fixed_sql.plain_init(Deadline) and fixed_sql.plain_init(Objection)
    for model, pk in ((Deadline, Deadline.objects.filter(target_id=objection.pk).first().pk),  # type: ignore[union-attr]  # filed: a clock
                      (Objection, objection.pk)):
        read = fixed_sql.select(model, "id = %s", [pk])[0]
        orm = model.objects.get(pk=pk)
        assert type(read) is model and read.__dict__.keys() - {"_state"} == orm.__dict__.keys() - {"_state"}
        assert field_values(read) == field_values(orm) and read == orm
        assert (read._state.adding, read._state.db) == (False, "default")
    seen: list[Any] = []

    def receiver(sender: Any, instance: Any, **kwargs: Any) -> None:
        seen.append(instance)

    post_init.connect(receiver, sender=Objection)
    try:
        read = fixed_sql.select(Objection, "id = %s", [objection.pk])[0]
    finally:
        post_init.disconnect(receiver, sender=Objection)
    assert seen == [read]  # built by Model.__init__, which sends it


@pytest.mark.django_db
def test_insert_values_writes_what_insert_of_the_instance_writes(cast: Cast) -> None:
    from django.utils import timezone

    from casework.models import Evidence
    from notifications.choices import Audience, Channel
    from notifications.models import Delivery, Message

    message = Message.objects.create(key="values-test", event="objection.accept", template="t",
                                     audience=Audience.OWNER)
    now = timezone.now()
    [by_instance] = fixed_sql.insert([Delivery(message=message, channel=Channel.INAPP, recipient=cast.officer,
                                               next_attempt_at=now, key="by-instance")])
    keys = fixed_sql.insert_values(Delivery, [
        {"message_id": message.pk, "channel": Channel.INAPP, "recipient_id": cast.officer.pk,
         "next_attempt_at": now, "key": "by-values"},
        {"message_id": message.pk, "channel": Channel.EMAIL, "recipient_id": cast.officer.pk,
         "key": "second"}])
    first, second = (Delivery.objects.get(pk=key) for key in keys)
    differ = ("id", "key", "created_at")
    assert {k: v for k, v in field_values(first).items() if k not in differ} == {
        k: v for k, v in field_values(Delivery.objects.get(pk=by_instance.pk)).items() if k not in differ}
    assert first.key == "by-values" and first.created_at is not None  # auto_now_add, as pre_save sets it
    assert (second.channel, second.next_attempt_at, second.status, second.attempts) == (
        Channel.EMAIL, None, Delivery._meta.get_field("status").default, 0)  # the defaults
    with pytest.raises(TypeError, match="pre_save"):
        fixed_sql.insert_values(Evidence, [{}])  # a file field's pre_save saves the file


@pytest.mark.django_db
def test_staff_of_reads_the_staff_and_endpoints_the_orm_queries_read(cast: Cast) -> None:
    from casework import caches
    from casework.choices import Role
    from casework.models import User
    from notifications.models import Preference, WebhookEndpoint
    from notifications.services import staff_of

    department = cast.officer.department
    assert department is not None
    Preference.objects.update_or_create(user=cast.officer, defaults={"phone": "13800000000"})
    WebhookEndpoint.objects.create(name="system", department=department, url="https://example.org/hook",
                                   secret="s")
    caches.clear_all()
    for heads in (None, True, False):
        users = User.objects.filter(department_id__in=[department.pk], is_active=True).exclude(
            role=Role.SUBJECT)
        if heads is not None:
            users = users.filter(is_department_head=heads)
        expected = list(users.order_by("pk"))
        read = staff_of([department], heads=heads)
        assert [field_values(user) for user in read.users] == [field_values(user) for user in expected]
        endpoints = WebhookEndpoint.objects.filter(department_id__in=[department.pk], active=True)
        assert [field_values(endpoint) for endpoint in read.endpoints] == (
            [field_values(endpoint) for endpoint in endpoints] if heads is None else [])
    read = staff_of([department])
    assert cast.officer.pk in [user.pk for user in read.users] and len(read.endpoints) == 1
    assert read.preferences is not None and read.preferences[cast.officer.pk].phone == "13800000000"
