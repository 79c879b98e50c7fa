"""An external list entry only dispatches measures and answers the credit check."""

from pathlib import Path

import pytest

from casework import services
from casework.choices import CaseOrigin
from casework.indexing import credit_check
from casework.models import Case, MeasureTask
from lists.services import import_list
from tests.conftest import Cast
from tests.lists.files import good_row, uscc, write_csv
from workflows.guards import RuleRefused

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
