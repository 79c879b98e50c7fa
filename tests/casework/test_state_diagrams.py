"""The state diagrams in docs/ are generated from the machines and kept in step with them."""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from casework.management.commands.state_diagrams import MARKER, generate
from workflows.case import CaseState
from workflows.objection import ObjectionState

COMMITTED = Path(settings.BASE_DIR) / "docs" / "state-diagrams"
MACHINE_FILES = {
    "case.md", "measure_task.md", "objection.md", "rectification.md", "repair_application.md",
    "service_act.md", "statement.md", "talk.md",
}


def arrows(markdown: str) -> set[str]:
    """The transition arrows of the Mermaid block (initial and final markers left out)."""
    return {
        line.strip() for line in markdown.splitlines()
        if line.startswith("    ") and " --> " in line and "[*]" not in line
    }


def run(*args: str) -> str:
    out = StringIO()
    call_command("state_diagrams", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def diagrams(tmp_path: Path) -> Path:
    """A fresh copy of the diagrams, so these tests do not fail just because docs/ is stale."""
    copy = tmp_path / "state-diagrams"
    run(str(copy))
    return copy


def test_one_diagram_per_machine_and_an_index() -> None:
    assert set(generate()) == MACHINE_FILES | {"README.md"}


def test_case_diagram_shows_every_state_and_transition() -> None:
    case = generate()["case.md"]
    declared = set(re.findall(r'^    state "[^"]+" as (\w+)$', case, flags=re.MULTILINE))
    assert declared == set(CaseState.values)
    assert arrows(case) == {
        "draft --> notified: notify",
        "draft --> withdrawn: withdraw",
        "notified --> notified: waive_statement",
        "notified --> listed: determine",
        "draft --> listed: record_determination",
        "notified --> withdrawn: withdraw",
        "listed --> listed: correct",
        "listed --> listed: stop_publication",
        "listed --> exited: exit",
        "exited --> listed: relist",
        "exited --> exited: revoke_as_wrongly_listed",
    }
    assert "    [*] --> draft" in case
    # Exited is not an end any more: a revoked repair lists the case again (撤销修复).
    assert {"    withdrawn --> [*]"} == {
        line for line in case.splitlines() if line.endswith("--> [*]")
    }


def test_objection_diagram_shows_the_re_review_the_withdrawals_and_every_state() -> None:
    objection = generate()["objection.md"]
    declared = set(re.findall(r'^    state "[^"]+" as (\w+)$', objection, flags=re.MULTILINE))
    assert declared == set(ObjectionState.values)
    assert {
        "under_review --> partly_upheld: uphold_in_part",
        "dismissed --> re_review: request_re_review",
        "re_review --> upheld: uphold",
        "re_review --> confirmed: confirm_dismissal",
        "filed --> withdrawn: withdraw",
        "re_review --> withdrawn: withdraw",
        "filed --> upheld: withdraw_record",
    } <= arrows(objection)
    # A dismissal is final only once its re-review window has passed: it is not a terminal state.
    assert "    dismissed --> [*]" not in objection


def test_case_table_names_permission_and_condition_rule_codes() -> None:
    case = generate()["case.md"]
    assert (
        "| `determine` | `notified` | `listed` | `reviewer_role` + `owner_department` + `four_eyes` "
        "| `legal_basis_required`, `statement_window_open`, `statement_not_answered` |"
    ) in case
    assert (
        "| `exit` | `listed` | `exited` | `reviewer_role` + `owner_department` + `four_eyes` "
        "or `system_only` | — |"
    ) in case
    assert "| `withdraw` | `draft`, `notified` | `withdrawn` |" in case


def test_renamed_transition_is_drawn_by_its_public_name() -> None:
    rectification = generate()["rectification.md"]
    assert "submitted --> ordered: return" in arrows(rectification)
    assert "| `return` (method `return_submission`) | `submitted` | `ordered` |" in rectification
    assert not any("return_submission" in arrow for arrow in arrows(rectification))


def test_return_value_transition_is_drawn_to_each_allowed_state() -> None:
    measure_task = generate()["measure_task.md"]
    assert {
        "acknowledged --> implemented: report", "acknowledged --> not_applicable: report",
    } <= arrows(measure_task)
    assert "| `report` | `acknowledged` | `implemented`, `not_applicable` | `task_department` | — |" in (
        measure_task
    )


def test_output_is_the_same_whatever_language_is_active() -> None:
    with translation.override("zh-hans"):
        in_chinese = generate()
    assert in_chinese == generate()


def test_check_passes_on_the_committed_diagrams() -> None:
    assert run(str(COMMITTED), "--check") == (
        f"State diagrams in {COMMITTED} match the code (9 files).\n"
    )


def test_check_fails_when_a_diagram_was_edited(diagrams: Path) -> None:
    case = diagrams / "case.md"
    case.write_text(case.read_text(encoding="utf-8").replace(": notify", ": inform"), encoding="utf-8")
    with pytest.raises(CommandError, match=r"are stale: case\.md\. Run `make diagrams`\."):
        run(str(diagrams), "--check")
    assert ": inform" in case.read_text(encoding="utf-8")  # --check writes nothing


def test_check_fails_when_a_diagram_is_missing(diagrams: Path) -> None:
    (diagrams / "talk.md").unlink()
    with pytest.raises(CommandError, match=r"are stale: talk\.md\."):
        run(str(diagrams), "--check")
    assert not (diagrams / "talk.md").exists()


def test_check_fails_when_a_generated_diagram_has_no_machine(diagrams: Path) -> None:
    (diagrams / "gone.md").write_text(f"{MARKER}\n\n# Gone\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"are stale: gone\.md\."):
        run(str(diagrams), "--check")


def test_write_regenerates_what_is_stale_and_leaves_hand_written_files(diagrams: Path) -> None:
    (diagrams / "case.md").write_text("edited\n", encoding="utf-8")
    (diagrams / "gone.md").write_text(f"{MARKER}\n", encoding="utf-8")
    (diagrams / "notes.md").write_text("# Notes written by hand\n", encoding="utf-8")

    assert run(str(diagrams)) == f"Wrote {diagrams}: 2 of 9 files changed.\n"

    assert (diagrams / "case.md").read_text(encoding="utf-8") == generate()["case.md"]
    assert not (diagrams / "gone.md").exists()
    assert (diagrams / "notes.md").read_text(encoding="utf-8") == "# Notes written by hand\n"
    assert run(str(diagrams), "--check").endswith("match the code (9 files).\n")


def test_write_into_a_new_directory_creates_every_file(tmp_path: Path) -> None:
    outdir = tmp_path / "new" / "diagrams"
    assert run(str(outdir)) == f"Wrote {outdir}: 9 of 9 files changed.\n"
    assert {path.name for path in outdir.iterdir()} == MACHINE_FILES | {"README.md"}
    assert run(str(outdir)) == f"Wrote {outdir}: 0 of 9 files changed.\n"
