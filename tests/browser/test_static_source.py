"""The browser tests' live server serves the static files of the source, never a collected copy.

WhiteNoise serves STATIC_ROOT before what the finders find: after a `collectstatic` in the
checkout (`make run`), var/static/ holds a copy of workbench.js that the next edit makes old.
The tests point STATIC_ROOT at an empty directory of their own (tests/conftest.py).
"""

from pathlib import Path

import httpx
from django.conf import settings

from tests.browser.harness import ROOT

SOURCE = ROOT / "workbench" / "static" / "workbench"


def test_the_live_server_serves_the_source_workbench_script_and_stylesheet(site: str) -> None:
    assert not any(Path(settings.STATIC_ROOT).iterdir()), "the tests' STATIC_ROOT is not empty"
    assert Path(settings.STATIC_ROOT).resolve() != (ROOT / "var" / "static").resolve()
    for name in ("workbench.js", "workbench.css"):
        answer = httpx.get(f"{site}/static/workbench/{name}", timeout=10)
        assert answer.status_code == 200, name
        assert answer.content == (SOURCE / name).read_bytes(), f"{name} is not the source's"

