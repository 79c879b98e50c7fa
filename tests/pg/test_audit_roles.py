"""The production roles of docs/security.md: the application appends audit events, nothing more.

The test creates the two roles and applies the document's SQL blocks as written (role and
database names replaced), all inside the test's transaction, so everything is rolled back.
"""

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.db.utils import ProgrammingError

from casework import services
from casework.audit import verify_chains
from casework.models import AuditEvent, Case
from tests.conftest import Cast

SECURITY = Path(__file__).resolve().parents[2] / "docs" / "security.md"
SECTION = "## The audit chain and the database roles"
# Roles are cluster-wide: names of this run only (the transaction's rollback drops them).
OWNER, APP = f"test_audit_owner_{os.getpid()}", f"test_audit_app_{os.getpid()}"


def documented_sql() -> list[str]:
    text = SECURITY.read_text()
    section = text[text.index(SECTION):]
    end = section.find("\n## ", len(SECTION))
    section = section if end < 0 else section[:end]
    blocks = re.findall(r"```sql\n(.*?)```", section, re.S)
    assert len(blocks) == 2, "docs/security.md: the roles block and the grants block"
    database = connection.settings_dict["NAME"]
    return [block.replace("casework_owner", OWNER).replace("casework_app", APP)
            .replace("DATABASE casework ", f'DATABASE "{database}" ') for block in blocks]


def execute(sql: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql)


@contextmanager
def as_role(role: str) -> Iterator[None]:
    execute(f"SET ROLE {role}")
    try:
        yield
    finally:
        execute("RESET ROLE")


def set_up_documented_roles() -> None:
    roles, grants = documented_sql()
    execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE refuses with deferred checks pending
    execute(roles)
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        tables = [row[0] for row in cursor.fetchall()]
    for table in tables:  # what `migrate` as the owner role would have made
        execute(f'ALTER TABLE "{table}" OWNER TO {OWNER}')
    with as_role(OWNER):
        execute(grants)


def refused(sql: str) -> str:
    with pytest.raises(ProgrammingError) as error, transaction.atomic():
        execute(sql)
    return str(error.value).splitlines()[0]


@pytest.mark.django_db
def test_the_application_role_appends_audit_events_but_cannot_alter_them(cast: Cast) -> None:
    case = cast.open_case()
    set_up_documented_roles()

    with as_role(APP):
        services.advance(Case.objects.get(pk=case.pk), "notify", cast.officer)
        events = AuditEvent.objects.filter(case=case).count()
        refusals = [
            refused("UPDATE casework_auditevent SET payload = '{}'::jsonb"),
            refused("DELETE FROM casework_auditevent"),
            refused("TRUNCATE casework_auditevent"),
            refused("ALTER TABLE casework_auditevent DISABLE TRIGGER casework_auditevent_append_only"),
            refused("DROP TRIGGER casework_auditevent_append_only ON casework_auditevent"),
            refused("ALTER TABLE casework_auditevent OWNER TO CURRENT_USER"),
        ]

    assert events == 3  # created, notify, documents_issued (the notice of the notify)
    assert refusals == [
        "permission denied for table casework_auditevent",
        "permission denied for table casework_auditevent",
        "permission denied for table casework_auditevent",
        "must be owner of table casework_auditevent",
        "must be owner of relation casework_auditevent",
        "must be owner of table casework_auditevent",
    ]
    assert list(verify_chains()) == [(f"case:{case.pk}", None)]
