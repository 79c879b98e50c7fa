"""The sweep's statements per batch do not grow with the batch's rows: the claim reads every
column the climb, the writes and the escalation hooks' receivers (the digests) use, so no row
loads a deferred column or a relation on its own."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.common import insert_deadlines
from notifications.models import Message
from tests.conftest import Cast
from workflows.choices import TimelineKind
from workflows.models import DeadlineEvent, Escalation
from workflows.sweep import sweep


def swept_statements(cast: Cast, count: int) -> int:
    case = cast.listed_case(list_type="focus")
    now = timezone.now()
    insert_deadlines(case, count, due=True, now=now)
    with CaptureQueriesContext(connection) as captured:
        result = sweep(now=now)
    assert result.claimed == count and result.failed == 0
    # long overdue: warning, breach and 督办 each fired once per clock, with its timeline entry
    assert Escalation.objects.filter(deadline__case=case).count() == 3 * count
    assert DeadlineEvent.objects.filter(deadline__case=case, kind__in=[
        TimelineKind.WARNED, TimelineKind.BREACHED, TimelineKind.ESCALATED]).count() == 3 * count
    return len(captured.captured_queries)


@pytest.mark.django_db
def test_a_sweep_of_forty_clocks_takes_as_many_statements_as_one_of_three(cast: Cast) -> None:
    swept_statements(cast, 2)  # the process caches (policies, departments) filled
    digests = Message.objects.count()
    few = swept_statements(cast, 3)
    assert Message.objects.count() > digests  # the digests were written: their receivers ran
    many = swept_statements(cast, 40)
    assert many == few
