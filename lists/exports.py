"""Export: the import's columns out, for a department's cases or a filter, as CSV or XLSX.

Rows are produced from an iterator over the queryset (``iterator(chunk_size=…)``), so a
whole department never sits in memory: CSV is written row by row to the response;
XLSX through openpyxl's write-only workbook, which spills rows to a temporary file.
Only listed cases are exported: they are the determinations in force. Each row carries the
record's talks held or refused (column ``talks``, 约谈记录记入信用记录), which an import ignores.
"""

import csv
import io
import tempfile
from collections.abc import Iterator
from typing import IO, Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from casework.indexing import TALK_RECORDED
from casework.models import Case, LegalBasis, Talk
from casework.services import identifier_reads
from lists.columns import COLUMN_NAMES
from lists.validation import basis_reference
from workflows.case import CaseState
from workflows.talk import TalkState

CHUNK_SIZE = 2000
EXPORT_PURPOSE = "lists:export"
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def cases_to_export(
    department_code: str = "", list_type: str = "", origin: str = ""
) -> QuerySet[Case]:
    cases = Case.objects.filter(state=CaseState.LISTED)
    if department_code:
        cases = cases.filter(owner_department__code=department_code)
    if list_type:
        cases = cases.filter(list_type=list_type)
    if origin:
        cases = cases.filter(origin=origin)
    return cases.select_related("subject", "owner_department").prefetch_related(
        Prefetch("legal_bases", queryset=LegalBasis.objects.order_by("pk")),
        Prefetch("talks", queryset=Talk.objects.filter(state__in=TALK_RECORDED).order_by("pk"),
                 to_attr="recorded_talks"),
    ).order_by("pk")


def case_row(case: Case) -> list[str]:
    decided_on = case.decision_date()
    return [
        case.subject.identifier, case.subject.name, case.subject.kind, case.list_type,
        case.dishonesty_class, "; ".join(basis_reference(b) for b in case.legal_bases.all()),
        case.facts, decided_on.isoformat() if decided_on else "",
        # A case decided here is known by its case number: that is its document number.
        case.document_number or case.number, case.owner_department.code,
        case.determining_authority, talks_cell(case),
    ]


def talks_cell(case: Case) -> str:
    """The record's talks held or refused, one a line, oldest first, in the product's language
    (the record's own words, as the credit record keeps them)."""
    talks = getattr(case, "recorded_talks", None)
    if talks is None:  # a case not read through cases_to_export
        talks = list(case.talks.filter(state__in=TALK_RECORDED).order_by("pk"))
    with translation.override(settings.LANGUAGE_CODE):
        return "\n".join(talk_line(talk) for talk in talks)


def talk_line(talk: Talk) -> str:
    """``2026-12-03 警示约谈 已约谈，有效（主体承诺整改）：<record>`` or ``… 拒不参加…：<note>``."""
    held = talk.state == TalkState.HELD
    moment = talk.held_at if held else talk.refused_at
    result = talk.get_state_display()
    if held and talk.outcome:
        result = _("%(result)s, %(outcome)s") % {"result": result, "outcome": talk.get_outcome_display()}
    text = " ".join((talk.record if held else talk.refusal_note).split())
    return _("%(on)s %(kind)s %(result)s: %(text)s") % {
        "on": timezone.localdate(moment).isoformat() if moment else "", "kind": talk.get_kind_display(),
        "result": result, "text": text}


def rows(cases: QuerySet[Case],
        reader: Any = None, purpose: str = EXPORT_PURPOSE) -> Iterator[list[str]]:
    """The export's rows; the whole numbers of natural persons are logged as read, per chunk."""
    yield list(COLUMN_NAMES)
    chunk: list[Case] = []
    for case in cases.iterator(chunk_size=CHUNK_SIZE):
        chunk.append(case)
        yield case_row(case)
        if len(chunk) == CHUNK_SIZE:
            log_reads(reader, chunk, purpose)
            chunk = []
    log_reads(reader, chunk, purpose)


def log_reads(reader: Any, cases: list[Case], purpose: str) -> None:
    identifier_reads.record_many(reader, set(identifier_reads.natural_person_ids(
        case.subject for case in cases)), purpose)


def csv_chunks(cases: QuerySet[Case],
        reader: Any = None, purpose: str = EXPORT_PURPOSE) -> Iterator[bytes]:
    """UTF-8 with a BOM (Excel on Chinese Windows reads it right), one row per chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff".encode()
    for row in rows(cases, reader, purpose):
        writer.writerow(row)
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()


def write_xlsx(cases: QuerySet[Case], target: IO[bytes],
        reader: Any = None, purpose: str = EXPORT_PURPOSE) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("list")
    for row in rows(cases, reader, purpose):
        sheet.append(row)
    workbook.save(target)


def xlsx_chunks(cases: QuerySet[Case], chunk_bytes: int = 1 << 16,
        reader: Any = None, purpose: str = EXPORT_PURPOSE) -> Iterator[bytes]:
    spool: Any = tempfile.TemporaryFile()
    with spool:
        write_xlsx(cases, spool, reader, purpose)
        spool.seek(0)
        yield from iter(lambda: spool.read(chunk_bytes), b"")


def chunks(cases: QuerySet[Case], file_format: str,
        reader: Any = None, purpose: str = EXPORT_PURPOSE) -> Iterator[bytes]:
    """The export file's bytes; ``reader`` (None for a command) is logged as reading the numbers."""
    if file_format == "xlsx":
        return xlsx_chunks(cases, reader=reader, purpose=purpose)
    return csv_chunks(cases, reader, purpose)
