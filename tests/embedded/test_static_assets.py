"""The embedded mode (`make run`: collectstatic, then run_embedded) serves hashed static assets.

A real run_embedded process on a fresh SQLite database: the sign-in page's CSS and JS are
linked by their hashed names (CompressedManifestStaticFilesStorage) and each answers 200 with
the right content type and a long cache lifetime from WhiteNoise.
"""

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
HASHED = re.compile(r"\.[0-9a-f]{12}\.(css|js)$")
ASSET = re.compile(r'(?:href|src)="(/static/[^"]+\.(?:css|js))"')
TYPES = {"css": "text/css", "js": "text/javascript"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    var = tmp_path_factory.mktemp("embedded-var")
    env = {**os.environ, "CASEWORK_VAR_DIR": str(var), "DATABASE_URL": f"sqlite:///{var / 'db.sqlite3'}",
           "SECRET_KEY": "embedded-test-" + "k" * 40, "AUDIT_HMAC_KEY": "ab" * 32}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    manage = [sys.executable, str(ROOT / "manage.py")]
    for step in (["migrate", "--noinput", "-v0"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run([*manage, *step], env=env, cwd=ROOT, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen([*manage, "run_embedded", f"127.0.0.1:{port}", "--noreload"], env=env,
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _attempt in range(100):
            try:
                httpx.get(base + "/accounts/login/", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_embedded_mode_links_hashed_assets_that_answer_with_their_content_type(embedded: str) -> None:
    page = httpx.get(embedded + "/accounts/login/", timeout=10)
    assert page.status_code == 200
    assets = ASSET.findall(page.text)
    assert any(path.endswith(".css") for path in assets) and any(path.endswith(".js") for path in assets)
    for path in assets:
        assert HASHED.search(path), f"{path} is not a hashed name"
        answer = httpx.get(embedded + path, timeout=10)
        assert answer.status_code == 200, path
        kind = path.rsplit(".", 1)[1]
        assert answer.headers["content-type"].split(";")[0] == TYPES[kind], path
        assert "max-age=315360000" in answer.headers.get("cache-control", ""), path


def test_embedded_mode_refuses_an_unhashed_name_of_a_hashed_asset(embedded: str) -> None:
    """Only the names the manifest knows are served forever; a wrong hash is a 404."""
    page = httpx.get(embedded + "/accounts/login/", timeout=10)
    path = next(path for path in ASSET.findall(page.text) if path.endswith(".css"))
    wrong = HASHED.sub(r".000000000000.\1", path)
    assert httpx.get(embedded + wrong, timeout=10).status_code == 404
