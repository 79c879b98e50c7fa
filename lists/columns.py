"""The columns of a list file, in and out: one name per column, with its Chinese header.

Import accepts either header (the English name or the Chinese one), in any order;
export writes the English names, so an exported file imports again unchanged.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Column:
    name: str
    chinese: str
    required: bool = True


COLUMNS: tuple[Column, ...] = (
    Column("subject_identifier", "统一社会信用代码或身份证号"),
    Column("subject_name", "主体名称"),
    Column("subject_kind", "主体类型"),
    Column("list_type", "名单类型"),
    Column("dishonesty_class", "失信等级"),
    Column("legal_basis", "认定依据"),
    Column("facts", "失信事实"),
    Column("decided_on", "认定日期"),
    Column("document_number", "决定文书号"),
    Column("department", "部门"),
    # Present only in files of external lists (a court's 失信被执行人, a ministry's list).
    Column("determining_authority", "认定机关", required=False),
    # Written by the export only: the record's talks held or refused (约谈记录记入信用记录, plan
    # item 10). Talks are steps taken in this system, not facts of a list: an import ignores it.
    Column("talks", "约谈记录", required=False),
)
# Columns an import reads no value from (an exported file imports again unchanged).
EXPORT_ONLY: frozenset[str] = frozenset({"talks"})
COLUMN_NAMES: tuple[str, ...] = tuple(column.name for column in COLUMNS)
BY_HEADER: dict[str, str] = {
    **{column.name: column.name for column in COLUMNS},
    **{column.chinese: column.name for column in COLUMNS},
}
# Several legal bases in one cell are separated by a semicolon (either width).
BASIS_SEPARATORS = (";", "；")


class HeaderRefused(ValueError):
    pass


def map_header(cells: list[str]) -> list[str]:
    """The column names of a header row; refuse naming the first wrong or missing column."""
    names: list[str] = []
    for position, cell in enumerate(cells, start=1):
        header = cell.strip().lstrip("\ufeff")
        name = BY_HEADER.get(header)
        if name is None:
            raise HeaderRefused(
                _("Unknown column “%(header)s” (column %(position)s). Expected columns: "
                  "%(expected)s.") % {"header": header, "position": position,
                                      "expected": ", ".join(COLUMN_NAMES)}
            )
        if name in names:
            raise HeaderRefused(
                _("Column “%(header)s” appears twice (column %(position)s).")
                % {"header": header, "position": position}
            )
        names.append(name)
    for column in COLUMNS:
        if column.required and column.name not in names:
            raise HeaderRefused(
                _("Missing column “%(name)s” (%(chinese)s).")
                % {"name": column.name, "chinese": column.chinese}
            )
    return names
