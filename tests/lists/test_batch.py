"""The batch door (casework.services.batch) writes what the per-case services write, row for row."""

import csv
import dataclasses
from datetime import date, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection, models, transaction
from django.utils import timezone

from casework.audit import verify_chains
from casework.choices import CaseOrigin, LegalBasisKind
from casework.models import AuditEvent, Case, CreditIndexEntry, LegalBasis, Measure, MeasureTask
from casework.services import batch
from casework.services.batch.rows import RECORD
from lists.models import ListEntry
from lists.services import Summary, import_list
from notifications.models import Delivery, Message, Preference
from tests.conftest import Cast
from tests.lists.files import good_row, write_csv
from workflows.case import CaseState
from workflows.models import Deadline, DeadlineEvent

pytestmark = pytest.mark.django_db

APPS = ("casework", "workflows", "notifications", "lists")
# Written at "now" by either path: the moments differ, everything else must not.
MOMENTS = {"created_at", "updated_at", "opened_at", "at", "next_attempt_at", "hash", "prev_hash", "seal"}


class Undo(Exception):
    pass


class IntDays(models.IntegerChoices):
    WEEK = 7


def table_rows() -> dict[str, list[dict[str, Any]]]:
    """Every row of the project's tables, the moments left out (link tables sorted by value)."""
    dump: dict[str, list[dict[str, Any]]] = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label not in APPS:
            continue
        rows = []
        for row in model.objects.order_by("pk").values():
            row = {name: value for name, value in row.items() if name not in MOMENTS}
            if model is Message:
                row["context"] = {k: v for k, v in row["context"].items() if k != "at"}
            if model._meta.auto_created:
                row.pop("id")
            rows.append(row)
        if model._meta.auto_created:
            rows.sort(key=lambda row: sorted(row.items()))
        dump[model._meta.label] = rows
    return dump


def sequences() -> list[tuple[str, str, int | None]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT schemaname, sequencename, last_value FROM pg_sequences")
        return list(cursor.fetchall())


def restore(saved: list[tuple[str, str, int | None]]) -> None:
    """PostgreSQL does not roll sequences back (SQLite's counters roll back with the savepoint)."""
    with connection.cursor() as cursor:
        for schema, name, last in saved:
            if last is None:
                cursor.execute("SELECT setval(%s, 1, false)", [f'"{schema}"."{name}"'])
            else:
                cursor.execute("SELECT setval(%s, %s, true)", [f'"{schema}"."{name}"', last])


def rows_written(path: Path, cast: Cast, *, batched: bool, undo: bool,
                 batch_size: int = 500) -> tuple[dict[str, Any], Summary]:
    saved = sequences() if connection.vendor == "postgresql" else []
    summary = Summary()
    try:
        with transaction.atomic():
            summary = import_list(path, cast.officer, batched=batched, batch_size=batch_size)
            written = table_rows()
            if undo:
                raise Undo
    except Undo:
        restore(saved)
    return written, summary


@pytest.fixture
def wide_cast(list_cast: Cast) -> Cast:
    """A second measure on the basis (to another department), a joint officer with an e-mail
    address and an officer with a phone: more than one task, clock and delivery per row."""
    Measure.objects.create(code="limit-honours", title="限制评优评先",
                           legal_basis=list_cast.measure.legal_basis, department=list_cast.ndrc,
                           list_types="serious")
    list_cast.joint_officer.email = "joint@example.cn"
    list_cast.joint_officer.save(update_fields=["email"])
    Preference.objects.create(user=list_cast.officer, phone="13800000000")
    return list_cast


def mixed_good_rows(cast: Cast) -> list[dict[str, str]]:
    return [
        good_row(cast, 1),
        good_row(cast, 2, subject_identifier="11010519491231002X", subject_name="张某",
                 subject_kind="natural_person", list_type="focus", dishonesty_class="general"),
        good_row(cast, 3, determining_authority="鞍山市中级人民法院", document_number="（2025）辽03执123号"),
        good_row(cast, 4, decided_on="2024-12-31", document_number=""),
    ]


@pytest.mark.parametrize(("batch_size", "listing_years"), [(500, None), (2, None), (500, 3)])
def test_the_batch_path_writes_the_same_rows_as_the_per_row_path(
    wide_cast: Cast, tmp_path: Path, batch_size: int, listing_years: int | None
) -> None:
    """Rows of one shape (rows 1, 3 and 5: the same list, class and decision date) share
    their clocks' and notices' computed parts; each keeps its own case, subject and ids.
    Chunks of two: what a chunk works out once starts again in the next. A legal basis
    setting its own listing period: the maximum publication clock takes it on both paths."""
    if listing_years is not None:
        LegalBasis.objects.filter(pk=wide_cast.measure.legal_basis_id).update(
            listing_years=listing_years)
    rows = [*mixed_good_rows(wide_cast), good_row(wide_cast, 5, subject_name="鞍山某五公司")]
    path = write_csv(tmp_path / "list.csv", rows)

    one_by_one, first = rows_written(path, wide_cast, batched=False, undo=True, batch_size=batch_size)
    batched, second = rows_written(path, wide_cast, batched=True, undo=False, batch_size=batch_size)

    assert (first.imported, second.imported) == (5, 5)
    assert len(one_by_one["casework.Case"]) == 5 and len(one_by_one["casework.MeasureTask"]) == 8
    assert len(one_by_one["notifications.Delivery"]) > len(one_by_one["notifications.Message"]) > 0
    assert {label: len(rows) for label, rows in batched.items()} == {
        label: len(rows) for label, rows in one_by_one.items()}
    for label, rows in one_by_one.items():
        assert batched[label] == rows, repr((label, _diff(batched[label], rows)))
    if listing_years is not None:
        assert {row["length"] for row in batched["workflows.Deadline"]
                if row["step"] == "publication_max"} == {listing_years * 12}


def test_the_batch_path_is_a_few_statements_per_chunk_not_per_row(
    list_cast: Cast, tmp_path: Path, django_assert_max_num_queries: Any
) -> None:
    path = write_csv(tmp_path / "list.csv", [good_row(list_cast, serial) for serial in range(1, 41)])

    # The per-case path sends about a hundred statements per row; the batch a few per chunk
    # and table (SQLite splits a long insert in several, PostgreSQL does not).
    with django_assert_max_num_queries(80):
        summary = import_list(path, list_cast.officer)

    assert summary.imported == 40
    assert MeasureTask.objects.count() == 40 and Deadline.objects.count() == 120
    assert AuditEvent.objects.filter(object_type="measuretask").count() == 40


def test_audit_chains_of_a_batch_import_verify(list_cast: Cast, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "list.csv", [good_row(list_cast, serial) for serial in range(1, 6)])
    import_list(path, list_cast.officer)

    assert [fault for _chain, fault in verify_chains()] == [None] * 5
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert out.getvalue().strip() == f"5 chains, {AuditEvent.objects.count()} events, 0 broken"
    case = Case.objects.order_by("pk").first()
    assert list(AuditEvent.objects.filter(case=case).order_by("seq").values_list("seq", "action")) == [
        (1, "created"), (2, "record_determination"), (3, "created")]


def expired_basis() -> LegalBasis:
    """In force on the decision date, no longer today: the row passes the file's checks, the
    case's guard (an active legal basis allowing the list) refuses it."""
    return LegalBasis.objects.create(
        kind=LegalBasisKind.LOCAL_REGULATION, title="鞍山市某废止办法", article="第五条",
        allows_serious_list=True, allows_focus_list=True, active_from=date(2020, 1, 1),
        active_until=timezone.localdate() - timedelta(days=30),
    )


@pytest.mark.parametrize("batched", [True, False])
def test_a_row_the_services_refuse_is_reported_with_its_line_and_nothing_of_it_is_written(
    list_cast: Cast, tmp_path: Path, batched: bool
) -> None:
    expired_basis()
    rows = [good_row(list_cast, 1), good_row(list_cast, 2, legal_basis="鞍山市某废止办法 第五条"),
            good_row(list_cast, 3)]
    path = write_csv(tmp_path / "list.csv", rows)

    summary = import_list(path, list_cast.officer, batched=batched)

    assert (summary.imported, summary.rejected) == (2, 1)
    assert summary.errors_path is not None
    with summary.errors_path.open(encoding="utf-8-sig", newline="") as stream:
        [rejected] = list(csv.DictReader(stream))
    assert (rejected["line"], rejected["reason_code"]) == ("3", "legal_basis_required")
    assert rejected["reason"]
    refused = rows[1]["subject_identifier"]
    assert not Case.objects.filter(subject__identifier=refused).exists()
    assert not CreditIndexEntry.objects.filter(identifier=refused).exists()
    assert not ListEntry.objects.filter(natural_key__contains=rows[1]["document_number"]).exists()
    assert (Case.objects.count(), MeasureTask.objects.count(), Deadline.objects.count(),
            DeadlineEvent.objects.count()) == (2, 2, 6, 6)
    assert AuditEvent.objects.filter(case__isnull=False).count() == 6
    # The staff hear of the chunk in one digest per department (notifications.digests),
    # counting the two cases written and not the refused one.
    assert Message.objects.exclude(template="import_digest").filter(case__isnull=True).count() == 0
    assert sorted((message.audience, message.context["cases"], message.context["tasks"])
                  for message in Message.objects.filter(template="import_digest")) == [
        ("joint", 2, 2), ("owner", 2, 2)]
    assert Delivery.objects.exclude(message__case__in=Case.objects.all()).exclude(
        message__template="import_digest").count() == 0
    assert [fault for _chain, fault in verify_chains()] == [None, None]


def test_an_unknown_hook_sends_the_import_through_the_per_case_services(
    list_cast: Cast, tmp_path: Path
) -> None:
    from casework import hooks

    seen: list[str] = []

    def spy(event: Any) -> None:
        seen.append(f"{event.obj._meta.model_name}.{event.name}")

    hooks.register("notifications", spy)
    try:
        assert not batch.batch_supported()
        import_list(write_csv(tmp_path / "a.csv", [good_row(list_cast, 1)]), list_cast.officer)
    finally:
        hooks.unregister("notifications", spy)
    # The transition's effect (pushing the measures) runs before its notices.
    assert seen == ["case.created", "measuretask.created", "case.record_determination"]
    assert batch.batch_supported()


def test_a_clock_that_runs_only_for_some_cases_sends_the_import_through_the_per_case_services(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from workflows.hooks import SLA_MAP, Open

    assert batch.batch_supported()
    key = ("case", RECORD)
    actions = list(SLA_MAP[key])
    conditional = dataclasses.replace(next(a for a in actions if isinstance(a, Open)),
                                      when="is_determined_here")
    monkeypatch.setitem(SLA_MAP, key, [*actions, conditional])
    # Clocks.open opens a clock for every case of its event: it cannot honour ``when``.
    assert not batch.batch_supported()


def _diff(left: list[dict[str, Any]], right: list[dict[str, Any]]) -> list[Any]:
    return [(i, {k: (a.get(k), b.get(k)) if not isinstance(a.get(k), dict) else _diff([a[k]], [b[k]])
                 for k in a if a.get(k) != b.get(k)})
            for i, (a, b) in enumerate(zip(left, right, strict=True)) if a != b]


def test_a_notice_context_names_only_the_keys_the_batch_knows_as_row_or_shape(list_cast: Cast) -> None:
    """The batch renders transition_context once per shape and sets each row's own keys
    (batch.ROW_KEYS); a key it does not know would carry the first row's value to the others."""
    from casework.hooks import TransitionEvent
    from notifications.services import transition_context

    case = Case.objects.create(subject=list_cast.subject, owner_department=list_cast.owner,
                               list_type="serious", dishonesty_class="serious", facts="f",
                               number="T-1", drafter=list_cast.officer)
    context = transition_context(TransitionEvent(case, case, "created", "", case.state,
                                                 list_cast.officer, {}, timezone.now()), deadlines=[])

    assert set(context) == {*batch.ROW_KEYS, *batch.SHAPE_KEYS}
    assert not set(batch.ROW_KEYS) & set(batch.SHAPE_KEYS)


@pytest.mark.parametrize("value", [
    {"listed_from": date(2025, 3, 1), "state": "listed", "version": 2, "none": None, "yes": True},
    {"at": timezone.now(), "nested": [{"b": 1, "a": "文"}], "tuple": (1, 2)},
    {"ratio": 1e16, "negative": -0.0, "half": 0.5},
    {10: "ten", 9: "nine"},
    {"state": [CaseState.DRAFT, CaseState.LISTED], "origin": CaseOrigin.IMPORTED, "kind": LegalBasisKind.LAW},
    {"deep": {"states": (CaseState.LISTED,), "ratio": [0.25]}},
    {"days": IntDays.WEEK, "keys": {IntDays.WEEK: "seven"}},
])
def test_the_batch_hashes_the_text_json_safe_gives(value: dict[Any, Any]) -> None:
    """casework.audit.json_safe's round trip, skipped where it changes nothing, gives the same
    canonical text (what the audit hash covers): the choices' enums as their text or number, a
    float or an integer key inside them still taking the round trip."""
    from casework.audit import json_safe
    from casework.models.audit import canonical_json

    assert batch.json_text(value) == canonical_json(json_safe(value))


def test_a_case_state_made_from_its_template_is_the_text_json_text_gives() -> None:
    """chain.state_text fills a template per everything but the number and the subject: the
    same text as json_text, braces and quotes in the values kept, a float or a value holding
    the template's own marks sending it back to json_text."""
    from casework.services.batch.chain import json_text, state_text

    templates: dict[tuple[Any, ...], str] = {}
    states = [
        {"state": CaseState.LISTED, "version": 2, "number": 'scjgj-2026-{0}"', "subject_id": 12,
         "owner_department_id": 1, "list_type": "serious", "dishonesty_class": "se{rious}"},
        {"state": CaseState.LISTED, "version": 2, "number": "scjgj-2026-00013", "subject_id": 13,
         "owner_department_id": 1, "list_type": "serious", "dishonesty_class": "se{rious}"},
        {"state": "draft", "version": 1.5, "number": "文-1", "subject_id": 5,
         "owner_department_id": None, "list_type": "focus", "dishonesty_class": "general"},
        {"state": "draft", "version": 1, "number": "a-1", "subject_id": 5,
         "owner_department_id": None, "list_type": "\ue000number\ue000", "dishonesty_class": "x"},
        {"state": "draft", "version": 1, "number": None, "subject_id": 5},
    ]
    for state in [*states, *states]:
        assert state_text(state, templates) == json_text(state)
    assert len(templates) == 3 and sum(1 for text in templates.values() if text) == 2


def test_a_case_the_batch_makes_is_the_instance_the_model_makes(list_cast: Cast) -> None:
    """determinations._new_case fills a new case's __dict__ without Model.__init__: the same
    values and state as Case(**values); with a post_init receiver it goes through __init__."""
    from django.db.models.signals import post_init

    from casework.services.batch.determinations import _new_case

    values = {"id": 7, "number": "T-7", "subject_id": list_cast.subject.pk,
              "owner_department_id": list_cast.owner.pk, "list_type": "serious",
              "dishonesty_class": "serious", "facts": "f", "drafter_id": list_cast.officer.pk}
    made, expected = _new_case(**values), Case(**values)
    assert {k: v for k, v in vars(made).items() if k != "_state"} == {
        k: v for k, v in vars(expected).items() if k != "_state"}
    assert (made._state.adding, made._state.db) == (True, None)
    seen: list[Any] = []

    def receiver(sender: Any, instance: Any, **kwargs: Any) -> None:
        seen.append(instance)

    post_init.connect(receiver, sender=Case)
    try:
        listened = _new_case(**values)
    finally:
        post_init.disconnect(receiver, sender=Case)
    assert seen == [listened]


def test_the_rules_ask_about_the_day_one_day_holds_to() -> None:
    """workflows.guards.one_day: the rules inside ask about the day given (the batch's, read
    once), outside about today."""
    from workflows.case import decision_recorded
    from workflows.guards import one_day, today

    tomorrow = timezone.localdate() + timedelta(days=1)
    case = Case(decided_on=tomorrow)
    assert today() == timezone.localdate() and not decision_recorded(case)
    with one_day(tomorrow):
        assert today() == tomorrow and decision_recorded(case)
    assert not decision_recorded(case)


def test_a_line_of_copy_text_reads_back_as_its_values() -> None:
    """bulk.copy_line writes what psycopg's write_row would: special characters escaped, None
    as NULL, booleans and integers as PostgreSQL reads them; a value of another type is left to
    psycopg (None)."""
    from casework.services.batch.bulk import copy_line

    values = ("a\tb", "c\\d\\N", "e\nf\r\x0b\x0c\x08", None, True, 7, "文", "", CaseState.LISTED)
    line = copy_line(values)
    assert line is not None and "\n" not in line and line.count("\t") == len(values) - 1
    for other in (date(2025, 3, 1), 0.5, IntDays.WEEK):
        assert copy_line(("x", other)) is None
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE copy_line_probe (a text, b text, c text, d text, "
                       "e boolean, f integer, g text, h text, i text)")
        with cursor.cursor.copy("COPY copy_line_probe FROM STDIN") as copy:
            copy.write(line + "\n")
        cursor.execute("SELECT * FROM copy_line_probe")
        assert cursor.fetchall() == [tuple(str(v) if isinstance(v, str) else v for v in values)]


def test_changes_since_values_read_are_the_changes_of_two_snapshots() -> None:
    """audit.changes_since(obj, field_values(obj) then) is field_changes of the snapshots then
    and now: the same fields, the same pairs, in the same order."""
    from casework import audit

    case = Case(pk=3, number="T-3", list_type="serious", dishonesty_class="serious", facts="f")
    before, snapshot = audit.field_values(case), audit.field_snapshot(case)
    case.facts, case.listed_from, case.published, case.version = "g", date(2025, 3, 1), True, 9
    expected = audit.field_changes(snapshot, audit.field_snapshot(case))
    assert list(expected) == ["facts", "listed_from", "published"]
    assert list(audit.changes_since(case, before).items()) == list(expected.items())


def test_the_batch_checks_a_value_once_and_refuses_a_bad_one_as_clean_fields_does(list_cast: Cast) -> None:
    """Batch._clean_fields remembers the values a field accepted within the chunk; a value
    that fails is refused with clean_fields' own error, naming its field."""
    from django.core.exceptions import ValidationError

    from casework.services.cases import RecordedDetermination

    def item(number: str) -> batch.Determination:
        return batch.Determination(
            subject=list_cast.subject, list_type="serious", dishonesty_class="serious",
            legal_bases=(list_cast.measure.legal_basis,), facts="拒不履行",
            recorded=RecordedDetermination(origin="imported", decided_on=date(2025, 3, 1),
                                           document_number=number))

    prepared = batch.prepare_determinations(list_cast.officer, [item("A-1"), item("A-1")])
    assert [case.document_number for case in prepared.cases] == ["A-1", "A-1"]
    with pytest.raises(ValidationError) as refused:
        batch.prepare_determinations(list_cast.officer, [item("A-1"), item("x" * 101)])
    assert list(refused.value.message_dict) == ["document_number"]
    assert not Case.objects.exists()
