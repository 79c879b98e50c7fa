"""On PostgreSQL: no column, dump or index of the subject tables holds a plain citizen number, and
the log of unmasked reads refuses UPDATE and DELETE (migration 0014)."""

from collections.abc import Callable

import pytest
from django.db import connection, transaction
from django.db.utils import ProgrammingError

from casework import crypto
from casework.models import IdentifierRead
from casework.services import identifier_reads
from tests.conftest import Cast

PERSON = "11010519491231002X"


def whole_rows_as_text(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT t::text FROM {table} t")
        return [text for (text,) in cursor.fetchall()]


@pytest.mark.django_db
def test_the_raw_columns_never_contain_the_plain_number(cast: Cast) -> None:
    from casework import services
    from casework.choices import DishonestyClass, ListType
    from tests.api.world import listed

    case = services.open_case(cast.other_officer, subject=cast.other_subject, list_type=ListType.SERIOUS,
                              dishonesty_class=DishonestyClass.SERIOUS, legal_bases=[cast.basis],
                              facts="违法排污")
    listed(case, cast.other_reviewer)
    for table in ("casework_subject", "casework_creditindexentry"):
        rows = whole_rows_as_text(table)
        assert rows and not any(PERSON in row or "19491231" in row for row in rows), table
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {table} WHERE identifier = %s OR identifier LIKE %s",
                           [PERSON, "%002X%"])
            assert cursor.fetchone()[0] == 0
            cursor.execute(f"SELECT count(*) FROM {table} WHERE identifier = %s", [crypto.encrypt(PERSON)])
            assert cursor.fetchone()[0] == 1
    # The column is read back through the field as the number, and found by it.
    from casework.models import CreditIndexEntry, Subject

    assert Subject.objects.get(identifier=PERSON).pk == cast.other_subject.pk
    assert CreditIndexEntry.objects.get(identifier=PERSON).case_id == case.pk


def raw_update(row: IdentifierRead) -> None:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE casework_identifierread SET purpose = 'nothing' WHERE id = %s", [row.pk])


def raw_delete(row: IdentifierRead) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM casework_identifierread WHERE id = %s", [row.pk])


def orm_update(row: IdentifierRead) -> None:
    IdentifierRead.objects.filter(pk=row.pk).update(purpose="nothing")


def orm_delete(row: IdentifierRead) -> None:
    IdentifierRead.objects.filter(pk=row.pk).delete()


@pytest.mark.django_db
@pytest.mark.parametrize("attempt", [raw_update, raw_delete, orm_update, orm_delete],
                         ids=lambda attempt: attempt.__name__)
def test_the_read_log_is_append_only(cast: Cast, attempt: Callable[[IdentifierRead], None]) -> None:
    identifier_reads.record(cast.other_subject_user, cast.other_subject, "test:own number")
    row = IdentifierRead.objects.get()
    with pytest.raises(ProgrammingError, match="append-only"), transaction.atomic():
        attempt(row)
    assert IdentifierRead.objects.get().purpose == "test:own number"
