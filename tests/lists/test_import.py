"""Importing a list file: good rows through the services, each bad row reported with its line."""

import csv
import re
from pathlib import Path

import pytest

from casework.choices import CaseOrigin
from casework.models import AuditEvent, Case, CreditIndexEntry, MeasureTask
from lists.models import ListEntry
from lists.readers import FileRefused
from lists.services import Summary, import_list
from notifications.models import Message
from notifications.texts import render
from tests.conftest import Cast
from tests.lists.files import EXPECTED_REJECTIONS, good_row, mixed_rows, write_csv
from workflows.case import CaseState
from workflows.choices import Step
from workflows.models import Deadline

pytestmark = pytest.mark.django_db


def rejected_lines(summary: Summary) -> dict[int, str]:
    assert summary.errors_path is not None
    with summary.errors_path.open(encoding="utf-8-sig", newline="") as stream:
        return {int(row["line"]): row["reason_code"] for row in csv.DictReader(stream)}


def test_import_records_the_good_rows_and_reports_every_bad_row_with_its_line(
    list_cast: Cast, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "list.csv", mixed_rows(list_cast))

    summary = import_list(path, list_cast.officer)

    assert (summary.total, summary.imported, summary.rejected) == (10, 3, 7)
    assert rejected_lines(summary) == EXPECTED_REJECTIONS
    assert summary.errors_path == tmp_path / "list.csv.errors.csv"
    assert Case.objects.filter(state=CaseState.LISTED).count() == 3
    assert ListEntry.objects.count() == 3


def test_the_error_file_gives_each_reason_in_words(list_cast: Cast, tmp_path: Path) -> None:
    summary = import_list(write_csv(tmp_path / "list.csv", mixed_rows(list_cast)), list_cast.officer)

    assert summary.errors_path is not None
    with summary.errors_path.open(encoding="utf-8-sig", newline="") as stream:
        reasons = {int(row["line"]): row["reason"] for row in csv.DictReader(stream)}
    assert "第 2 行" in reasons[11]
    assert "不存在的法律 第一条" in reasons[6]
    assert "no-such-department" in reasons[10]


def test_importing_the_same_file_twice_creates_nothing_the_second_time(
    list_cast: Cast, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "list.csv", mixed_rows(list_cast))
    import_list(path, list_cast.officer)
    counts = [model.objects.count() for model in (Case, AuditEvent, MeasureTask, Deadline, Message)]

    again = import_list(path, list_cast.officer)

    assert (again.imported, again.unchanged, again.updated, again.rejected) == (0, 3, 0, 7)
    assert [model.objects.count() for model in (Case, AuditEvent, MeasureTask, Deadline,
                                                Message)] == counts


def test_a_changed_row_is_an_audited_correction_not_an_overwrite(
    list_cast: Cast, tmp_path: Path
) -> None:
    import_list(write_csv(tmp_path / "a.csv", [good_row(list_cast, 1)]), list_cast.officer)
    case = Case.objects.get()
    version = case.version

    changed = good_row(list_cast, 1, facts="逾期未履行生效判决")
    summary = import_list(write_csv(tmp_path / "b.csv", [changed]), list_cast.officer)

    assert (summary.imported, summary.updated) == (0, 1)
    case.refresh_from_db()
    assert (case.facts, case.version) == ("逾期未履行生效判决", version + 1)
    event = AuditEvent.objects.filter(case=case).latest("seq")
    assert event.action == "corrected_by_import"
    assert event.changes == {"facts": ["拒不履行法院判决确定的义务", "逾期未履行生效判决"]}


def test_a_row_changing_what_an_import_may_not_correct_is_rejected(
    list_cast: Cast, tmp_path: Path
) -> None:
    import_list(write_csv(tmp_path / "a.csv", [good_row(list_cast, 1)]), list_cast.officer)

    moved = good_row(list_cast, 1, decided_on="2025-04-01")
    summary = import_list(write_csv(tmp_path / "b.csv", [moved]), list_cast.officer)

    assert (summary.updated, summary.rejected_by_reason) == (0, {"conflicting_record": 1})
    assert Case.objects.get().decided_on.isoformat() == "2025-03-01"


def test_an_imported_case_goes_through_the_services(list_cast: Cast, tmp_path: Path) -> None:
    import_list(write_csv(tmp_path / "a.csv", [good_row(list_cast, 1)]), list_cast.officer)

    case = Case.objects.get()
    assert (case.state, case.origin, case.listed_from.isoformat()) == (
        CaseState.LISTED, CaseOrigin.IMPORTED, "2025-03-01")
    assert case.owner_department == list_cast.owner and case.drafter == list_cast.officer
    assert list(AuditEvent.objects.filter(case=case, object_type="case")
                .order_by("seq").values_list("action", flat=True)) == [
        "created", "record_determination"]
    assert set(Deadline.objects.filter(case=case).values_list("policy__step", flat=True)) == {
        Step.PUBLICATION_MIN, Step.PUBLICATION_MAX, Step.MEASURE_ACKNOWLEDGE}
    task = MeasureTask.objects.get(case=case)
    assert (task.measure, task.department) == (list_cast.measure, list_cast.joint)
    assert CreditIndexEntry.objects.get(case=case).measures[0]["code"] == "limit-bidding"
    # The joint and the owner department are told in one digest per chunk, not per case.
    joint = Message.objects.get(template="import_digest", audience="joint")
    assert (joint.department, joint.case, joint.context["measures"]) == (
        list_cast.joint, None, [{"measure": list_cast.measure.title, "count": 1}])
    owner = Message.objects.get(template="import_digest", audience="owner")
    assert (owner.department, owner.context["cases"], owner.context["first_number"]) == (
        list_cast.owner, 1, case.number)
    assert not Message.objects.filter(case=case).exists()
    zh, en = render("import_digest", joint.context, "zh-hans"), render("import_digest", owner.context, "en")
    assert f"“{list_cast.measure.title}”：1 项" in zh.body and zh.title.startswith("【名单导入】")
    assert f"numbers {case.number} to {case.number}" in en.body and "pushed 1 measure task" in en.body
    # An import whose bases carry no catalogue measure pushes none, and the digest does not say "0".
    untasked = {**owner.context, "tasks": 0}
    assert "pushed" not in render("import_digest", untasked, "en").body
    assert "推送" not in render("import_digest", untasked, "zh-hans").body


def test_a_wrong_header_is_refused_naming_the_column_and_writes_nothing(
    list_cast: Cast, tmp_path: Path
) -> None:
    path = tmp_path / "list.csv"
    path.write_text("subject_identifier,name,subject_kind\n1,2,3\n", encoding="utf-8")

    with pytest.raises(FileRefused, match="未知列“name”（第 2 列）"):
        import_list(path, list_cast.officer)
    assert not Case.objects.exists() and not (tmp_path / "list.csv.errors.csv").exists()


def test_a_missing_column_is_refused_by_name(list_cast: Cast, tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("subject_identifier,subject_name\n", encoding="utf-8")

    with pytest.raises(FileRefused, match="缺少列“subject_kind”"):
        import_list(path, list_cast.officer)


def test_a_binary_file_is_refused_with_the_byte_offset_and_writes_nothing(
    list_cast: Cast, tmp_path: Path
) -> None:
    path = tmp_path / "list.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")

    with pytest.raises(FileRefused, match="字节偏移 8 处是 NUL 字节"):
        import_list(path, list_cast.officer)
    assert not Case.objects.exists()


def test_an_undecodable_byte_late_in_the_file_is_refused_before_any_row_is_written(
    list_cast: Cast, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "list.csv", [good_row(list_cast, n) for n in range(1, 4)])
    good = path.read_bytes()
    path.write_bytes(good + b"\xff\xfe broken\n")

    with pytest.raises(FileRefused, match=f"字节偏移 {len(good)} 处无法解码"):
        import_list(path, list_cast.officer)
    assert not Case.objects.exists()


def test_an_officer_of_another_department_imports_none_of_its_rows(
    list_cast: Cast, tmp_path: Path
) -> None:
    summary = import_list(write_csv(tmp_path / "a.csv", [good_row(list_cast, 1)]),
                          list_cast.other_officer)

    assert summary.rejected_by_reason == {"not_your_department": 1}
    assert not Case.objects.exists()


def test_a_joint_department_may_not_import(list_cast: Cast, tmp_path: Path) -> None:
    with pytest.raises(FileRefused):
        import_list(write_csv(tmp_path / "a.csv", [good_row(list_cast, 1)]),
                    list_cast.joint_officer)


def test_the_command_shows_progress_and_a_summary_and_says_when_nothing_is_new(
    list_cast: Cast, tmp_path: Path
) -> None:
    from io import StringIO

    from django.core.management import call_command

    path = write_csv(tmp_path / "list.csv", mixed_rows(list_cast))
    call_command("import_list", str(path), "--as", "officer", stdout=StringIO(), stderr=StringIO())
    out, err = StringIO(), StringIO()

    call_command("import_list", str(path), "--as", "officer", stdout=out, stderr=err)

    assert "rows/s" in err.getvalue() and "ETA" in err.getvalue()
    assert "未变化：3" in out.getvalue() and "duplicate_in_file: 1" in out.getvalue()
    assert "没有新内容" not in out.getvalue()  # seven rows are still rejected


def test_the_command_says_so_when_a_second_import_finds_nothing_new(
    list_cast: Cast, tmp_path: Path
) -> None:
    from io import StringIO

    from django.core.management import call_command

    path = write_csv(tmp_path / "list.csv", [good_row(list_cast, n) for n in (1, 2)])
    call_command("import_list", str(path), "--as", "officer", "--no-progress", stdout=StringIO())
    out = StringIO()

    call_command("import_list", str(path), "--as", "officer", "--no-progress", stdout=out)

    assert "已导入：0" in out.getvalue() and "未变化：2" in out.getvalue()
    assert "没有新内容：每一行都已导入且未变化。" in out.getvalue()
    assert re.search(r"用时：读取 [0-9.]+ 秒，校验 [0-9.]+ 秒，写入 [0-9.]+ 秒", out.getvalue())


def test_a_record_keyed_by_its_subject_keeps_the_persons_number_out_of_its_key(
    list_cast: Cast, tmp_path: Path
) -> None:
    person = "11010519491231002X"
    row = good_row(list_cast, 2, subject_identifier=person, subject_name="张某",
                   subject_kind="natural_person", document_number="")
    path = write_csv(tmp_path / "list.csv", [row])
    assert import_list(path, list_cast.officer).imported == 1
    [entry] = ListEntry.objects.all()
    assert entry.natural_key.startswith("subject|v1:") and person not in entry.natural_key
    # The key is still the record's identity: the same row again is recognised as unchanged.
    assert import_list(path, list_cast.officer).unchanged == 1


def test_the_migration_encrypts_the_number_in_existing_keys_and_backwards_restores_it(
    list_cast: Cast, tmp_path: Path
) -> None:
    from importlib import import_module

    from django.apps import apps

    migration = import_module("lists.migrations.0002_encrypt_natural_keys")
    person = "11010519491231002X"
    row = good_row(list_cast, 2, subject_identifier=person, subject_name="张某",
                   subject_kind="natural_person", document_number="")
    import_list(write_csv(tmp_path / "list.csv", [row]), list_cast.officer)
    encrypted = ListEntry.objects.get().natural_key
    migration.decrypt_keys(apps, None)
    assert ListEntry.objects.get().natural_key.startswith(f"subject|{person}|")
    migration.encrypt_keys(apps, None)
    migration.encrypt_keys(apps, None)  # a second run leaves ciphertext alone
    assert ListEntry.objects.get().natural_key == encrypted


def test_an_import_gives_the_objects_it_kept_from_the_collector_back_even_when_it_fails(
    list_cast: Cast, tmp_path: Path
) -> None:
    """The import freezes the objects alive before it (gc.freeze) and unfreezes them at the end,
    whether it ends well or not: nothing stays out of the collector's reach."""
    import gc

    before = gc.get_freeze_count()
    during: list[int] = []

    def progress(summary: Summary) -> None:
        during.append(gc.get_freeze_count())

    import_list(write_csv(tmp_path / "a.csv", [good_row(list_cast, 1)]), list_cast.officer,
                on_progress=progress)
    assert during and during[0] > before
    assert gc.get_freeze_count() == before

    def failing(summary: Summary) -> None:
        raise RuntimeError("progress failed")

    with pytest.raises(RuntimeError):
        import_list(write_csv(tmp_path / "b.csv", [good_row(list_cast, 2)]), list_cast.officer,
                    on_progress=failing)
    assert gc.get_freeze_count() == before
