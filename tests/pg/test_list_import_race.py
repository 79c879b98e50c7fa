"""Two imports of the same file at once record each row once (the natural key is unique)."""

from pathlib import Path

import pytest

from casework.models import Case
from lists.models import ListEntry
from lists.services import import_list
from tests.conftest import Cast
from tests.lists.conftest import add_focus_only_basis
from tests.lists.files import good_row, write_csv
from tests.pg.concurrency import run_together

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_imports_of_the_same_file_at_once_record_each_row_once(
    cast: Cast, tmp_path: Path
) -> None:
    add_focus_only_basis()
    rows = [good_row(cast, serial) for serial in range(1, 6)]
    paths = [write_csv(tmp_path / f"copy{index}.csv", rows) for index in range(2)]

    outcomes = run_together(2, lambda index: import_list(paths[index], cast.officer))

    assert not [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    assert sorted((o.imported, o.unchanged, o.rejected) for o in outcomes) == [(0, 5, 0), (5, 0, 0)]
    assert Case.objects.count() == ListEntry.objects.count() == 5
