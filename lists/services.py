"""Importing a list file: every row checked, the valid ones recorded through casework.services.

Each valid row becomes a case as a case opened by hand would: ``open_case`` (audited
``created``), then ``advance(case, "record_determination")`` (audited, the publication
clocks opened from the decision date, one measure task per catalogue measure pushed to its
joint department by the transition's effect (casework.services.effects.EFFECTS: audited, its
clock opened), the credit-check index written. Rows are written in chunks, one
transaction each; the staff notices of a chunk's new cases (the owner department's of each
step, the joint departments' of each measure task) are gathered into one digest per
department and chunk (notifications.digests), on both paths below. The chunk's new rows go
through ``casework.services.batch`` (the same rows, a few statements per chunk; a row it
refuses is reported and the chunk built again without it); a row already imported, or every
row when ``batched=False`` or an unknown hook is registered, goes through the per-case
services with a savepoint per row.

On PostgreSQL, outside a transaction, the chunks are pipelined (``ChunkWriter``): the chunk
built on the caller's connection is written and committed by a second connection in a thread
of its own while the next chunk is read, checked and built; the server's work (the rows, their
indexes, the deferred foreign-key checks at the commit) overlaps the next chunk's Python work.
A chunk's case numbers are taken by the writer's transaction, its counter row locked until
that commit (``casework.services.batch.prepare_determinations``), so they follow one another
as the chunks commit and a chunk rolled back takes none.
"""

import csv
import gc
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar

from django.db import IntegrityError, connection, connections, transaction
from django.utils.translation import gettext_lazy as _

from casework import services
from casework.models import Case, Subject
from casework.services import batch as casework_batch
from casework.services.batch import bulk
from casework.services.cases import determining_department, require
from lists.choices import Outcome
from lists.columns import COLUMN_NAMES
from lists.models import ImportBatch, ListEntry
from lists.readers import FileRefused, RawRow, open_list
from lists.validation import Catalogue, ListRow, RowRejected, validate_row
from notifications.digests import Digest, gathering
from workflows.case import CaseState
from workflows.guards import RuleRefused
from workflows.rules import staff_role

BATCH_SIZE = 500
# What an import may correct on a recorded case; any other difference is a new
# determination (or an objection), never a silent overwrite.
CORRECTABLE_FIELDS = ("facts", "dishonesty_class")
CORRECTION_ACTION = "corrected_by_import"
T = TypeVar("T")


@dataclass
class Summary:
    total: int = 0
    read: int = 0
    imported: int = 0
    unchanged: int = 0
    updated: int = 0
    rejected: int = 0
    rejected_by_reason: Counter[str] = field(default_factory=Counter)
    phases: dict[str, float] = field(default_factory=lambda: dict.fromkeys(PHASES, 0.0))
    errors_path: Path | None = None
    file_format: str = ""

    @property
    def processed(self) -> int:
        return self.imported + self.unchanged + self.updated + self.rejected

    def count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


PHASES = ("parse", "validate", "write")
ProgressCallback = Callable[[Summary], None]


class ErrorFile:
    """The rejected rows, each with its line number and the reason in words (CSV, UTF-8 BOM)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stream: IO[str] | None = None
        self._writer: Any = None

    def add(self, raw: RawRow, code: str, reason: str) -> None:
        if self._writer is None:
            self._stream = self.path.open("w", encoding="utf-8-sig", newline="")
            self._writer = csv.writer(self._stream)
            self._writer.writerow(["line", "reason_code", "reason", *COLUMN_NAMES])
        self._writer.writerow([raw.line, code, reason,
                               *(raw.values.get(name, "") for name in COLUMN_NAMES)])

    def close(self) -> Path | None:
        if self._stream is None:
            return None
        self._stream.close()
        return self.path


def errors_path_for(path: Path) -> Path:
    return path.with_name(f"{path.name}.errors.csv")


def check_importer(actor: Any) -> None:
    """The rules of open_case about the actor, checked once for the whole file."""
    try:
        require([staff_role], None, actor)
        require([determining_department], actor.department, actor)
    except RuleRefused as error:
        raise FileRefused(error.message) from None


def import_list(
    path: Path,
    actor: Any,
    *,
    errors_path: Path | None = None,
    batch: ImportBatch | None = None,
    on_progress: ProgressCallback | None = None,
    batch_size: int = BATCH_SIZE,
    dry_run: bool = False,
    batched: bool = True,
    pipelined: bool = True,
) -> Summary:
    """Import ``path`` as ``actor``; raise FileRefused (nothing written) for a wrong file.

    ``pipelined``: write each chunk on a second connection while the next one is built, where
    that can be (``can_pipeline``); else every chunk is built and written in turn."""
    check_importer(actor)
    summary = Summary()
    started = time.perf_counter()
    list_file = open_list(path)
    summary.phases["parse"] += time.perf_counter() - started
    summary.total, summary.file_format = list_file.row_count, list_file.format
    errors = ErrorFile(errors_path or errors_path_for(path))
    importer = Importer(actor, Catalogue.load(actor), batch, summary, errors, batched=batched)
    if pipelined and not dry_run and can_pipeline(batched):
        importer.writer = ChunkWriter()
    # The objects alive before the import (the apps, their modules and caches) are left out
    # of the collector's full passes while it runs: a chunk allocates thousands of containers,
    # and each full pass would walk them all again. They go back to it afterwards.
    gc.freeze()
    try:
        for raw_rows in chunked(_timed(list_file.rows(), summary), batch_size):
            rows = importer.validate(raw_rows)
            if not dry_run:
                importer.write(rows)
            if on_progress:
                on_progress(summary)
        if importer.writer is not None:
            importer.finish()
            if on_progress:
                on_progress(summary)
    finally:
        if importer.writer is not None:
            importer.writer.close()
        gc.unfreeze()
        summary.errors_path = errors.close()
    return summary


def can_pipeline(batched: bool) -> bool:
    """Whether the chunks may be written on a second connection: PostgreSQL (its COPY), the
    batch door, and no transaction open on the caller's connection (a second connection would
    not see its rows, and the caller's rollback would not undo the writer's commits)."""
    return (batched and connection.vendor == "postgresql" and not connection.in_atomic_block
            and casework_batch.batch_supported())


class ChunkWriter:
    """A thread with its own database connection that writes and commits one built chunk
    at a time, while the caller's thread reads, checks and builds the next one."""

    def __init__(self) -> None:
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-writer")
        self.in_flight: InFlight | None = None

    def submit(self, flight: "InFlight") -> None:
        if self.in_flight is not None:
            raise RuntimeError("the writer takes one chunk at a time: collect the last one first")
        flight.future = self.executor.submit(_write_chunk, flight.prepared, flight.rows, flight.batch)
        self.in_flight = flight

    def take(self) -> "InFlight | None":
        """The chunk in flight, once written (its outcome ready), and the writer free."""
        flight, self.in_flight = self.in_flight, None
        if flight is not None and flight.future is not None:
            flight.written = flight.future.result()
        return flight

    def close(self) -> None:
        """Wait for the chunk in flight (its outcome dropped: the import stops), close the
        writer's connection, end its thread."""
        if self.in_flight is not None and self.in_flight.future is not None:
            self.in_flight.future.exception()
            self.in_flight = None
        try:
            self.executor.submit(connections.close_all).result()
        finally:
            self.executor.shutdown(wait=True)


@dataclass
class InFlight:
    """A built chunk handed to the writer: its rows, and what the caller needs after."""

    prepared: Any  # casework.services.batch.determinations.Batch, built
    rows: list[ListRow]
    raws: dict[int, RawRow]
    subjects: dict[str, Subject]
    batch: ImportBatch | None
    future: "Future[bool] | None" = None
    written: bool = False


def _write_chunk(prepared: Any, rows: list[ListRow], batch: ImportBatch | None) -> bool:
    """On the writer's connection: the chunk's case numbers and rows, its list entries, one
    transaction; False when a natural key another import committed meanwhile stops it (the
    transaction rolled back, its case numbers with it)."""
    try:
        with transaction.atomic():
            cases = prepared.write()
            write_entries(rows, cases, batch)
    except IntegrityError:
        return False
    return True


def _timed(rows: Iterator[RawRow], summary: Summary) -> Iterator[RawRow]:
    while True:
        started = time.perf_counter()
        raw = next(rows, None)
        summary.phases["parse"] += time.perf_counter() - started
        if raw is None:
            return
        yield raw


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@dataclass
class Importer:
    actor: Any
    catalogue: Catalogue
    batch: ImportBatch | None
    summary: Summary
    errors: ErrorFile
    batched: bool = True  # new rows through casework.services.batch (False: one by one)
    seen: dict[str, int] = field(default_factory=dict)  # natural key → first line
    raws: dict[int, RawRow] = field(default_factory=dict)  # line → raw row, current chunk
    writer: "ChunkWriter | None" = None  # pipelined: the chunks written on a second connection

    def reject(self, raw: RawRow, code: str, reason: str) -> None:
        self.summary.count(Outcome.REJECTED)
        self.summary.rejected_by_reason[code] += 1
        self.errors.add(raw, code, reason)

    def validate(self, raw_rows: list[RawRow]) -> list[ListRow]:
        started = time.perf_counter()
        rows: list[ListRow] = []
        self.raws = {raw.line: raw for raw in raw_rows}
        self.summary.read += len(raw_rows)
        for raw in raw_rows:
            try:
                row = validate_row(raw, self.catalogue)
            except RowRejected as error:
                self.reject(raw, error.code, error.message)
                continue
            first = self.seen.setdefault(row.natural_key, row.line)
            if first != row.line:
                self.reject(raw, "duplicate_in_file", str(
                    _("The same record as line %(line)s (same natural key).") % {"line": first}
                ))
                continue
            rows.append(row)
        self.summary.phases["validate"] += time.perf_counter() - started
        return rows

    def write(self, rows: list[ListRow]) -> None:
        if self.writer is not None:
            self.write_pipelined(rows)
            return
        started = time.perf_counter()
        with transaction.atomic():
            entries = {entry.natural_key: entry for entry in ListEntry.objects.filter(
                natural_key__in=[row.natural_key for row in rows]
            ).select_related("case")}
            subjects = subjects_for(rows)
            new = [row for row in rows if row.natural_key not in entries]
            for row in rows:
                if row.natural_key in entries:
                    self.write_row(row, entries[row.natural_key], subjects)
            digest = self.digest()
            if self.batched and casework_batch.batch_supported():
                self.write_new(new, subjects, digest)
            else:
                for row in new:
                    self.write_row(row, None, subjects, digest)
            digest.write()
        self.summary.phases["write"] += time.perf_counter() - started

    def digest(self) -> Digest:
        """The staff notices of one chunk's new cases, gathered (notifications.digests)."""
        return Digest(self.batch.pk if self.batch is not None else None)

    def write_new(self, rows: list[ListRow], subjects: dict[str, Subject], digest: Digest) -> None:
        """The chunk's new rows through the batch door, in one savepoint.

        A row the services refuse is reported and the chunk is built again without it
        (nothing of it was written). A natural key another import
        committed meanwhile (IntegrityError) sends the chunk through the per-row path,
        which compares each row with the record that won.
        """
        prepared, pending = self.prepare(rows, subjects, digest)
        if not pending:
            return
        mark = digest.mark()
        try:
            with transaction.atomic():
                cases = prepared.write()
                write_entries(pending, cases, self.batch)
        except IntegrityError:
            digest.rollback(mark)
            for row in pending:
                self.write_row(row, None, subjects, digest)
            return
        for _row in pending:
            self.summary.count(Outcome.IMPORTED)

    def prepare(self, rows: list[ListRow], subjects: dict[str, Subject],
                digest: Digest) -> tuple[Any, list[ListRow]]:
        """The new rows checked and built by the batch door (nothing written), and the rows
        it took: a row it refuses is reported and the others built again without it."""
        pending: list[tuple[ListRow, casework_batch.Determination]] = []
        for row in rows:
            try:
                pending.append((row, determination(row, subjects, self.batch)))
            except RowRejected as error:
                self.reject(self.raws[row.line], error.code, error.message)
        while pending:
            try:
                prepared = casework_batch.prepare_determinations(
                    self.actor, [item for _row, item in pending], digest)
            except casework_batch.ItemRefused as refused:
                row, _item = pending.pop(refused.index)
                self.reject(self.raws[row.line], refused.error.code, str(refused.error.message))
                continue
            return prepared, [row for row, _item in pending]
        return None, []

    def write_pipelined(self, rows: list[ListRow]) -> None:
        """The chunk read, checked and built here while the writer commits the one before;
        then that one's outcome taken and this one handed to the writer.

        The rows already imported go through the per-case path here, each in its own
        transaction (no chunk in flight holds them: a natural key is new or recorded before
        the import, a key twice in the file is refused). Subjects are created and committed
        first (the writer's connection must see them)."""
        assert self.writer is not None
        started = time.perf_counter()
        entries = {entry.natural_key: entry for entry in ListEntry.objects.filter(
            natural_key__in=[row.natural_key for row in rows]
        ).select_related("case")}
        with transaction.atomic():
            subjects = subjects_for(rows)
        for row in rows:
            if row.natural_key in entries:
                self.write_row(row, entries[row.natural_key], subjects)
        prepared, pending = self.prepare([row for row in rows if row.natural_key not in entries],
                                         subjects, self.digest())
        self.collect()
        if pending:
            self.writer.submit(InFlight(prepared, pending, self.raws, subjects, self.batch))
        self.summary.phases["write"] += time.perf_counter() - started

    def collect(self) -> None:
        """The outcome of the chunk in flight (waiting for its commit): its rows imported or,
        where another import committed one of its natural keys meanwhile (the writer's
        transaction rolled back), each row through the per-case path, compared with the
        record that won."""
        assert self.writer is not None
        flight = self.writer.take()
        if flight is not None:
            if flight.written:
                for _row in flight.rows:
                    self.summary.count(Outcome.IMPORTED)
            else:
                raws, self.raws = self.raws, flight.raws
                digest = self.digest()
                try:
                    for row in flight.rows:
                        self.write_row(row, None, flight.subjects, digest)
                finally:
                    self.raws = raws
                with transaction.atomic():
                    digest.write()

    def finish(self) -> None:
        """The last chunk's outcome, once the writer committed it."""
        started = time.perf_counter()
        self.collect()
        self.summary.phases["write"] += time.perf_counter() - started

    def write_row(self, row: ListRow, entry: ListEntry | None, subjects: dict[str, Subject],
                  digest: Digest | None = None) -> None:
        """One row through the per-case services, in a savepoint; a new case's staff notices
        gathered into ``digest`` (none for a row already imported: a correction is told on
        its own)."""
        try:
            outcome = self.record(row, entry, subjects, digest)
        except IntegrityError:
            # Another import committed the same natural key after this batch looked it up:
            # its case stands (this row's savepoint rolled back); compare with it instead.
            entry = ListEntry.objects.select_related("case").get(natural_key=row.natural_key)
            try:
                outcome = self.record(row, entry, subjects)
            except (RowRejected, RuleRefused) as error:
                self.reject(self.raws[row.line], error.code, str(error.message))
                return
        except (RowRejected, RuleRefused) as error:
            self.reject(self.raws[row.line], error.code, str(error.message))
            return
        self.summary.count(outcome)

    def record(self, row: ListRow, entry: ListEntry | None, subjects: dict[str, Subject],
               digest: Digest | None = None) -> str:
        if entry is not None:
            with transaction.atomic():
                return record_again(row, entry, self.actor, subjects, self.batch)
        if digest is None:
            with transaction.atomic():
                return record_new(row, self.actor, subjects, self.batch)
        mark = digest.mark()  # what the row adds goes if its savepoint rolls back
        try:
            with transaction.atomic(), gathering(digest):
                return record_new(row, self.actor, subjects, self.batch)
        except BaseException:
            digest.rollback(mark)
            raise


ENTRY_COLUMNS = ("id", "natural_key", "case_id", "digest", "batch_id")


def write_entries(rows: list[ListRow], cases: list[Case], batch: ImportBatch | None) -> None:
    """The rows' ListEntry rows, as ``ListEntry.objects.bulk_create`` writes them, in one COPY."""
    ids = bulk.reserve_ids(ListEntry, len(rows))
    batch_id = batch.pk if batch is not None else None
    bulk.copy_rows(ListEntry, ENTRY_COLUMNS, (
        (pk, row.natural_key, case.pk, row.digest, batch_id)
        for pk, row, case in zip(ids, rows, cases, strict=True)))


def subjects_for(rows: list[ListRow]) -> dict[str, Subject]:
    """The rows' subjects by identifier; new ones are created (identifiers already checked).

    A new subject is inserted with an id taken up front; those whose insert another
    transaction's subject of the same identifier pre-empted (the conflict ignored) are read
    back by identifier. The others are the rows as written: read back by id only to know
    which they are (the identifier is not encrypted, sent and decrypted again for each)."""
    identifiers = {row.identifier for row in rows}
    found = {subject.identifier: subject
             for subject in Subject.objects.filter(identifier__in=identifiers)}
    new: dict[str, Subject] = {}
    for row in rows:
        if row.identifier not in found and row.identifier not in new:
            new[row.identifier] = Subject(kind=row.subject_kind, name=row.subject_name,
                                          identifier=row.identifier)
    if not new:
        return found
    ids = bulk.reserve_ids(Subject, len(new))
    for pk, subject in zip(ids, new.values(), strict=True):
        subject.pk = pk
    Subject.objects.bulk_create(new.values(), ignore_conflicts=True)
    stored = set(Subject.objects.filter(pk__in=ids).values_list("pk", flat=True))
    found.update((identifier, subject) for identifier, subject in new.items() if subject.pk in stored)
    lost = [identifier for identifier, subject in new.items() if subject.pk not in stored]
    if lost:
        found.update((subject.identifier, subject)
                     for subject in Subject.objects.filter(identifier__in=lost))
    return found


def recorded_determination(row: ListRow, batch: ImportBatch | None) -> services.RecordedDetermination:
    return services.RecordedDetermination(
        origin=row.origin, decided_on=row.decided_on, document_number=row.document_number,
        determining_authority=row.determining_authority, source=_source(row, batch),
    )


def determination(
    row: ListRow, subjects: dict[str, Subject], batch: ImportBatch | None
) -> "casework_batch.Determination":
    """The row as an item of casework.services.batch.record_determinations."""
    return casework_batch.Determination(
        subject=_subject(row, subjects), list_type=row.list_type,
        dishonesty_class=row.dishonesty_class, legal_bases=tuple(row.bases), facts=row.facts,
        recorded=recorded_determination(row, batch),
    )


def record_new(
    row: ListRow, actor: Any, subjects: dict[str, Subject], batch: ImportBatch | None
) -> str:
    subject = _subject(row, subjects)
    case = services.open_case(
        actor, subject=subject, list_type=row.list_type, dishonesty_class=row.dishonesty_class,
        legal_bases=row.bases, facts=row.facts, recorded=recorded_determination(row, batch),
    )
    # The transition takes no data: what it records is on the case, audited at creation. Its
    # effect (casework.services.effects.EFFECTS) pushes the catalogue's measures.
    services.advance(case, "record_determination", actor)
    ListEntry.objects.create(natural_key=row.natural_key, case=case, digest=row.digest, batch=batch)
    return Outcome.IMPORTED



def _subject(row: ListRow, subjects: dict[str, Subject]) -> Subject:
    subject = subjects[row.identifier]
    if subject.kind != row.subject_kind:
        raise RowRejected("subject_kind_differs", _(
            "The subject %(identifier)s is recorded as “%(kind)s”, not “%(row_kind)s”."
        ) % {"identifier": subject.masked_identifier, "kind": subject.get_kind_display(),
             "row_kind": row.subject_kind})
    return subject


def _source(row: ListRow, batch: ImportBatch | None) -> str:
    where = f"import batch {batch.pk}, " if batch is not None else ""
    return f"{where}line {row.line}, key {row.natural_key}"


def _payload(row: ListRow, batch: ImportBatch | None) -> dict[str, Any]:
    payload: dict[str, Any] = {"line": row.line, "natural_key": row.natural_key}
    if batch is not None:
        payload["import_batch"] = batch.pk
    return payload


def record_again(
    row: ListRow, entry: ListEntry, actor: Any, subjects: dict[str, Subject],
    batch: ImportBatch | None,
) -> str:
    """The same natural key again: unchanged, or an audited correction of the same case."""
    if entry.digest == row.digest:
        return Outcome.UNCHANGED
    case = entry.case
    _refuse_conflicts(row, case)
    changes = {name: (getattr(case, name), getattr(row, name)) for name in CORRECTABLE_FIELDS
               if getattr(case, name) != getattr(row, name)}
    if changes:
        if case.state != CaseState.LISTED:
            raise RowRejected("case_closed", _("The case %(number)s is closed: it cannot be "
                                               "corrected by import.") % {"number": case.number})
        services.record_change(case, CORRECTION_ACTION, actor, changes, _payload(row, batch))
    entry.digest, entry.batch = row.digest, batch
    entry.save(update_fields=["digest", "batch", "updated_at"])
    return Outcome.UPDATED if changes else Outcome.UNCHANGED


def _refuse_conflicts(row: ListRow, case: Case) -> None:
    recorded = {
        "subject_identifier": (case.subject.identifier, row.identifier),
        "list_type": (case.list_type, row.list_type),
        "decided_on": (case.decided_on, row.decided_on),
        "legal_basis": (sorted(b.pk for b in case.legal_bases.all()), sorted(b.pk for b in row.bases)),
        "department": (case.owner_department_id, row.department.pk),
    }
    differing = [name for name, (old, new) in recorded.items() if old != new]
    if differing:
        raise RowRejected("conflicting_record", _(
            "The case %(number)s recorded under this key differs in %(columns)s; an import "
            "corrects only the facts and the dishonesty class."
        ) % {"number": case.number, "columns": ", ".join(differing)})
