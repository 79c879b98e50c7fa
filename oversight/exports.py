"""Excel and CSV of the oversight tables, and the drill-down lists, streamed.

Excel files are written with openpyxl's write-only workbook (rows go straight to the
file, so a large table never sits in memory as cells); CSV is streamed row by row with
a UTF-8 byte-order mark, so that Excel opens the Chinese text correctly.
"""

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator
from typing import Any

from django.http import FileResponse, StreamingHttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from oversight.tables import Table

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET_TITLE_MAX = 31  # Excel's limit


def workbook(tables: Iterable[Table], title: str | None = None, target: Any = None) -> Any:
    """One sheet per table (write-only: rows go to the file as they come, no cell stays in memory)."""
    book = Workbook(write_only=True)
    for table in tables:
        sheet = book.create_sheet(title=table.title[:SHEET_TITLE_MAX])
        if title:
            sheet.append([title])
        sheet.append([_bold(sheet, value) for value in table.header])
        for row in table.rows():
            sheet.append(row)
    target = target if target is not None else io.BytesIO()
    book.save(target)
    return target


def _bold(sheet: Any, value: Any) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.font = Font(bold=True)
    return cell


def xlsx_response(tables: Iterable[Table], filename: str, title: str | None = None) -> FileResponse:
    """Written to a temporary file, then streamed from it: a large list never sits in memory."""
    spool = tempfile.TemporaryFile()
    workbook(tables, title, spool)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX)


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(header: list[str], rows: Iterable[list[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header)
    for row in rows:
        yield writer.writerow(["" if value is None else value for value in row])


def csv_response(table: Table, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(table.header, table.rows()),
                                     content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
