"""States are compared through their choices constants (ObjectionState.PARTLY_UPHELD), never a
bare string: a renamed or mistyped value then fails at import, not silently at run time."""

import ast
from pathlib import Path

from tests.test_dependencies import PROJECT_APPS

ROOT = Path(__file__).resolve().parent.parent
COMPARED = {"state", "outcome", "kind"}
# workflows/case.py imports workflows/statement.py, so the statement machine cannot import
# CaseState back (an import cycle): its one comparison, case.state == "notified", stays.
EXEMPT = {"workflows/statement.py"}


def _bare(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(_bare(element) for element in node.elts)
    return False


def bare_comparisons(source: str) -> list[str]:
    """``x.state == "..."`` (or !=, in, not in) with a literal string, in ``source``."""
    return [
        ast.unparse(node) for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Compare) and isinstance(node.left, ast.Attribute)
        and node.left.attr in COMPARED and any(_bare(right) for right in node.comparators)
    ]


def test_the_check_finds_a_bare_state_and_passes_a_constant() -> None:
    assert bare_comparisons('if obj.state == "partly_upheld": pass') == ["obj.state == 'partly_upheld'"]
    assert bare_comparisons('ok = d.state in ("paused", x)') == ["d.state in ('paused', x)"]
    assert bare_comparisons("if obj.state == ObjectionState.PARTLY_UPHELD: pass") == []


def test_no_state_outcome_or_kind_is_compared_with_a_bare_string() -> None:
    found = []
    for app in PROJECT_APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            if "migrations" in path.parts or name in EXEMPT:
                continue
            found += [f"{name}: {text}" for text in bare_comparisons(path.read_text(encoding="utf-8"))]
    assert found == []
