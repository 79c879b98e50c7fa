"""The Case machine's record_determination: a determination already made, listed from its date."""

from datetime import timedelta

import pytest
from django.utils import timezone

from casework import services
from casework.choices import CaseOrigin
from casework.models import Case
from tests.conftest import Cast
from workflows.guards import RuleRefused

pytestmark = pytest.mark.django_db


def recorded(days_ago: int) -> services.RecordedDetermination:
    return services.RecordedDetermination(
        origin=CaseOrigin.IMPORTED, decided_on=timezone.localdate() - timedelta(days=days_ago),
        document_number="鞍市监罚〔2025〕1号",
    )


def test_a_case_opened_here_cannot_skip_notice_and_decision_by_recording(cast: Cast) -> None:
    case = cast.open_case()

    with pytest.raises(RuleRefused) as refused:
        services.advance(case, "record_determination", cast.officer)

    assert refused.value.code == "decision_date_required"
    assert Case.objects.get(pk=case.pk).state == "draft"


def test_another_departments_officer_cannot_record_a_determination(cast: Cast) -> None:
    case = cast.open_case(recorded=recorded(30))

    with pytest.raises(RuleRefused) as refused:
        services.advance(case, "record_determination", cast.other_officer)

    assert refused.value.code == "owner_department"


def test_a_recorded_determination_is_listed_from_its_decision_date(cast: Cast) -> None:
    case = cast.open_case(recorded=recorded(30))

    services.advance(case, "record_determination", cast.officer)

    case = Case.objects.get(pk=case.pk)
    assert (case.state, case.listed_from) == ("listed", timezone.localdate() - timedelta(days=30))
    assert case.published and case.listed_until is not None
