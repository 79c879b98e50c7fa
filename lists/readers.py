"""Reading a list file as a stream of rows: CSV (UTF-8, UTF-8 with BOM, GBK) or XLSX.

The file is never loaded whole. ``open_list`` first checks the whole file (format,
encoding, header) in one streaming pass, so a wrong header or an undecodable byte is
refused before anything is written, with the column or the byte offset in the message.
"""

import codecs
import csv
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.utils.translation import gettext_lazy as _

from lists.columns import HeaderRefused, map_header

CHUNK_BYTES = 1 << 16
XLSX_MAGIC = b"PK\x03\x04"
UTF8_BOM = codecs.BOM_UTF8
# GB 18030 is a superset of GBK and GB 2312: every GBK file decodes with it.
GBK_CODEC = "gb18030"


class FileRefused(ValueError):
    """The whole file is refused (nothing is imported): the message says where and why."""


@dataclass(frozen=True)
class RawRow:
    line: int
    values: dict[str, str]


@dataclass(frozen=True)
class ListFile:
    path: Path
    format: str  # "csv" or "xlsx"
    encoding: str  # "utf-8-sig", "utf-8", "gbk" (read as GB 18030) or "" for XLSX
    columns: tuple[str, ...]
    row_count: int

    def rows(self) -> Iterator[RawRow]:
        if self.format == "xlsx":
            return _xlsx_rows(self.path, self.columns)
        return _csv_rows(self.path, self._codec(), self.columns)

    def _codec(self) -> str:
        return GBK_CODEC if self.encoding == "gbk" else self.encoding


def open_list(path: Path) -> ListFile:
    """Check the file in one streaming pass and describe it; raise FileRefused if it is wrong."""
    with path.open("rb") as raw:
        head = raw.read(CHUNK_BYTES)
    if not head:
        raise FileRefused(_("The file is empty."))
    if head.startswith(XLSX_MAGIC):
        columns, count = _scan_xlsx(path)
        return ListFile(path, "xlsx", "", columns, count)
    encoding = detect_encoding(head)
    codec = GBK_CODEC if encoding == "gbk" else encoding
    columns, count = _scan_csv(path, codec)
    return ListFile(path, "csv", encoding, columns, count)


def detect_encoding(head: bytes) -> str:
    """UTF-8 (with or without BOM) or GBK, from the file's first bytes; refuse anything else."""
    nul = head.find(b"\x00")
    if nul >= 0:
        raise FileRefused(
            _("This is not a text file: byte offset %(offset)s is a NUL byte. Upload CSV or XLSX.")
            % {"offset": nul}
        )
    if head.startswith(UTF8_BOM):
        return "utf-8-sig"
    utf8_error = _first_error(head, "utf-8")
    if utf8_error is None:
        return "utf-8"
    if _first_error(head, GBK_CODEC) is None:
        return "gbk"
    raise FileRefused(
        _("The file is neither UTF-8 nor GBK: undecodable byte at offset %(offset)s.")
        % {"offset": utf8_error}
    )


def _first_error(head: bytes, codec: str) -> int | None:
    # Not final: the head may end in the middle of a multi-byte character.
    try:
        codecs.getincrementaldecoder(codec)("strict").decode(head, final=False)
    except UnicodeDecodeError as error:
        return error.start
    return None


def decoded_lines(path: Path, codec: str) -> Iterator[str]:
    """The file's lines (ends kept), decoded strictly; an error names its byte offset."""
    decoder = codecs.getincrementaldecoder(codec)("strict")
    offset, pending = 0, ""
    with path.open("rb") as raw:
        for chunk in iter(lambda: raw.read(CHUNK_BYTES), b""):
            buffered = len(decoder.getstate()[0])
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as error:
                raise FileRefused(
                    _("Undecodable byte at offset %(offset)s (the file was read as %(encoding)s).")
                    % {"offset": offset - buffered + error.start, "encoding": codec}
                ) from None
            offset += len(chunk)
            *lines, pending = (pending + text).split("\n")
            for line in lines:
                yield line + "\n"
    try:
        pending += decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise FileRefused(
            _("The file ends in the middle of a character (byte offset %(offset)s).")
            % {"offset": offset}
        ) from None
    if pending:
        yield pending


def _scan_csv(path: Path, codec: str) -> tuple[tuple[str, ...], int]:
    reader = csv.reader(decoded_lines(path, codec))
    columns = _header(next(reader, None))
    count = sum(1 for row in reader if any(cell.strip() for cell in row))
    return columns, count


def _header(cells: list[str] | None) -> tuple[str, ...]:
    if not cells:
        raise FileRefused(_("The file has no header row."))
    try:
        return tuple(map_header(cells))
    except HeaderRefused as error:
        raise FileRefused(str(error)) from None


def _csv_rows(path: Path, codec: str, columns: tuple[str, ...]) -> Iterator[RawRow]:
    reader = csv.reader(decoded_lines(path, codec))
    next(reader)
    line = reader.line_num
    for cells in reader:
        start, line = line + 1, reader.line_num
        if any(cell.strip() for cell in cells):
            yield RawRow(start, _values(columns, cells))


def _values(columns: tuple[str, ...], cells: list[Any]) -> dict[str, str]:
    values = {name: _text(cell) for name, cell in zip(columns, cells, strict=False)}
    if len(cells) > len(columns) and any(_text(cell) for cell in cells[len(columns):]):
        values["__extra__"] = "1"
    return values


def _text(cell: Any) -> str:
    if type(cell) is str:  # every CSV cell
        return cell.strip()
    if cell is None:
        return ""
    if isinstance(cell, datetime):
        return cell.date().isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _open_workbook(path: Path) -> Any:
    from openpyxl import load_workbook

    try:
        return load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise FileRefused(
            _("The file looks like XLSX but cannot be read: %(error)s") % {"error": error}
        ) from None


def _scan_xlsx(path: Path) -> tuple[tuple[str, ...], int]:
    workbook = _open_workbook(path)
    try:
        rows = workbook.active.iter_rows(values_only=True)
        first = next(rows, None)
        columns = _header([_text(cell) for cell in first] if first else None)
        count = sum(1 for row in rows if any(_text(cell) for cell in row))
    finally:
        workbook.close()
    return columns, count


def _xlsx_rows(path: Path, columns: tuple[str, ...]) -> Iterator[RawRow]:
    workbook = _open_workbook(path)
    try:
        rows = workbook.active.iter_rows(values_only=True)
        next(rows)
        for line, cells in enumerate(rows, start=2):
            if any(_text(cell) for cell in cells):
                yield RawRow(line, _values(columns, list(cells)))
    finally:
        workbook.close()
