"""The dependency rule of docs/architecture.md ("Dependency direction"), read from the code.

Every import is counted, the ones inside functions too: a lazy import is still a dependency.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# The machine modules: pure declarations (states, transitions, rules, payloads).
MACHINE_MODULES = ("case", "objection", "rectification", "talk", "measure_task", "repair",
                   "statement", "service_act", "guards", "rules", "payloads", "choices")


def imported_modules(source: str) -> set[str]:
    """Every module an ``import`` or ``from … import`` names, at any depth of the file."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def imports_of(path: Path) -> set[str]:
    return imported_modules(path.read_text(encoding="utf-8"))


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def test_the_scanner_sees_lazy_and_from_imports():
    source = "def f():\n    from casework.api import indexing\nimport casework.services\n"
    found = imported_modules(source)
    assert "casework.api.indexing" in found and "casework.services" in found


@pytest.mark.parametrize("module", MACHINE_MODULES)
def test_machine_modules_import_nothing_of_the_project_but_workflows(module):
    offending = {name for name in imports_of(ROOT / "workflows" / f"{module}.py")
                 if any(within(name, app) for app in ("casework", "notifications", "documents",
                                                       "lists", "operations", "oversight",
                                                       "portal", "workbench", "config"))}
    assert not offending, f"workflows/{module}.py imports {sorted(offending)}"


@pytest.mark.parametrize("package", ["casework/services", "casework/models"])
def test_services_and_models_never_import_the_api(package):
    offending = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for name in imports_of(path) if within(name, "casework.api")
    }
    assert not offending, sorted(offending)
