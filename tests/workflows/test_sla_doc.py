"""docs/sla.md is generated from the policy data and lists every row with source, grade, layer."""

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from workflows.management.commands.sla_policies import END_MARKER, MARKER, generate
from workflows.models import Policy
from workflows.policy_defaults import DEFAULT_POLICIES


def table_rows(markdown: str) -> list[list[str]]:
    rows = [line for line in markdown.splitlines() if line.startswith("| ") and not line.startswith("| step")]
    return [[cell.strip() for cell in line.strip("|").split(" | ")] for line in rows]


def test_committed_sla_page_is_up_to_date() -> None:
    out = StringIO()
    call_command("sla_policies", "--check", stdout=out)
    assert "up to date" in out.getvalue()


def test_check_fails_when_the_table_is_stale_and_regenerating_keeps_the_prose(tmp_path: Path) -> None:
    stale = tmp_path / "sla.md"
    stale.write_text(f"# Prose\n\nby hand\n\n{MARKER}\n| old | row |\n{END_MARKER}\n\nafter\n",
                     encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("sla_policies", str(stale), "--check", stdout=StringIO())
    call_command("sla_policies", str(stale), stdout=StringIO())
    call_command("sla_policies", str(stale), "--check", stdout=StringIO())
    page = stale.read_text(encoding="utf-8")
    assert page.startswith("# Prose\n\nby hand\n") and page.endswith("\nafter\n")
    assert "| old | row |" not in page and generate() in page


def test_every_policy_row_is_listed_with_its_source_grade_and_layer() -> None:
    rows = table_rows(generate())
    assert len(rows) == len(DEFAULT_POLICIES)
    for data, cells in zip(sorted(DEFAULT_POLICIES, key=lambda r: r["source"]),
                           sorted(rows, key=lambda c: c[-1].replace("\\|", "|")), strict=True):
        assert cells[-1].replace("\\|", "|") == data["source"]
        assert cells[-2] == data["confidence"]
    layers = {cells[1] for cells in rows}
    assert {"national", "辽宁"} <= layers


@pytest.mark.django_db
def test_the_page_lists_what_the_migrations_loaded() -> None:
    loaded = set(Policy.objects.values_list("step", "jurisdiction", "dishonesty_class", "effective_from"))
    listed = {(r["step"], r.get("jurisdiction", ""), r.get("dishonesty_class", ""), r["effective_from"])
              for r in DEFAULT_POLICIES}
    assert loaded == listed
    assert (Path(settings.BASE_DIR) / "docs" / "sla.md").exists()
