"""How many SQL statements one objection ``accept`` issues (issue 8, item 6: at most 16).

Counted on the real PostgreSQL with Django's CaptureQueriesContext around ``advance()``
once the process is warm (a first transition has filled the per-process caches: a
long-running server or worker is always warm). Every statement of the transaction
counts, SAVEPOINTs and the COMMIT included.
"""

import os

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework import services
from casework.models import Objection
from tests.conftest import Cast

CEILING = 16


def accept_statements(cast: Cast) -> list[str]:
    warm = services.file_objection(cast.listed_case(), cast.subject_user, "认定事实有误")
    services.advance(Objection.objects.get(pk=warm.pk), "accept", cast.officer)
    objection = services.file_objection(cast.listed_case(), cast.subject_user, "认定事实有误")
    objection = Objection.objects.get(pk=objection.pk)
    with CaptureQueriesContext(connection) as captured:
        services.advance(objection, "accept", cast.officer)
    return [query["sql"] for query in captured.captured_queries]


@pytest.mark.django_db(transaction=True)
def test_objection_accept_issues_at_most_sixteen_statements(cast: Cast) -> None:
    statements = accept_statements(cast)
    if os.environ.get("CASEWORK_PRINT_STATEMENTS"):
        print(f"\n{len(statements)} statements:")
        for number, sql in enumerate(statements, 1):
            print(f"{number:3d}. {sql[:400]}")
    assert len(statements) <= CEILING, "\n".join(statements)
    assert Objection.objects.get(pk=Objection.objects.order_by("-pk").first().pk).state == "under_review"
