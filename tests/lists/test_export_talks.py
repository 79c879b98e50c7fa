"""The case export carries the record's talks (约谈记录记入信用记录, plan item 10): held talks with
their outcome and record, refused ones with the refusal note; talks not yet held are not there.
An exported file with talks imports again (the column is the export's alone)."""

import csv
import io
from pathlib import Path
from typing import Any

from django.utils import timezone
from openpyxl import load_workbook

from casework import services
from casework.models import Case, Talk
from lists.exports import cases_to_export, chunks
from lists.services import import_list
from tests.casework.refusals import talk_notice_date
from tests.conftest import Cast
from tests.lists.files import good_row, write_csv


def talk_on(cast: Cast, case: Case, *steps: tuple[str, dict[str, Any]]) -> Talk:
    from datetime import timedelta

    talk = services.require_talk(case, cast.officer, "warning", "逾期未整改")
    for name, data in steps:
        services.advance(talk, name, cast.officer, data)
        if name == "schedule":
            Talk.objects.filter(pk=talk.pk).update(scheduled_for=timezone.now() - timedelta(minutes=1))
        talk.refresh_from_db()
    return talk


SCHEDULE = ("schedule", {"scheduled_for": talk_notice_date(), "co_organiser": "fgw"})


def exported(cast: Cast, file_format: str = "csv") -> list[dict[str, str]]:
    data = b"".join(chunks(cases_to_export(cast.owner.code), file_format))
    if file_format == "csv":
        return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    header, *rows = [[cell or "" for cell in row] for row in sheet.iter_rows(values_only=True)]
    return [dict(zip(header, row, strict=True)) for row in rows]


def test_held_and_refused_talks_are_in_the_case_export(cast: Cast) -> None:
    case = cast.listed_case()
    held = talk_on(cast, case, SCHEDULE, ("hold", {"record": "企业承诺\n十日内整改", "outcome": "effective"}))
    refused = talk_on(cast, case, SCHEDULE, ("miss", {}),
                      ("record_refusal", {"note": "两次书面通知均未到场"}))
    talk_on(cast, case, SCHEDULE)  # scheduled: not in the credit record yet
    assert (held.state, refused.state) == ("held", "refused")
    [row] = exported(cast)
    assert row["document_number"] == case.number
    day = timezone.localdate(held.held_at).isoformat()
    assert row["talks"].split("\n") == [
        f"{day} 警示约谈 已约谈，有效（主体承诺整改）：企业承诺 十日内整改",
        f"{day} 警示约谈 拒不参加（未参加警示约谈）：两次书面通知均未到场",
    ]


def test_the_xlsx_export_carries_the_same_talks(cast: Cast) -> None:
    case = cast.listed_case()
    talk_on(cast, case, SCHEDULE, ("hold", {"record": "企业未作整改承诺", "outcome": "fruitless"}))
    [row] = exported(cast, "xlsx")
    [csv_row] = exported(cast, "csv")
    assert row["talks"] == csv_row["talks"] and "无效果（未作承诺或无结果）：企业未作整改承诺" in row["talks"]


def test_a_record_without_talks_exports_an_empty_cell(cast: Cast) -> None:
    cast.listed_case()
    [row] = exported(cast)
    assert row["talks"] == ""


def test_the_export_reads_the_talks_of_a_chunk_in_one_query(cast: Cast) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            b"".join(chunks(cases_to_export(cast.owner.code), "csv"))
        return len(captured)

    case = cast.listed_case()
    talk_on(cast, case, SCHEDULE, ("hold", {"record": "企业承诺整改"}))
    one = queries()
    for _ in range(3):
        other = cast.listed_case()  # the same enterprise (a natural person's read is logged: a query)
        talk_on(cast, other, SCHEDULE, ("hold", {"record": "承诺整改"}))
    assert queries() == one


def test_an_exported_file_with_talks_imports_again_the_talks_ignored(list_cast: Cast, tmp_path: Path) -> None:
    row = good_row(list_cast, 1, talks="2026-12-01 警示约谈 已约谈：承诺整改")
    path = write_csv(tmp_path / "list.csv", [row])
    summary = import_list(path, list_cast.officer)
    assert (summary.imported, summary.rejected) == (1, 0)
    assert not Talk.objects.exists()
