"""One caller's parallel credit checks are counted together: the enumeration alert fires once."""

from typing import Any

import pytest

from casework.identifiers import citizen_id_check_char
from casework.models import CreditCheck, CreditCheckAlert
from notifications.models import Message
from tests.api.conftest import client_for
from tests.conftest import Cast
from tests.pg.concurrency import run_together

PARALLEL = 12


def variants(count: int) -> list[str]:
    """Numbers that share the last four characters "002X": the probe's search, region varied."""
    numbers = []
    for region in range(210301, 210399):
        for day in range(1, 29):
            body = f"{region}199001{day:02d}002"
            if citizen_id_check_char(body) == "X":
                numbers.append(body + "X")
                break
        if len(numbers) == count:
            return numbers
    raise AssertionError("not enough variants")


@pytest.mark.django_db(transaction=True)
def test_parallel_checks_of_one_caller_raise_the_alert_exactly_once(cast: Cast, settings: Any) -> None:
    settings.CREDIT_CHECK_RATE = None  # the rule under test, not the throttle
    numbers = variants(PARALLEL)

    def check(index: int) -> int:
        return client_for(cast.ndrc_officer).get(f"/api/v1/credit-check/{numbers[index]}/").status_code

    outcomes = run_together(PARALLEL, check)

    assert outcomes == [200] * PARALLEL
    assert CreditCheck.objects.filter(checked_by=cast.ndrc_officer).count() == PARALLEL
    assert list(CreditCheckAlert.objects.values_list("rule", "checks")) == [("number_variants", 5)]
    assert Message.objects.filter(event="creditcheck.alert").count() == 1
