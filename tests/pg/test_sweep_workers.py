"""Four sweeper processes on the real PostgreSQL: every rung fires exactly once."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from bench.common import insert_deadlines
from tests.conftest import Cast
from workflows.choices import TimelineKind
from workflows.models import Deadline, DeadlineEvent, Escalation

ROOT = Path(__file__).resolve().parents[2]
DUE = 10_000
WORKERS = 4
RUNGS_PER_ROW = 3  # warning, breach, 督办: the rows are long overdue


def sweeper_env() -> dict[str, str]:
    settings = connection.settings_dict
    url = (f"postgres://{settings['USER'] or 'postgres'}@{settings['HOST'] or '127.0.0.1'}:"
           f"{settings['PORT'] or 5432}/{settings['NAME']}")
    return {**os.environ, "DATABASE_URL": url, "CELERY_TASK_ALWAYS_EAGER": "1"}


@pytest.mark.django_db(transaction=True)
def test_four_sweepers_fire_every_rung_of_ten_thousand_deadlines_exactly_once(cast: Cast) -> None:
    case = cast.listed_case(list_type="focus")
    now = timezone.now()
    insert_deadlines(case, DUE, due=True, now=now)
    insert_deadlines(case, 1, due=True, now=now, next_rung="bogus")  # a poisoned row
    poisoned = Deadline.objects.get(next_rung="bogus")

    sweepers = [
        subprocess.Popen([sys.executable, "manage.py", "sla_sweep", "--batch-size", "250"], cwd=ROOT,
                         env=sweeper_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(WORKERS)
    ]
    outputs = [sweeper.communicate(timeout=300) for sweeper in sweepers]

    assert [sweeper.returncode for sweeper in sweepers] == [0] * WORKERS, outputs
    bulk = Escalation.objects.exclude(deadline=poisoned).filter(deadline__case=case)
    assert bulk.count() == DUE * RUNGS_PER_ROW
    fired_events = DeadlineEvent.objects.filter(
        deadline__case=case, kind__in=[TimelineKind.WARNED, TimelineKind.BREACHED, TimelineKind.ESCALATED]
    )
    # Events have no unique key: equal counts mean no worker ever fired a rung twice.
    assert fired_events.count() == DUE * RUNGS_PER_ROW
    claimed = [int(out.split("Swept ")[1].split(" ")[0]) for out, _err in outputs]
    assert sum(claimed) == DUE + 1 and all(count > 0 for count in claimed), claimed
    poisoned.refresh_from_db()
    assert poisoned.failures == 1 and poisoned.next_fire_at > now
    assert not Escalation.objects.filter(deadline=poisoned).exists()
