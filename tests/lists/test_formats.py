"""GBK, UTF-8 with a BOM, plain UTF-8 and XLSX files give the same import."""

from pathlib import Path

import pytest

from casework.models import Case
from lists.services import import_list
from tests.conftest import Cast
from tests.lists.files import EXPECTED_REJECTIONS, mixed_rows, write_csv, write_xlsx
from tests.lists.test_import import rejected_lines

pytestmark = pytest.mark.django_db


def imported_cases() -> list[tuple[str, ...]]:
    return sorted(Case.objects.values_list(
        "subject__identifier", "subject__name", "list_type", "dishonesty_class", "facts",
        "decided_on", "document_number", "determining_authority", "origin", "state",
    ))


def write(kind: str, path: Path, cast: Cast) -> Path:
    rows = mixed_rows(cast)
    if kind == "xlsx":
        return write_xlsx(path.with_suffix(".xlsx"), rows)
    return write_csv(path, rows, {"gbk": "gbk", "bom": "utf-8-sig", "utf8": "utf-8"}[kind])


@pytest.mark.parametrize("kind", ["gbk", "bom", "xlsx"])
def test_every_file_format_gives_the_same_result_as_plain_utf8(
    kind: str, list_cast: Cast, tmp_path: Path
) -> None:
    summary = import_list(write(kind, tmp_path / "list.csv", list_cast), list_cast.officer)
    result = (summary.imported, summary.rejected, rejected_lines(summary), imported_cases())

    expected_dir = tmp_path / "expected"
    expected_dir.mkdir()
    again = import_list(write("utf8", expected_dir / "list.csv", list_cast), list_cast.officer)

    assert summary.file_format == ("xlsx" if kind == "xlsx" else "csv")
    assert result[:3] == (3, 7, EXPECTED_REJECTIONS)
    # The plain UTF-8 file finds exactly the records the other format wrote.
    assert (again.imported, again.unchanged, again.rejected) == (0, 3, 7)
    assert imported_cases() == result[3]
