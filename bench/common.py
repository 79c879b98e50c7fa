"""Bulk deadline rows for the sweep's multi-worker test (PostgreSQL only).

Rows are written with one INSERT … SELECT generate_series: a million rows take
seconds, where the ORM would take minutes. They hang off one case and look
like objection-acceptance clocks.
"""

from datetime import date, datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import connection

from workflows.choices import Rung, Step
from workflows.models import Policy

INSERT = """
INSERT INTO workflows_deadline (
    case_id, target_type_id, target_id, step, policy_id, party, department_id, state,
    started_on, length, length_from_order, extension, paused_days, paused_since, pause_reason,
    due_on, due_at, warn_at, provisional, mirror_field, next_fire_at, next_rung,
    escalation_level, failures, opened_at, closed_at
)
SELECT %(case_id)s, %(type_id)s, %(case_id)s, %(step)s, %(policy_id)s, 'department',
       %(department_id)s, 'running', %(started_on)s, 2, false, 0, 0, NULL, '',
       %(due_on)s, %(due_at)s, %(warn_at)s, false, '', %(next_fire_at)s, %(next_rung)s,
       %(level)s, 0, now(), NULL
FROM generate_series(1, %(count)s)
"""


def insert_deadlines(case: object, count: int, *, due: bool, now: datetime,
                     next_rung: str = Rung.WARNING, due_on: date | None = None) -> None:
    """``count`` open clocks on ``case``.

    Due rows are long overdue and owe every rung from ``next_rung`` on (warning: all three;
    breach: breach and 督办); the others are due in two months.
    """
    policy = Policy.objects.in_force(Step.OBJECTION_ACCEPT, now.date())
    assert policy is not None
    if due_on is None:
        due_on = date(2026, 1, 6) if due else (now + timedelta(days=60)).date()
    warn_at = datetime.combine(due_on - timedelta(days=1), datetime.min.time(), now.tzinfo)
    due_at = warn_at + timedelta(days=2)
    owes_breach_first = next_rung == Rung.BREACH
    params = {
        "case_id": case.pk, "type_id": ContentType.objects.get_for_model(case).pk,  # type: ignore[attr-defined]
        "step": Step.OBJECTION_ACCEPT, "policy_id": policy.pk,
        "department_id": case.owner_department_id,  # type: ignore[attr-defined]
        "started_on": due_on - timedelta(days=2), "due_on": due_on, "due_at": due_at,
        "warn_at": warn_at, "next_fire_at": due_at if owes_breach_first else warn_at,
        "next_rung": next_rung, "level": 1 if owes_breach_first else 0, "count": count,
    }
    with connection.cursor() as cursor:
        cursor.execute(INSERT, params)
