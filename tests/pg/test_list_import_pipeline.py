"""The pipelined list import (lists.services.ChunkWriter): each chunk written and committed on a
second connection while the next is built, the same rows as chunk after chunk, the case
numbers gap-free and unique.

The writer is held at a chosen point with events (no sleeps): what another transaction does
between two chunks happens at a known moment of the import.
"""

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction

from casework.models import Case, Measure
from casework.services.batch import determinations
from lists import services as list_services
from lists.models import ListEntry
from lists.services import Summary, can_pipeline, import_list
from notifications.models import Preference
from tests.conftest import Cast
from tests.lists.conftest import add_focus_only_basis
from tests.lists.files import good_row, write_csv
from tests.lists.test_batch import mixed_good_rows, restore, sequences, table_rows
from tests.pg.concurrency import backend_pid, wait_until_blocked_on_lock

pytestmark = pytest.mark.django_db(transaction=True)
WAIT = 30.0


def serials(cast: Cast) -> list[int]:
    """The serial of every case number of the owner department, in order."""
    return sorted(int(number.rsplit("-", 1)[1])
                  for number in Case.objects.filter(owner_department=cast.owner)
                  .values_list("number", flat=True))


class HeldWriter:
    """lists.services._write_chunk wrapped: each chunk waits for ``release(k)`` before the
    writer's transaction starts; the thread each chunk ran on is kept."""

    def __init__(self) -> None:
        self.released: dict[int, threading.Event] = {}
        self.started: dict[int, threading.Event] = {}
        self.threads: list[str] = []
        self.calls = 0
        self.lock = threading.Lock()

    def _events(self, chunk: int) -> tuple[threading.Event, threading.Event]:
        with self.lock:
            return (self.started.setdefault(chunk, threading.Event()),
                    self.released.setdefault(chunk, threading.Event()))

    def release(self, chunk: int) -> None:
        self._events(chunk)[1].set()

    def wait_started(self, chunk: int) -> None:
        assert self._events(chunk)[0].wait(WAIT), f"chunk {chunk} never reached the writer"

    def wrap(self, original: Callable[..., bool]) -> Callable[..., bool]:
        def held(*args: Any) -> bool:
            chunk = self.calls
            self.calls += 1
            started, released = self._events(chunk)
            self.threads.append(threading.current_thread().name)
            started.set()
            assert released.wait(WAIT), f"chunk {chunk} never released"
            return original(*args)
        return held


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> Iterator[HeldWriter]:
    writer = HeldWriter()
    monkeypatch.setattr(list_services, "_write_chunk", writer.wrap(list_services._write_chunk))
    yield writer
    for event in writer.released.values():  # a failed test leaves no writer waiting
        event.set()


def progress_at(chunk: int, action: Callable[[], None]) -> Callable[[Summary], None]:
    """An on_progress callback running ``action`` once, after the chunk'th chunk is handed to
    the writer (the callback runs after each chunk's write(); chunks counted from 0)."""
    calls = {"count": 0}

    def on_progress(_summary: Summary) -> None:
        if calls["count"] == chunk:
            action()
        calls["count"] += 1
    return on_progress


def test_the_import_is_pipelined_only_outside_a_transaction(cast: Cast) -> None:
    assert can_pipeline(batched=True)
    assert not can_pipeline(batched=False)
    with transaction.atomic():
        assert not can_pipeline(batched=True)


def test_the_pipelined_import_writes_the_same_rows_as_chunk_after_chunk(
    cast: Cast, tmp_path: Path
) -> None:
    """Chunks of two, two measures (two departments), an officer with a phone: every table's
    rows (the moments aside) as the import writing each chunk in turn on one connection."""
    add_focus_only_basis()
    Measure.objects.create(code="limit-honours", title="限制评优评先", legal_basis=cast.measure.legal_basis,
                           department=cast.ndrc, list_types="serious")
    Preference.objects.create(user=cast.officer, phone="13800000000")
    rows = [*mixed_good_rows(cast), good_row(cast, 5, subject_name="鞍山某五公司")]
    path = write_csv(tmp_path / "list.csv", rows)
    saved = sequences()
    try:
        with transaction.atomic():  # in a transaction: chunk after chunk, then rolled back
            one_connection = import_list(path, cast.officer, batch_size=2)
            expected = table_rows()
            raise RuntimeError("undo")
    except RuntimeError:
        restore(saved)

    pipelined = import_list(path, cast.officer, batch_size=2)

    assert (one_connection.imported, pipelined.imported) == (5, 5)
    written = table_rows()
    assert {label: len(found) for label, found in written.items()} == {
        label: len(found) for label, found in expected.items()}
    for label, found in expected.items():
        assert written[label] == found, label


def test_numbers_taken_by_another_transaction_between_chunks_are_not_taken_again(
    cast: Cast, tmp_path: Path, held: HeldWriter
) -> None:
    """A case opened by hand while chunk 1 is built and chunk 0 waits for the writer: its
    number is the next one; the chunks take theirs after it, none twice, none skipped."""
    add_focus_only_basis()
    path = write_csv(tmp_path / "list.csv", [good_row(cast, serial) for serial in range(1, 7)])
    by_hand: list[Case] = []

    def open_by_hand() -> None:
        held.wait_started(0)  # chunk 0 is at the writer, its numbers not taken yet
        by_hand.append(cast.open_case())
        held.release(0)
        held.release(1)
        held.release(2)

    summary = import_list(path, cast.officer, batch_size=2, on_progress=progress_at(0, open_by_hand))

    assert summary.imported == 6
    assert by_hand[0].number.endswith("-00001")
    assert serials(cast) == list(range(1, 8))
    imported = Case.objects.filter(list_entry__isnull=False).order_by("pk").values_list("number", flat=True)
    assert [int(number.rsplit("-", 1)[1]) for number in imported] == list(range(2, 8))
    assert held.threads and all(name.startswith("import-writer") for name in held.threads)


def test_a_number_taken_while_the_writer_holds_the_counter_follows_the_chunk(
    cast: Cast, tmp_path: Path, held: HeldWriter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A case opened by hand while the writer's transaction holds the counter row: it waits
    for the chunk's commit and takes the number after the chunk's."""
    add_focus_only_basis()
    path = write_csv(tmp_path / "list.csv", [good_row(cast, serial) for serial in range(1, 5)])
    numbered = threading.Event()
    go_on = threading.Event()
    original = determinations.next_case_numbers

    def numbers_then_wait(department: Any, count: int) -> list[str]:
        numbers = original(department, count)
        if threading.current_thread().name.startswith("import-writer") and not numbered.is_set():
            numbered.set()
            assert go_on.wait(WAIT)
        return numbers

    monkeypatch.setattr(determinations, "next_case_numbers", numbers_then_wait)
    by_hand: list[Case] = []
    done = threading.Event()

    def open_by_hand() -> None:
        by_hand.append(cast.open_case())  # blocks on the counter row until chunk 0 commits
        done.set()

    def race() -> None:
        held.release(0)
        assert numbered.wait(WAIT)  # chunk 0's numbers taken, its transaction open
        hand = threading.Thread(target=run_closing, args=(open_by_hand,))
        hand.start()
        wait_until_blocked_on_lock(hand_pid.wait())
        go_on.set()
        hand.join(WAIT)
        held.release(1)

    hand_pid = PidBox()

    def run_closing(work: Callable[[], None]) -> None:
        try:
            hand_pid.put(backend_pid())
            work()
        finally:
            connection.close()

    summary = import_list(path, cast.officer, batch_size=2, on_progress=progress_at(0, race))

    assert done.is_set() and summary.imported == 4
    assert by_hand[0].number.endswith("-00003")
    assert serials(cast) == list(range(1, 6))


class PidBox:
    def __init__(self) -> None:
        self.value = 0
        self.ready = threading.Event()

    def put(self, value: int) -> None:
        self.value = value
        self.ready.set()

    def wait(self) -> int:
        assert self.ready.wait(WAIT)
        return self.value


def test_a_chunk_meeting_a_key_another_import_committed_is_rolled_back_whole_and_written_row_by_row(
    cast: Cast, tmp_path: Path, held: HeldWriter
) -> None:
    """Chunk 0 waits at the writer while another import records one of its rows: the writer's
    transaction fails on the natural key and rolls back (its case numbers with it); the chunk's
    rows go through the per-case path, the one recorded meanwhile is unchanged."""
    add_focus_only_basis()
    rows = [good_row(cast, serial) for serial in range(1, 5)]
    path = write_csv(tmp_path / "list.csv", rows)
    other = write_csv(tmp_path / "other.csv", [rows[1]])
    others: list[Summary] = []

    def import_meanwhile() -> None:
        held.wait_started(0)
        others.append(import_list(other, cast.officer, pipelined=False))
        held.release(0)
        held.release(1)

    summary = import_list(path, cast.officer, batch_size=2, on_progress=progress_at(0, import_meanwhile))

    assert others[0].imported == 1
    assert (summary.imported, summary.unchanged, summary.rejected) == (3, 1, 0)
    assert Case.objects.count() == ListEntry.objects.count() == 4
    assert serials(cast) == list(range(1, 5))
