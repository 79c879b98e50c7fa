"""A document about no case (the monthly 通报) and a case's document are kept apart by the
database (check constraint ``document_case_or_caseless``): a case's document keeps its case,
service act and target; a 通报 has none of them, names its month, and is one per month
(``document_caseless_one_per_period``)."""

from datetime import datetime
from typing import Any
from unittest import mock

import pytest
from django.db import IntegrityError, transaction

from casework import services
from documents.choices import DocumentKind
from documents.models import Document
from oversight import circular
from oversight.assessment import Period
from tests.conftest import Cast
from tests.oversight.small_city import TZ


def copy_of(document: Document, **changes: Any) -> dict[str, Any]:
    fields = {field.attname: getattr(document, field.attname) for field in Document._meta.concrete_fields
              if not field.primary_key}
    return {**fields, "number": document.number + "-copy", **changes}


def refused(**fields: Any) -> bool:
    try:
        with transaction.atomic():
            Document.objects.create(**fields)
    except IntegrityError:
        return True
    return False


@pytest.fixture
def circular_and_notice(cast: Cast) -> tuple[Document, Document]:
    with mock.patch("django.utils.timezone.now", return_value=datetime(2026, 7, 1, 10, tzinfo=TZ)):
        tongbao = circular.issue(Period.month(2026, 6), cast.leadership_user).document
    case = cast.open_case()
    services.advance(case, "notify", cast.officer)
    return tongbao, Document.objects.get(case=case, kind=DocumentKind.CREDIT_NOTICE)


def test_a_case_document_keeps_its_case_service_act_and_target(circular_and_notice: Any) -> None:
    _tongbao, notice = circular_and_notice
    assert not refused(**copy_of(notice))  # the copy as it is: accepted
    assert refused(**copy_of(notice, number="n2", case_id=None))
    assert refused(**copy_of(notice, number="n3", service_act_id=None))
    assert refused(**copy_of(notice, number="n4", target_type_id=None, target_id=None))
    assert refused(**copy_of(notice, number="n5", period="2026-06"))


def test_a_circular_has_no_case_and_names_its_month_once(circular_and_notice: Any) -> None:
    tongbao, notice = circular_and_notice
    assert not refused(**copy_of(tongbao, period="2026-05"))  # another month: accepted
    assert refused(**copy_of(tongbao, number="c2", period="2026-06"))  # the same month again
    assert refused(**copy_of(tongbao, number="c3", period=""))
    assert refused(**copy_of(tongbao, number="c4", period="2026-04", case_id=notice.case_id))
    assert refused(**copy_of(tongbao, number="c5", period="2026-03", service_act_id=notice.service_act_id))
