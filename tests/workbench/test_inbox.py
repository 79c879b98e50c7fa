"""The department inbox: its counts by SLA state, its covering index, its page's queries."""

import itertools
import re
from collections import Counter
from datetime import timedelta
from typing import Any

import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casework.inbox import (
    LEVEL_BREACH,
    LEVEL_LEADERSHIP,
    LEVEL_WARNING,
    MILESTONES,
    inbox_counts,
    pending_moves,
    sla_filters,
    sla_state,
)
from tests.conftest import Cast
from workflows.choices import DeadlineState, Party, Step
from workflows.models import Deadline


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def a_clock_of(cast: Cast) -> Deadline:
    """One open clock waiting on the owner department (a case's clock made the department's move)."""
    case = cast.notified_case()
    clock = Deadline.objects.filter(case=case).order_by("pk").first()
    assert clock is not None
    Deadline.objects.filter(case=case).exclude(pk=clock.pk).delete()
    Deadline.objects.filter(pk=clock.pk).update(
        party=Party.DEPARTMENT, department=cast.owner, closed_at=None, state=DeadlineState.RUNNING,
        escalation_level=0, warn_at=None, due_at=timezone.now() + timedelta(days=30),
        step=clock.step if clock.step not in MILESTONES else Step.values[0], next_fire_at=None)
    clock.refresh_from_db()
    return clock


def clone(deadline: Deadline, **fields: Any) -> Deadline:
    copy = Deadline.objects.get(pk=deadline.pk)
    copy.pk = None
    for name, value in fields.items():
        setattr(copy, name, value)
    copy.save()
    return copy


def every_combination(cast: Cast, now: Any) -> None:
    """Open clocks of the owner department in every combination of what the SLA state reads,
    on both sides of ``now``, and clocks the inbox leaves out (closed, the subject's move,
    a publication milestone, another department's)."""
    model = a_clock_of(cast)
    times = [now - timedelta(hours=1), now, now + timedelta(hours=1)]
    for state, level, due_at, warn_at in itertools.product(
            [DeadlineState.RUNNING, DeadlineState.PAUSED, DeadlineState.BREACHED],
            [0, LEVEL_WARNING, LEVEL_BREACH, LEVEL_LEADERSHIP], times, [None, *times]):
        clone(model, state=state, escalation_level=level, due_at=due_at, warn_at=warn_at)
    left_out = {"state": DeadlineState.RUNNING, "escalation_level": LEVEL_LEADERSHIP, "due_at": times[0]}
    clone(model, **left_out, closed_at=now)
    clone(model, **{**left_out, "state": DeadlineState.MET}, closed_at=now)
    clone(model, **left_out, party=Party.SUBJECT)
    for milestone in MILESTONES:
        clone(model, **left_out, step=milestone)
    clone(model, **left_out, department=cast.other)


def test_inbox_counts_equal_sla_state_applied_row_by_row(cast: Cast) -> None:
    now = timezone.now()
    every_combination(cast, now)
    rows = list(pending_moves(cast.owner.pk))
    by_row = Counter(sla_state(deadline, now) for deadline in rows)
    counts = inbox_counts(cast.owner.pk, now)
    assert counts == {state: by_row.get(state, 0) for state in counts}
    assert sum(counts.values()) == len(rows) == 3 * 4 * 3 * 4 + 1  # the cast's own clock too
    assert all(counts.values()), counts  # every state is reached, so the equality says something
    # And each SLA filter of the inbox selects exactly the rows of its state.
    for state, condition in sla_filters(now).items():
        assert {d.pk for d in pending_moves(cast.owner.pk).filter(condition)} == {
            d.pk for d in rows if sla_state(d, now) == state}


def test_inbox_leaves_out_closed_clocks_the_subjects_moves_milestones_and_others(cast: Cast) -> None:
    now = timezone.now()
    every_combination(cast, now)
    rows = list(pending_moves(cast.owner.pk))
    assert all(d.closed_at is None and d.party != Party.SUBJECT and d.step not in MILESTONES
               and d.department_id == cast.owner.pk for d in rows)
    assert Deadline.objects.filter(department=cast.owner).count() > len(rows)


def explain(sql: str, params: Any) -> str:
    with connection.cursor() as cursor:
        # The test database is tiny, and there the planner takes any index: leave it only
        # deadline_inbox (the DROPs are rolled back with the test's transaction) and no table
        # scan, to show whether that index answers the query, and alone.
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'workflows_deadline' "
                       "AND indexname <> 'deadline_inbox' AND indexname NOT LIKE '%%pkey'")
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("ANALYZE workflows_deadline")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_counts_and_the_rows_read_the_inbox_index_the_counts_alone(cast: Cast) -> None:
    now = timezone.now()
    every_combination(cast, now)
    with CaptureQueriesContext(connection) as captured:
        inbox_counts(cast.owner.pk, now)
    [count_sql] = [query["sql"] for query in captured if query["sql"].startswith("SELECT")]
    # Index only: every column the counts read is in deadline_inbox (the visibility map is
    # another matter: VACUUM, normally autovacuum, in a real database).
    assert "Index Only Scan using deadline_inbox" in explain(count_sql, None)
    stepped = pending_moves(cast.owner.pk).filter(step=Step.values[0]).values("pk")
    assert "Index Only Scan using deadline_inbox" in explain(*stepped.query.sql_with_params())
    from casework.inbox import department_inbox

    rows_sql, rows_params = department_inbox(cast.owner.pk, now=now)[:51].query.sql_with_params()
    plan = explain(rows_sql, rows_params)
    assert "Index Scan using deadline_inbox" in plan and "Sort" not in plan.split("Index Scan")[0], plan


def test_the_inbox_page_runs_the_same_queries_for_one_row_as_for_fifty(cast: Cast) -> None:
    model = a_clock_of(cast)
    officer = client_for(cast.officer)
    officer.get("/inbox/")

    def queries() -> tuple[int, int, str]:
        with CaptureQueriesContext(connection) as captured:
            page = officer.get("/inbox/")
        return len(captured), page.content.decode().count("data-wb-deadline="), page.content.decode()

    few, shown, _ = queries()
    assert shown == 1
    for hours in range(60):
        clone(model, due_at=timezone.now() + timedelta(hours=hours + 1))
    many, shown, html = queries()
    assert shown == 50
    assert many == few, "a query per row (N+1)"
    assert str(Step(model.step).label) in html  # the step's name, translated once a page


def test_the_counts_fragment_shows_each_states_count_for_the_live_page(cast: Cast) -> None:
    """GET /inbox/counts/ is the page's counts alone, read again with the rows when clocks move."""
    now = timezone.now()
    every_combination(cast, now)
    with time_machine.travel(now, tick=False):
        html = client_for(cast.officer).get("/inbox/counts/").content.decode()
        counts = inbox_counts(cast.owner.pk)
    for state, count in counts.items():
        assert re.search(rf'data-wb-count="{state}">.*?</span> {count}</a>', html), (state, count)
    assert Client().get("/inbox/counts/").status_code == 302  # signed-in staff only

