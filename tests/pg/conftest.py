"""Every test under tests/pg is about the real PostgreSQL: locks, triggers, jsonb.

On another database they are skipped with the reason; with
CASEWORK_REQUIRE_SERVICES=1 (CI) they fail instead, so a misconfigured CI run
can never pass by silently skipping them.
"""

import os
from pathlib import Path

import pytest
from django.db import connections

from tests.conftest import ensure_reference_data
from tests.pg.servers import collect_static

PG_DIR = Path(__file__).parent
REQUIRE_SERVICES = "CASEWORK_REQUIRE_SERVICES"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # This hook sees the whole session's items: mark only ours, so `-m postgres` selects them.
    for item in items:
        if PG_DIR in Path(item.path).parents:
            item.add_marker(pytest.mark.postgres)


def postgres_missing_reason() -> str | None:
    vendor = connections["default"].vendor
    if vendor == "postgresql":
        return None
    return (
        f"needs the real PostgreSQL, the default database is {vendor}: "
        "set DATABASE_URL=postgres://postgres@127.0.0.1:5432/casework"
    )


@pytest.fixture(autouse=True, scope="package")
def _require_postgres() -> None:
    # Package scope: decided once, before any test's database setup.
    reason = postgres_missing_reason()
    if reason is None:
        return
    if os.environ.get(REQUIRE_SERVICES) == "1":
        pytest.fail(f"{REQUIRE_SERVICES}=1 and this test {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _reference_data(request: pytest.FixtureRequest) -> None:
    """As in tests/conftest.py, but for the non-transactional tests here too.

    A --reuse-db run starts on whatever the previous run's last transactional
    test left: a flushed database without the migration-seeded policies.
    """
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return
    request.getfixturevalue("transactional_db" if marker.kwargs.get("transaction") else "db")
    ensure_reference_data()


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hashed, compressed static files (collectstatic, as `make run` does) in a directory of
    this run's own, collected once for the servers the browser tests start: never a checkout's
    var/static/, which an older run may have left behind the source."""
    return collect_static(tmp_path_factory.mktemp("static"))
