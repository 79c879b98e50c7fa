"""docs/traceability.md: every city-plan item is there, and every test it names exists."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "traceability.md"
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)(?:::(\w+))?`")
IN_FULL = (8, 9, 10, 11, 14, 16, 19)


def named_tests() -> list[tuple[str, str | None]]:
    return REFERENCE.findall(DOC.read_text(encoding="utf-8"))


def defined_tests(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test_")}


def missing(references: list[tuple[str, str | None]]) -> list[str]:
    absent = []
    for file, name in references:
        path = ROOT / file
        if not path.is_file():
            absent.append(file)
        elif name and name not in defined_tests(path):
            absent.append(f"{file}::{name}")
    return absent


def test_every_test_named_in_the_traceability_table_exists() -> None:
    references = named_tests()
    assert len(references) > 40, "the pattern of the references is stale"
    assert missing(references) == []


def test_a_misnamed_test_would_be_reported() -> None:
    assert missing([("tests/test_traceability.py", "test_that_does_not_exist")]) == [
        "tests/test_traceability.py::test_that_does_not_exist"]
    assert missing([("tests/nowhere.py", None)]) == ["tests/nowhere.py"]


def test_every_item_of_the_city_plan_is_traced_and_the_core_ones_in_full() -> None:
    text = DOC.read_text(encoding="utf-8")
    for item in IN_FULL:
        assert re.search(rf"^### {item}\. ", text, flags=re.MULTILINE), item
    for item in set(range(1, 20)) - set(IN_FULL):
        assert re.search(rf"^\| {item}\. ", text, flags=re.MULTILINE), item
