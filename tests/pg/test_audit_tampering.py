"""`verify_audit` sees what someone with write access to the database does behind the application.

Each test tampers as an attacker with the table owner's rights would (trigger disabled),
and without the audit key: hashes recomputed with plain SHA-256, heads copied from before.
"""

import hashlib
from pathlib import Path

import pytest

from casework import services
from casework.audit_digest import write_digest
from casework.models import AuditEvent, AuditHead, Case
from casework.models.audit import canonical_json, hashed_fields
from tests.conftest import Cast
from tests.pg.test_verify_audit import event_of, tamper, verify_audit, verify_audit_refuses

NOTES = 12


def long_case(cast: Cast) -> Case:
    """A listed case with a chain of 3 + NOTES events (escalation notes append to it)."""
    case = cast.listed_case()
    for number in range(NOTES):
        services.add_escalation_note(case, cast.leadership_user, f"第{number + 1}次督办")
    return case


def last_seq(case: Case) -> int:
    events = AuditEvent.objects.filter(chain=f"case:{case.pk}")
    return events.order_by("-seq").values_list("seq", flat=True)[0]


def delete_last(case: Case, count: int) -> int:
    end = last_seq(case)
    tamper("DELETE FROM casework_auditevent WHERE chain = %s AND seq > %s", [f"case:{case.pk}", end - count])
    return end


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 10])
def test_deleting_the_last_events_of_a_chain_is_reported(cast: Cast, count: int) -> None:
    case = long_case(cast)
    intact = cast.notified_case(subject=cast.other_subject)
    end = delete_last(case, count)

    lines, message = verify_audit_refuses()

    assert lines[:-1] == [f"BROKEN chain case:{case.pk}: the chain ends at seq {end - count} but its head "
                          f"is seq {end} (events deleted from its end)"]
    assert lines[-1].startswith("2 chains, ") and lines[-1].endswith(" 1 broken")
    assert verify_audit("--case", str(intact.pk))[0][-1].endswith(" 0 broken")


@pytest.mark.django_db
@pytest.mark.parametrize("with_head", [False, True])
def test_deleting_a_whole_chain_is_reported(cast: Cast, with_head: bool) -> None:
    case = cast.listed_case()
    # The attacker also removes the documents those events produced (they reference them).
    tamper("DELETE FROM documents_document WHERE audit_event_id IN "
           "(SELECT id FROM casework_auditevent WHERE case_id = %s)", [case.pk])
    tamper("DELETE FROM casework_auditevent WHERE case_id = %s", [case.pk])
    if with_head:
        AuditHead.objects.filter(chain=f"case:{case.pk}").delete()

    lines, _message = verify_audit_refuses()

    assert lines == [f"BROKEN chain case:{case.pk}: the case has no audit events (its chain was deleted)",
                     "1 chains, 0 events, 1 broken"]


def plain_sha256(event: AuditEvent) -> str:
    """The unkeyed hash of before: anyone with the row can compute it."""
    return hashlib.sha256(canonical_json(hashed_fields(event)).encode()).hexdigest()


@pytest.mark.django_db
def test_rewriting_an_event_and_recomputing_every_later_hash_is_reported(cast: Cast) -> None:
    case = long_case(cast)
    events = list(AuditEvent.objects.filter(chain=f"case:{case.pk}").order_by("seq"))
    rewritten = events[1]
    rewritten.payload = {"note": "已告知（伪造）"}
    prev_hash = events[0].hash
    for event in events[1:]:  # re-chain the rest, as the attacker must
        event.prev_hash = prev_hash
        event.hash = plain_sha256(event)
        prev_hash = event.hash
        tamper("UPDATE casework_auditevent SET payload = %s::jsonb, prev_hash = %s, hash = %s WHERE id = %s",
               [canonical_json(event.payload), event.prev_hash, event.hash, event.pk])
    tamper("UPDATE casework_audithead SET hash = %s WHERE chain = %s", [prev_hash, f"case:{case.pk}"])

    lines, _message = verify_audit_refuses()

    assert lines == [f"BROKEN event {rewritten.pk} chain case:{case.pk} seq 2: content does not match "
                     "its hash (altered)", f"1 chains, {len(events)} events, 1 broken"]


@pytest.mark.django_db
@pytest.mark.parametrize(("sql", "fields"), [
    ("state = 'notified'", "state"),
    ("version = version + 1", "version"),
    ("subject_id = %(other)s", "subject_id"),
    ("owner_department_id = %(department)s, list_type = 'focus', dishonesty_class = 'general'",
     "dishonesty_class, list_type, owner_department_id"),
])
def test_editing_the_case_row_itself_is_reported(cast: Cast, sql: str, fields: str) -> None:
    case = cast.listed_case()
    values = {"other": cast.other_subject.pk, "department": cast.other.pk}
    tamper(f"UPDATE casework_case SET {sql % values} WHERE id = %s", [case.pk])

    lines, _message = verify_audit_refuses()

    assert lines[0] == (f"BROKEN chain case:{case.pk}: the case row differs from its last audit event "
                        f"in {fields} (case row edited)")


@pytest.mark.django_db
def test_a_forged_head_is_reported(cast: Cast) -> None:
    case = long_case(cast)
    end = delete_last(case, 1)
    survivor = event_of(case, end - 1)
    tamper("UPDATE casework_audithead SET seq = %s, hash = %s WHERE chain = %s",
           [survivor.seq, survivor.hash, f"case:{case.pk}"])

    lines, _message = verify_audit_refuses()

    assert lines[0] == f"BROKEN chain case:{case.pk}: the head's seal does not match (head altered)"


@pytest.mark.django_db
def test_a_consistent_rollback_is_caught_by_the_digest_written_outside_the_database(
    cast: Cast, tmp_path: Path
) -> None:
    """Events cut, an old head put back, the case row restored: only the digest still knows."""
    case = cast.listed_case()
    old_head = AuditHead.objects.values().get(chain=f"case:{case.pk}")
    old_row = Case.objects.filter(pk=case.pk).values("state", "version").get()
    for number in range(3):
        services.add_escalation_note(case, cast.leadership_user, f"第{number + 1}次督办")
    digest = write_digest(tmp_path)
    tamper("DELETE FROM casework_auditevent WHERE chain = %s AND seq > %s",
           [old_head["chain"], old_head["seq"]])
    AuditHead.objects.filter(chain=old_head["chain"]).update(**old_head)
    Case.objects.filter(pk=case.pk).update(**old_row)

    assert verify_audit()[0][-1].endswith(" 0 broken")  # the database alone is consistent
    lines, _message = verify_audit_refuses("--digest", str(digest))

    assert lines[0].startswith(f"BROKEN chain case:{case.pk}: the digest of ")
    assert lines[0].endswith(f"recorded seq {old_head['seq'] + 3} of this chain; the chain no longer "
                             "holds it (cut short or rewritten)")


@pytest.mark.django_db
def test_an_altered_digest_is_refused(cast: Cast, tmp_path: Path) -> None:
    cast.listed_case()
    digest = write_digest(tmp_path)
    digest.write_text(digest.read_text().replace('"heads": [[', '"heads": [["case:0", 1, "x"], ['))

    lines, message = verify_audit_refuses("--digest", str(digest))

    assert lines == [] and "the digest's signature does not match" in message
