"""List files for the tests: rows as dicts, written as CSV (any encoding) or XLSX."""

import csv
import io
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from django.utils import timezone

from casework.identifiers import org_code_check_char, uscc_check_char
from lists.columns import COLUMN_NAMES
from tests.conftest import Cast

Row = dict[str, str]


def uscc(serial: int) -> str:
    body = f"{serial:08d}"
    first17 = f"91210300{body}{org_code_check_char(body)}"
    return first17 + uscc_check_char(first17)


def good_row(cast: Cast, serial: int, **overrides: str) -> Row:
    row = {
        "subject_identifier": uscc(serial), "subject_name": f"鞍山某公司{serial}",
        "subject_kind": "enterprise", "list_type": "serious", "dishonesty_class": "serious",
        "legal_basis": "中华人民共和国食品安全法 第一百三十四条",
        "facts": "拒不履行法院判决确定的义务", "decided_on": "2025-03-01",
        "document_number": f"鞍市监罚〔2025〕{serial}号", "department": cast.owner.code,
        "determining_authority": "",
    }
    row.update(overrides)
    return row


def mixed_rows(cast: Cast) -> list[Row]:
    """Three good rows, then one of every kind of bad row (lines 2-4 good, 5-11 bad)."""
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    bad_checksum = uscc(4)[:-1] + ("0" if uscc(4)[-1] != "0" else "1")
    return [
        good_row(cast, 1),
        good_row(cast, 2, subject_identifier="11010519491231002X", subject_name="张某",
                 subject_kind="natural_person", list_type="focus", dishonesty_class="general"),
        good_row(cast, 3, determining_authority="鞍山市中级人民法院",
                 document_number="（2025）辽03执123号"),
        good_row(cast, 4, subject_identifier=bad_checksum),
        good_row(cast, 5, legal_basis="不存在的法律 第一条"),
        good_row(cast, 6, legal_basis="辽宁省某条例 第十条", list_type="serious"),
        good_row(cast, 7, list_type="serious", dishonesty_class="minor"),
        good_row(cast, 8, decided_on=tomorrow),
        good_row(cast, 9, department="no-such-department"),
        good_row(cast, 1),
    ]


EXPECTED_REJECTIONS = {
    5: "uscc_check",
    6: "unknown_basis",
    7: "basis_not_allowing_list",
    8: "class_not_fitting_list",
    9: "date_in_future",
    10: "unknown_department",
    11: "duplicate_in_file",
}


def csv_bytes(rows: Sequence[Row], encoding: str = "utf-8", header: Sequence[str] = COLUMN_NAMES) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(name, "") for name in COLUMN_NAMES])
    return buffer.getvalue().encode(encoding)


def write_csv(path: Path, rows: Sequence[Row], encoding: str = "utf-8") -> Path:
    path.write_bytes(csv_bytes(rows, encoding))
    return path


def write_xlsx(path: Path, rows: Sequence[Row]) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(COLUMN_NAMES))
    for row in rows:
        sheet.append([row.get(name, "") for name in COLUMN_NAMES])
    workbook.save(path)
    return path
