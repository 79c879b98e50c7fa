"""Rule sets of the publication periods: the 2025-06-22 boundary and 从旧兼从轻."""

from datetime import date, datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from casework.models import Case
from tests.conftest import Cast
from workflows.choices import Step
from workflows.models import Deadline, Policy


def at(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, 10))


def clock(case: Case, step: str) -> Deadline:
    return Deadline.objects.get(case=case, step=step, closed_at__isnull=True)


def test_between_22_in_force_and_its_rules_a_general_record_is_published_one_year_at_most(cast: Cast) -> None:
    with time_machine.travel(at(date(2025, 9, 1)), tick=False):
        general = cast.listed_case(dishonesty_class="general")
        minor = cast.listed_case(dishonesty_class="minor")
        serious = cast.listed_case()
    general.refresh_from_db()
    minor.refresh_from_db()
    serious.refresh_from_db()
    assert general.listed_until == date(2026, 9, 1)  # 1 year (22号); 3 years under the 2023 rules
    assert general.publication_min_until == date(2025, 12, 1)
    assert minor.listed_until == date(2025, 12, 1) and minor.publication_min_until == date(2025, 9, 1)
    # Serious: the 1-year minimum waits for the implementing rules (2026-04-01); 3 months till then.
    assert serious.publication_min_until == date(2025, 12, 1)
    row = clock(general, Step.PUBLICATION_MAX).policy
    assert row.effective_from == date(2025, 6, 22) and row.effective_to == date(2026, 4, 1)
    assert "国办发〔2025〕22号" in row.source and "过渡期" in row.source


def test_a_record_on_display_takes_a_lighter_newer_rule_when_recomputed(cast: Cast) -> None:
    with time_machine.travel(at(date(2024, 6, 3)), tick=False):
        general = cast.listed_case(dishonesty_class="general")
        serious = cast.listed_case()
    general.refresh_from_db()
    assert general.listed_until == date(2027, 6, 3)  # 2023 rules: 3 years
    with time_machine.travel(at(date(2026, 5, 6)), tick=False):
        call_command("sla_recompute", stdout=StringIO())
    general.refresh_from_db()
    serious.refresh_from_db()
    # 从旧兼从轻: the 2026 rules publish a general record one year at most.
    assert general.listed_until == date(2025, 6, 3)
    assert "第36号" in clock(general, Step.PUBLICATION_MAX).policy.source
    assert general.audit_events.filter(action="deadline_recomputed").exists()
    # The newer serious minimum (1 year) is heavier than the 3 months it started under: kept.
    assert serious.publication_min_until == date(2024, 9, 3)
    assert "第58号" in clock(serious, Step.PUBLICATION_MIN).policy.source


@pytest.mark.django_db
def test_the_lighter_rule_principle_is_policy_data_with_its_source() -> None:
    rows = Policy.objects.filter(step__in=[Step.PUBLICATION_MIN, Step.PUBLICATION_MAX])
    assert rows.exists()
    for row in rows:
        assert row.lighter_rule_applies and "从旧兼从轻" in row.source and "第三十七条" in row.source
    assert not Policy.objects.filter(step=Step.OBJECTION_ACCEPT, lighter_rule_applies=True).exists()


@pytest.mark.django_db
def test_repair_rows_are_versioned_by_the_date_of_their_own_source() -> None:
    for step in (Step.REPAIR_DECIDE, Step.REPAIR_ANSWER):
        rows = list(Policy.objects.filter(step=step, jurisdiction="").order_by("effective_from"))
        assert [row.effective_from for row in rows] == [date(2020, 12, 7), date(2026, 4, 1)]
        assert rows[0].effective_to == date(2026, 4, 1) and rows[0].confidence == "C"
        assert "第36号" in rows[1].source and "第36号令施行前" not in rows[1].source
