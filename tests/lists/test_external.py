"""An external list entry only dispatches measures and answers the credit check."""

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone

from casework import services
from casework.choices import CaseOrigin
from casework.indexing import credit_check
from casework.models import Case, MeasureTask
from lists.services import import_list
from tests.conftest import Cast
from tests.lists.files import good_row, uscc, write_csv
from workflows.case import CaseState, ExitReason
from workflows.choices import Step
from workflows.guards import RuleRefused
from workflows.models import Deadline
from workflows.sweep import sweep

pytestmark = pytest.mark.django_db
COURT = "鞍山市中级人民法院"


@pytest.fixture
def external_case(list_cast: Cast, tmp_path: Path) -> Case:
    row = good_row(list_cast, 1, determining_authority=COURT, document_number="（2025）辽03执1号")
    import_list(write_csv(tmp_path / "court.csv", [row]), list_cast.officer)
    return Case.objects.get()


def test_an_external_entry_keeps_its_determining_authority_and_is_not_published_here(
    external_case: Case,
) -> None:
    assert (external_case.origin, external_case.determining_authority) == (CaseOrigin.EXTERNAL, COURT)
    assert external_case.is_listed() and not external_case.published


def test_an_external_entry_pushes_its_measures_and_answers_the_credit_check(
    external_case: Case, list_cast: Cast
) -> None:
    assert MeasureTask.objects.filter(case=external_case, department=list_cast.joint).count() == 1

    answer = credit_check(uscc(1), list_cast.joint_officer)

    assert answer["listed"] and answer["list_types"] == ["serious"]
    assert [m["code"] for m in answer["measures"]] == ["limit-bidding"]


def test_an_objection_to_an_external_entry_goes_to_its_authority(
    external_case: Case, list_cast: Cast
) -> None:
    subject_user = list_cast.subject_user
    subject_user.subject = external_case.subject
    subject_user.save()

    with pytest.raises(RuleRefused) as refused:
        services.file_objection(external_case, subject_user, "不是我")
    assert refused.value.code == "determined_elsewhere"
    assert not external_case.objections.exists()


def test_the_city_orders_no_rectification_on_an_external_entry(
    external_case: Case, list_cast: Cast
) -> None:
    with pytest.raises(RuleRefused) as refused:
        services.order_rectification(external_case, list_cast.officer, "整改")
    assert refused.value.code == "determined_elsewhere"


PUBLICATION = (Step.PUBLICATION_MIN, Step.PUBLICATION_MAX)


@pytest.mark.parametrize("batched", [True, False])
def test_an_external_entry_keeps_the_dates_of_its_publication_period_and_no_clock_of_it(
    list_cast: Cast, tmp_path: Path, batched: bool
) -> None:
    court = good_row(list_cast, 1, determining_authority=COURT, document_number="（2025）辽03执1号")
    own = good_row(list_cast, 2)  # the same determination, the city's own
    import_list(write_csv(tmp_path / "both.csv", [court, own]), list_cast.officer, batched=batched)
    external = Case.objects.get(origin=CaseOrigin.EXTERNAL)
    city = Case.objects.get(origin=CaseOrigin.IMPORTED)

    assert external.listed_until is not None and external.publication_min_until is not None
    assert (external.listed_from, external.publication_min_until, external.listed_until) == (
        city.listed_from, city.publication_min_until, city.listed_until)
    assert not Deadline.objects.filter(case=external, step__in=PUBLICATION).exists()
    assert sorted(Deadline.objects.filter(case=city, step__in=PUBLICATION)
                  .values_list("step", "due_on")) == sorted([
        (Step.PUBLICATION_MAX, city.listed_until), (Step.PUBLICATION_MIN, city.publication_min_until)])
    # Its measure task's clock is kept, as a city case's.
    assert Deadline.objects.filter(case=external, step=Step.MEASURE_ACKNOWLEDGE).count() == 1


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, 10))


def test_the_sweep_exits_an_external_entry_the_day_after_its_listed_until(
    external_case: Case, list_cast: Cast
) -> None:
    last_day = external_case.listed_until
    assert last_day is not None

    with time_machine.travel(_at(last_day), tick=False):
        sweep()
    external_case.refresh_from_db()
    assert external_case.is_listed()

    with time_machine.travel(_at(last_day + timedelta(days=1)), tick=False):
        result = sweep()
        answer = credit_check(uscc(1), list_cast.joint_officer)
    external_case.refresh_from_db()
    assert (external_case.state, external_case.exit_reason) == (CaseState.EXITED, ExitReason.EXPIRED)
    assert result.actions >= 1
    assert not answer["listed"]
    assert external_case.audit_events.filter(action="exit").count() == 1
