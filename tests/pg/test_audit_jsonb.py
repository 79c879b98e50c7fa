"""The hash of an audit event survives the jsonb round trip (keys reordered, numbers re-printed)."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from casework import audit, services
from casework.audit import json_safe, verify_chains
from casework.models import AuditEvent
from tests.conftest import Cast

SHANGHAI = ZoneInfo("Asia/Shanghai")

PAYLOAD = {
    "理由": "拒不履行法院判决确定的义务，经催告仍未履行",
    "nested": {"zz": {"深层": ["鞍山", 1, 2.5, None, True]}, "a": "x", "bb": []},
    "decided_on": date(2024, 2, 29),
    "served_at": datetime(2024, 3, 1, 9, 30, 15, 123456, tzinfo=SHANGHAI),
    "fine": Decimal("12500.50"),
    "emoji and escapes": "✓ \"引号\" \\ 换行\n\t",
}
# Python prints these floats differently from jsonb: 1e+16 reads back as the
# integer 10000000000000000, -0.0 as 0.0, 1e-07 as 0.0000001.
NUMBERS = {"huge": 1e16, "huger": 1.5e300, "negative_zero": -0.0, "tiny": 1e-07, "plain": 0.1}


def stored(event: AuditEvent) -> AuditEvent:
    return AuditEvent.objects.get(pk=event.pk)


@pytest.mark.django_db
def test_hash_survives_jsonb_round_trip_of_chinese_nested_and_dates(cast: Cast) -> None:
    case = cast.open_case()
    event = audit.append(obj=case, action="note", actor=cast.officer, case=case,
                         payload=PAYLOAD, changes={"facts": ["旧", "新"]})

    read_back = stored(event)

    assert read_back.payload == json_safe(PAYLOAD)
    assert read_back.payload["served_at"] == "2024-03-01T09:30:15.123+08:00"
    assert read_back.compute_hash() == event.hash
    assert list(verify_chains()) == [(f"case:{case.pk}", None)]


@pytest.mark.django_db
def test_hash_survives_jsonb_round_trip_of_floats_jsonb_prints_differently(cast: Cast) -> None:
    case = cast.open_case()
    event = audit.append(obj=case, action="note", actor=cast.officer, case=case, payload=NUMBERS)

    read_back = stored(event)

    assert read_back.payload == event.payload
    assert read_back.compute_hash() == event.hash
    assert list(verify_chains()) == [(f"case:{case.pk}", None)]


@pytest.mark.django_db
def test_hash_survives_jsonb_round_trip_through_the_transition_service(cast: Cast) -> None:
    case = cast.notified_case()
    # The transition takes only its declared fields: the text carries the escapes and Chinese.
    result = services.advance(case, "determine", cast.reviewer,
                              {"decision": PAYLOAD["emoji and escapes"] + "两书同达"})

    read_back = AuditEvent.objects.get(pk=result.audit_event_id)

    assert read_back.compute_hash() == read_back.hash
    assert all(broken is None for _chain, broken in verify_chains())
