"""Export a department's cases, import the file into an empty database: the credit check
answers the same for every subject."""

from pathlib import Path
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command

from casework.indexing import credit_check
from casework.models import Case, User
from lists.exports import cases_to_export, chunks
from lists.services import import_list
from tests.conftest import Cast, ensure_reference_data, make_cast
from tests.lists.conftest import add_focus_only_basis
from tests.lists.files import good_row, write_csv

# Transactional: emptying the database (flush) needs no open transaction on PostgreSQL.
pytestmark = pytest.mark.django_db(transaction=True)


def answers(identifiers: list[str], viewer: User) -> dict[str, Any]:
    found = {}
    for identifier in identifiers:
        answer = credit_check(identifier, viewer)
        for key in ("checked_at",):
            answer.pop(key)
        for entry in answer["entries"]:
            entry.pop("case_number")  # numbered by the database that holds the case
        for measure in answer["measures"]:
            measure.pop("case_number")
        found[identifier] = answer
    return found


def test_export_then_import_into_an_empty_database_answers_the_same_credit_check(
    list_cast: Cast, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    list_cast.listed_case()
    import_list(write_csv(tmp_path / "old.csv", [good_row(list_cast, 1), good_row(list_cast, 2)]),
                list_cast.officer)
    identifiers = sorted(Case.objects.values_list("subject__identifier", flat=True))
    before = answers(identifiers, list_cast.joint_officer)
    export = tmp_path / "export.xlsx"
    export.write_bytes(b"".join(chunks(cases_to_export(list_cast.owner.code), "xlsx")))

    call_command("flush", interactive=False, verbosity=0)
    # flush empties django_content_type too and re-creates it with new ids: the
    # process-wide cache must forget the old ones (and the next test's flush the new ones).
    ContentType.objects.clear_cache()
    request.addfinalizer(ContentType.objects.clear_cache)
    ensure_reference_data()
    empty_cast = make_cast()  # the same catalogue and staff, in the emptied database
    add_focus_only_basis()
    assert not Case.objects.exists()
    summary = import_list(export, empty_cast.officer)

    assert (summary.imported, summary.rejected) == (3, 0)
    assert answers(identifiers, empty_cast.joint_officer) == before
    assert all(before[identifier]["listed"] for identifier in identifiers)
