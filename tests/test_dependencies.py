"""The dependency rule of docs/architecture.md ("Dependency direction"), read from the code.

Every import is counted, the ones inside functions too: a lazy import is still a dependency.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# The machine modules: pure declarations (states, transitions, rules, payloads).
PROJECT_APPS = ("casework", "workflows", "notifications", "documents", "lists", "operations",
                "oversight", "portal", "workbench", "config")

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


def test_workflows_reaches_the_audit_chain_only_through_the_services():
    """The SLA engine calls casework.services (deadline_changes, record_change), never casework.audit."""
    offending = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in sorted((ROOT / "workflows").rglob("*.py")) if "migrations" not in path.parts
        for name in imports_of(path) if within(name, "casework.audit")
    }
    assert not offending, sorted(offending)


def test_the_engine_and_its_effects_do_not_import_each_other():
    """engine.py sends the ``effects`` extension point (casework/hooks.py); effects.py calls the engine."""
    engine = imports_of(ROOT / "casework" / "services" / "engine.py")
    assert not {name for name in engine if within(name, "casework.services.effects")}
    assert "casework.services.engine" in imports_of(ROOT / "casework" / "services" / "effects.py")


def test_the_extension_points_module_imports_nothing_of_the_project():
    """casework/hooks.py names its receivers by dotted path: whoever sends a point depends on it only."""
    offending = {name for name in imports_of(ROOT / "casework" / "hooks.py")
                 if any(within(name, app) for app in PROJECT_APPS)}
    assert not offending, sorted(offending)


def test_every_receiver_list_lives_in_the_extension_points_module():
    """No module keeps a list of receivers of its own, nor registers one at app start."""
    offending = []
    for app in PROJECT_APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if path == ROOT / "casework" / "hooks.py" or "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                target = node.target if isinstance(node, ast.AnnAssign) else None
                names = [target] if target is not None else (
                    node.targets if isinstance(node, ast.Assign) else [])
                for name in names:
                    if isinstance(name, ast.Name) and name.id.endswith("_receivers"):
                        offending.append(f"{path.relative_to(ROOT)}: {name.id}")
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and node.func.attr == "register" and isinstance(node.func.value, ast.Name)
                        and node.func.value.id == "hooks"):
                    offending.append(f"{path.relative_to(ROOT)}:{node.lineno}: hooks.register")
    assert not offending, offending


def test_the_credit_index_is_outside_the_api_package():
    """The index is written and read by casework/indexing.py; the API only parses and answers."""
    assert not (ROOT / "casework" / "api" / "indexing.py").exists()
    index_imports = imports_of(ROOT / "casework" / "indexing.py")
    assert not {name for name in index_imports if within(name, "casework.api")}
    readers = {f"{path.relative_to(ROOT)}" for path in sorted((ROOT / "casework" / "api").rglob("*.py"))
               if "CreditIndexEntry" in path.read_text(encoding="utf-8")}
    assert not readers, sorted(readers)
