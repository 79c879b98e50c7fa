"""陈述申辩 as a step: submitted in the window, answered with reasons before the decision."""

from datetime import date, datetime

import pytest
import time_machine
from django.utils import timezone

from casework import services
from casework.exceptions import PayloadInvalid
from casework.models import Case, Statement
from tests.casework.refusals import nothing_written, refused
from tests.conftest import Cast


def at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


def served_notice(cast: Cast) -> Case:
    case = cast.open_case()
    services.advance(case, "notify", cast.officer)
    return cast.served(case)


def test_the_subject_submits_a_statement_while_the_window_runs(cast: Cast) -> None:
    with time_machine.travel(at(date(2026, 11, 2)), tick=False):
        case = served_notice(cast)
        statement = services.submit_statement(case, cast.subject_user, "已履行部分义务，请从轻")
    assert (statement.state, statement.text, statement.submitted_by) == (
        "submitted", "已履行部分义务，请从轻", cast.subject_user)


def test_no_statement_before_service_after_the_window_or_by_another_subject(cast: Cast) -> None:
    with time_machine.travel(at(date(2026, 11, 2)), tick=False):
        case = cast.open_case()
        services.advance(case, "notify", cast.officer)
        with refused("statement_window_closed", case):
            services.submit_statement(Case.objects.get(pk=case.pk), cast.subject_user, "申辩")
        case = cast.served(case)
        with refused("own_subject", case):
            services.submit_statement(case, cast.other_subject_user, "申辩")
    with time_machine.travel(at(date(2026, 11, 10)), tick=False):  # due 11-09
        with refused("statement_window_closed", case):
            services.submit_statement(case, cast.subject_user, "申辩")


@pytest.mark.parametrize("answer", ["adopt", "decline"])
def test_the_decision_waits_until_every_statement_is_answered_with_reasons(
    cast: Cast, answer: str,
) -> None:
    with time_machine.travel(at(date(2026, 11, 2)), tick=False):
        case = served_notice(cast)
        statement = services.submit_statement(case, cast.subject_user, "事实认定有误")
    with time_machine.travel(at(date(2026, 11, 10)), tick=False):
        with refused("statement_not_answered", case):
            services.advance(Case.objects.get(pk=case.pk), "determine", cast.reviewer)
        with nothing_written(statement), pytest.raises(PayloadInvalid) as invalid:
            services.advance(statement, answer, cast.officer, {"reason": " "})
        assert list(invalid.value.errors) == ["reason"]
        services.advance(statement, answer, cast.officer, {"reason": "证据不足以推翻认定事实"})
        answered = Statement.objects.get(pk=statement.pk)
        assert (answered.answer_reason, answered.answered_by) == ("证据不足以推翻认定事实", cast.officer)
        services.advance(Case.objects.get(pk=case.pk), "determine", cast.reviewer)
    assert Case.objects.get(pk=case.pk).state == "listed"
