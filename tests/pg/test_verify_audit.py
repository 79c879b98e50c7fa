"""`manage.py verify_audit` finds rows altered or removed behind the trigger's back."""

from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.db import connection

from casework.models import AuditEvent, Case
from tests.conftest import Cast

TRIGGER = "casework_auditevent_append_only"


@contextmanager
def trigger_disabled() -> Iterator[None]:
    """What an attacker with table-owner rights (or a restore gone wrong) can do."""
    with connection.cursor() as cursor:
        # ALTER TABLE refuses while the test's transaction has deferred FK checks pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE casework_auditevent DISABLE TRIGGER {TRIGGER}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE casework_auditevent ENABLE TRIGGER {TRIGGER}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def tamper(sql: str, params: list[object]) -> None:
    with trigger_disabled(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def verify_audit(*args: str) -> tuple[list[str], str]:
    """Run the command; return its stdout lines and its stderr."""
    out, err = StringIO(), StringIO()
    call_command("verify_audit", *args, stdout=out, stderr=err)
    return out.getvalue().splitlines(), err.getvalue()


def verify_audit_refuses(*args: str) -> tuple[list[str], str]:
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("verify_audit", *args, stdout=out, stderr=err)
    return out.getvalue().splitlines(), str(refused.value)


def event_of(case: Case, seq: int) -> AuditEvent:
    return AuditEvent.objects.get(chain=f"case:{case.pk}", seq=seq)


@pytest.mark.django_db
def test_verify_audit_passes_an_untampered_database(cast: Cast) -> None:
    cast.listed_case()
    cast.notified_case(subject=cast.other_subject)
    events = AuditEvent.objects.count()

    lines, err = verify_audit()

    assert lines == [f"2 chains, {events} events, 0 broken"]
    assert err == ""


@pytest.mark.django_db
@pytest.mark.parametrize(("column", "sql"), [
    ("payload", "payload = payload || '{\"note\": \"已补正\"}'::jsonb"),
    ("to_state", "to_state = 'withdrawn'"),
])
def test_verify_audit_names_an_event_altered_behind_the_trigger(cast: Cast, column: str, sql: str) -> None:
    case = cast.listed_case()
    altered = event_of(case, 2)
    tamper(f"UPDATE casework_auditevent SET {sql} WHERE id = %s", [altered.pk])
    events = AuditEvent.objects.count()

    lines, message = verify_audit_refuses()

    assert lines == [
        f"BROKEN event {altered.pk} chain case:{case.pk} seq 2: content does not match its hash (altered)",
        f"1 chains, {events} events, 1 broken",
    ]
    assert message == "1 broken audit chain(s); see the BROKEN lines above."


@pytest.mark.django_db
def test_verify_audit_names_the_next_event_when_an_altered_event_was_rehashed(cast: Cast) -> None:
    case = cast.listed_case()
    altered = event_of(case, 2)
    altered.to_state = "withdrawn"
    tamper("UPDATE casework_auditevent SET to_state = %s, hash = %s WHERE id = %s",
           [altered.to_state, altered.compute_hash(), altered.pk])

    lines, _message = verify_audit_refuses()

    assert lines[0] == (
        f"BROKEN event {event_of(case, 3).pk} chain case:{case.pk} seq 3: "
        "previous hash does not match the event before it"
    )


@pytest.mark.django_db
def test_verify_audit_reports_a_sequence_gap_when_a_middle_event_is_deleted(cast: Cast) -> None:
    case = cast.listed_case()
    deleted = event_of(case, 2).pk
    tamper("DELETE FROM documents_document WHERE audit_event_id = %s", [deleted])  # what it produced
    tamper("DELETE FROM casework_auditevent WHERE id = %s", [deleted])
    events = AuditEvent.objects.count()

    lines, _message = verify_audit_refuses()

    assert lines == [
        f"BROKEN event {event_of(case, 3).pk} chain case:{case.pk} seq 3: sequence gap: expected 2, found 3",
        f"1 chains, {events} events, 1 broken",
    ]


@pytest.mark.django_db
def test_verify_audit_case_option_checks_only_that_case(cast: Cast) -> None:
    tampered = cast.listed_case()
    intact = cast.notified_case(subject=cast.other_subject)
    tamper("UPDATE casework_auditevent SET action = 'withdraw' WHERE id = %s", [event_of(tampered, 2).pk])

    intact_lines, _err = verify_audit("--case", str(intact.pk))
    tampered_lines, _message = verify_audit_refuses("--case", str(tampered.pk))

    intact_events = AuditEvent.objects.filter(case=intact).count()
    tampered_events = AuditEvent.objects.filter(case=tampered).count()
    assert intact_lines == [f"1 chains, {intact_events} events, 0 broken"]
    assert tampered_lines == [
        f"BROKEN event {event_of(tampered, 2).pk} chain case:{tampered.pk} seq 2: "
        "content does not match its hash (altered)",
        f"1 chains, {tampered_events} events, 1 broken",
    ]


@pytest.mark.django_db
def test_verify_audit_case_option_refuses_a_case_whose_events_are_all_gone(cast: Cast) -> None:
    case = cast.open_case()
    tamper("DELETE FROM casework_auditevent WHERE case_id = %s", [case.pk])

    lines, message = verify_audit_refuses("--case", str(case.pk))

    assert lines == [f"BROKEN chain case:{case.pk}: the case has no audit events (its chain was deleted)",
                     "1 chains, 0 events, 1 broken"]
    assert message == "1 broken audit chain(s); see the BROKEN lines above."


@pytest.mark.django_db
def test_verify_audit_case_option_refuses_an_unknown_case(cast: Cast) -> None:
    lines, message = verify_audit_refuses("--case", "999999")

    assert (lines, message) == ([], "No case with id 999999.")


@pytest.mark.django_db
def test_verify_audit_writes_progress_to_stderr(cast: Cast) -> None:
    cast.open_case()
    cast.open_case(subject=cast.other_subject)

    lines, err = verify_audit("--progress-every", "1")

    assert err.splitlines() == ["… 1 chains checked, 0 broken so far", "… 2 chains checked, 0 broken so far"]
    assert lines[-1].startswith("2 chains, ")


@pytest.mark.django_db(transaction=True)
def test_verify_audit_command_line_exits_1_on_a_broken_chain_and_0_otherwise(
    cast: Cast, capsys: pytest.CaptureFixture[str]
) -> None:
    case = cast.notified_case()
    execute_from_command_line(["manage.py", "verify_audit"])  # no SystemExit: status 0
    assert capsys.readouterr().out.endswith(" 0 broken\n")
    tamper("UPDATE casework_auditevent SET payload = '{}'::jsonb WHERE id = %s", [event_of(case, 1).pk])

    with pytest.raises(SystemExit) as exit_status:
        execute_from_command_line(["manage.py", "verify_audit"])

    assert exit_status.value.code == 1
    captured = capsys.readouterr()
    assert f"BROKEN event {event_of(case, 1).pk} chain case:{case.pk} seq 1" in captured.out
    assert "CommandError: 1 broken audit chain(s)" in captured.err
