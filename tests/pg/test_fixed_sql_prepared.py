"""The fixed SQL of a transition runs as prepared statements on PostgreSQL (casework/fixed_sql.py).

Prepared on its second run on a connection, then only bound and run; the ORM's statements
stay as Django sends them (bound on the client, never prepared); a rollback drops every prepared
statement of the connection (psycopg deallocates them) and the next transition prepares them
again; ``DB_PREPARED_STATEMENTS=0`` turns it off.
"""

import pytest
from django.db import connection
from django.test import override_settings

from casework import services
from casework.exceptions import Conflict
from casework.models import Objection
from tests.conftest import Cast

pytestmark = pytest.mark.django_db(transaction=True)


def prepared() -> dict[str, int]:
    """The connection's prepared statements: text → times run (custom and generic plans)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements")
        return dict(cursor.fetchall())


def accept(cast: Cast) -> Objection:
    objection = services.file_objection(cast.listed_case(), cast.subject_user, "认定事实有误")
    services.advance(Objection.objects.get(pk=objection.pk), "accept", cast.officer)
    return Objection.objects.get(pk=objection.pk)


def lock_statements(statements: dict[str, int]) -> dict[str, int]:
    """The accept's lock: the case, its audit head and the objection."""
    return {sql: runs for sql, runs in statements.items()
            if sql.startswith('SELECT "c"."id"') and sql.endswith("FOR UPDATE OF c, h, o")}


def test_an_accept_runs_its_fixed_statements_prepared_and_the_orms_not(cast: Cast) -> None:
    connection.close()  # a connection of its own: no statement run by an earlier test
    accept(cast)
    assert lock_statements(prepared()) == {}  # run once: not prepared
    accept(cast)
    before = prepared()
    assert len(lock_statements(before)) == 1  # with $1 and $2 for the case's and the objection's ids
    assert all("$2" in sql for sql in lock_statements(before))
    assert accept(cast).state == "under_review"
    after = prepared()
    assert sum(lock_statements(after).values()) > sum(lock_statements(before).values())
    # The transition's writes too, and none of the ORM's (Django binds those on the client).
    assert any(sql.startswith('WITH u0 AS (UPDATE "casework_objection"') for sql in after)
    assert not any('"casework_objection"."id" = ' in sql and "LIMIT 21" in sql for sql in after)


def test_after_a_rollback_the_next_accept_prepares_them_again(cast: Cast) -> None:
    accept(cast)
    accept(cast)
    assert lock_statements(prepared())
    objection = services.file_objection(cast.listed_case(), cast.subject_user, "认定事实有误")
    with pytest.raises(Conflict):
        services.advance(Objection.objects.get(pk=objection.pk), "accept", cast.officer, expected_version=99)
    assert lock_statements(prepared()) == {}  # psycopg deallocated them with the rollback
    assert Objection.objects.get(pk=objection.pk).state == "filed"
    services.advance(Objection.objects.get(pk=objection.pk), "accept", cast.officer)
    assert Objection.objects.get(pk=objection.pk).state == "under_review"
    assert lock_statements(prepared())  # run before the rollback: prepared again at once


@override_settings(DB_PREPARED_STATEMENTS=False)
def test_off_nothing_is_prepared(cast: Cast) -> None:
    connection.close()  # a connection of its own: no statement prepared by an earlier test
    assert accept(cast).state == "under_review"
    assert prepared() == {}
