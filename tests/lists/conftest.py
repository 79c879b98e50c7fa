from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from casework.choices import LegalBasisKind
from casework.models import LegalBasis
from tests.conftest import Cast


@pytest.fixture
def list_cast(cast: Cast) -> Cast:
    add_focus_only_basis()
    return cast


def add_focus_only_basis() -> None:
    """A local regulation that allows only the key attention list."""
    LegalBasis.objects.create(
        kind=LegalBasisKind.LOCAL_REGULATION, title="辽宁省某条例", article="第十条",
        allows_serious_list=False, allows_focus_list=True, active_from=date(2020, 1, 1),
    )


@pytest.fixture
def import_dir(tmp_path: Any) -> Any:
    return tmp_path


@pytest.fixture(autouse=True)
def _eager_tasks() -> Iterator[None]:
    """The import task runs in the test, broker or not (the brief: eager in tests)."""
    from config.celery import app

    previous, app.conf.task_always_eager = app.conf.task_always_eager, True
    yield
    app.conf.task_always_eager = previous
