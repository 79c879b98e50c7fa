"""The database itself refuses UPDATE and DELETE on audit events (migration 0002)."""

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.utils import ProgrammingError

from casework.audit import verify_chains
from casework.models import AuditEvent
from tests.conftest import Cast


def orm_queryset_update(event: AuditEvent) -> None:
    AuditEvent.objects.filter(pk=event.pk).update(to_state="withdrawn")


def orm_instance_save(event: AuditEvent) -> None:
    event.payload = {"forged": True}
    event.save()


def orm_queryset_delete(event: AuditEvent) -> None:
    AuditEvent.objects.filter(pk=event.pk).delete()


def orm_instance_delete(event: AuditEvent) -> None:
    event.delete()


def raw_sql_update(event: AuditEvent) -> None:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE casework_auditevent SET payload = '{}'::jsonb WHERE id = %s", [event.pk])


def raw_sql_delete(event: AuditEvent) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM casework_auditevent WHERE id = %s", [event.pk])


@pytest.mark.django_db
@pytest.mark.parametrize(("write", "operation"), [
    (orm_queryset_update, "UPDATE"),
    (orm_instance_save, "UPDATE"),
    (raw_sql_update, "UPDATE"),
    (orm_queryset_delete, "DELETE"),
    (orm_instance_delete, "DELETE"),
    (raw_sql_delete, "DELETE"),
])
def test_audit_event_update_and_delete_are_refused_by_the_database(
    cast: Cast, write: Callable[[AuditEvent], None], operation: str
) -> None:
    case = cast.notified_case()
    # The notify event issued the notice: a document references it (PROTECT), so an ORM delete
    # would stop in Python first. The opening event has no document: only the trigger can refuse.
    event = AuditEvent.objects.get(case=case, action="created")
    before: dict[str, Any] = AuditEvent.objects.filter(pk=event.pk).values().get()
    count = AuditEvent.objects.count()

    with pytest.raises(ProgrammingError, match=f"append-only: {operation} refused"):
        with transaction.atomic():
            write(event)

    assert AuditEvent.objects.filter(pk=event.pk).values().get() == before
    assert AuditEvent.objects.count() == count
    assert list(verify_chains()) == [(f"case:{case.pk}", None)]
