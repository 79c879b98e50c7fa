"""docs/sla.md is generated from the policy data and lists every row with source, grade, layer."""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command, get_commands
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


# A code name: an identifier with an underscore (sla_recompute), a module or script (manage.py).
CODE_NAME = re.compile(r"[A-Za-z]\w*_\w+|\w+\.py\b")


def code_names(text: str) -> list[str]:
    commands = set(get_commands())
    return sorted({*CODE_NAME.findall(text),
                   *[word for word in re.findall(r"[A-Za-z_]+", text) if word in commands]})


def test_the_code_name_pattern_finds_commands_and_identifiers() -> None:
    assert code_names("manage.py sla_recompute 重新计算") == ["manage.py", "sla_recompute"]
    assert code_names("运行 migrate 后") == ["migrate"]
    assert code_names("国办发〔2025〕22号 第二项：轻微0至3个月") == []


def test_no_default_policy_source_names_a_command_or_code_name() -> None:
    """The source is shown to staff and subjects (portal clocks, timeline, notices): it says
    what happens in words."""
    assert {row["source"][:40]: code_names(row["source"]) for row in DEFAULT_POLICIES
            if code_names(row["source"])} == {}


@pytest.mark.django_db
def test_the_loaded_policy_sources_are_the_datas_and_name_no_code() -> None:
    """The migrations bring the database's rows to the data's wording (0023 rewords them)."""
    data = {(r["step"], r.get("jurisdiction", ""), r.get("dishonesty_class", ""), r.get("sector", ""),
             r["effective_from"]): r["source"] for r in DEFAULT_POLICIES}
    loaded = {(p.step, p.jurisdiction, p.dishonesty_class, p.sector, p.effective_from): p.source
              for p in Policy.objects.filter(legal_basis=None)}
    assert loaded == data
    assert [source[:40] for source in loaded.values() if code_names(source)] == []
