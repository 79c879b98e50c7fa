"""The README's promises: its configuration table names every variable the settings read."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_environment_variable_of_the_settings_is_documented_in_the_readme() -> None:
    settings = (ROOT / "config" / "settings.py").read_text()
    variables = set(re.findall(r'env_(?:str|bool|int|list)\("([A-Z_]+)"', settings))
    readme = (ROOT / "README.md").read_text()
    assert variables, "the settings read no variables: the pattern is stale"
    assert sorted(name for name in variables if f"`{name}`" not in readme) == []


def test_the_quickstart_shows_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme and "make test" in readme


def test_the_runtime_requirements_carry_a_websocket_library_for_the_readme_server() -> None:
    # Without one, uvicorn answers the /ws/notifications/ upgrade with 404.
    pins = (ROOT / "requirements.txt").read_text().splitlines()
    assert [line for line in pins if re.match(r"(websockets|wsproto)==", line)] == ["websockets==17.4"]
