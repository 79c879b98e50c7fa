"""A listed person's 公民身份号码 cannot be recovered: masked in public, checks throttled, logged, alerted.

The attack of the probe: the public listing showed ``110105********002X``; an account with
the credit check tried the birth dates that pass the check character until one was listed.
"""

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from casework import services
from casework.api.throttles import CreditCheckThrottle
from casework.choices import DishonestyClass, ListType
from casework.identifiers import citizen_id_check_char
from casework.models import Case, CreditCheck, CreditCheckAlert
from config.celery import app
from notifications.models import Delivery, Message
from tests.api.conftest import client_for
from tests.api.world import listed
from tests.conftest import Cast

PERSON = "11010519491231002X"  # cast.other_subject, 张某


@pytest.fixture
def eager_delivery() -> Iterator[None]:
    """Deliver in the test's process, whatever REDIS_URL says (the broker is tests/pg/'s)."""
    previous, app.conf.task_always_eager = app.conf.task_always_eager, True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def person_listed(cast: Cast) -> Case:
    case = services.open_case(
        cast.other_officer, subject=cast.other_subject, list_type=ListType.SERIOUS,
        dishonesty_class=DishonestyClass.SERIOUS, legal_bases=[cast.basis], facts="违法排污",
    )
    case = listed(case, cast.other_reviewer)
    Case.objects.filter(pk=case.pk).update(published=True)
    return case


def birth_date_candidates(region: str, tail: str) -> list[str]:
    """Every number with this region and last four that passes GB 11643's check, oldest first."""
    sequence, check = tail[:3], tail[3]
    day, numbers = date(1949, 1, 1), []
    while day.year < 1951:
        body = f"{region}{day:%Y%m%d}{sequence}"
        if citizen_id_check_char(body) == check:
            numbers.append(body + check)
        day += timedelta(days=1)
    return numbers


def check(client: Any, number: str, **query: str) -> Any:
    return client.get(f"/api/v1/credit-check/{number}/", query)


# --- the mask ------------------------------------------------------------------------------


def test_public_listing_and_exits_show_neither_region_nor_birth_date(
    cast: Cast, person_listed: Case, client: Any
) -> None:
    [row] = client.get("/api/v1/public/listings/").json()["results"]
    assert (row["subject_name"], row["subject_identifier"]) == ("张*", "**************002X")
    # A read of the exit notices: the state is set directly, the engine is not under test here.
    Case.objects.filter(pk=person_listed.pk).update(state="exited", exit_reason="expired",
                                                    closed_at=timezone.now())
    [row] = client.get("/api/v1/public/exits/").json()["results"]
    assert (row["subject_name"], row["subject_identifier"]) == ("张*", "**************002X")


def test_nobody_but_the_owner_department_and_the_person_sees_more_than_the_last_four(
    cast: Cast, person_listed: Case
) -> None:
    shown = {
        role: client_for(user).get(f"/api/v1/cases/{person_listed.pk}/").json()["subject_identifier"]
        for role, user in (("owner", cast.other_officer), ("person", cast.other_subject_user),
                           ("leadership", cast.leadership_user))
    }
    assert shown == {"owner": PERSON, "person": PERSON, "leadership": "**************002X"}


# --- the log -------------------------------------------------------------------------------


def test_every_credit_check_is_logged_with_who_whom_when_and_purpose(
    cast: Cast, person_listed: Case, checker: Any
) -> None:
    before = timezone.now()
    answers = [
        check(client_for(checker), PERSON, purpose="行政许可 2026-0153").status_code,
        check(client_for(cast.ndrc_officer), cast.subject.identifier).status_code,
        check(client_for(cast.officer), "110105194912310038").status_code,  # nobody we know
    ]
    assert answers == [200, 200, 200]
    rows = list(CreditCheck.objects.order_by("pk").values_list(
        "checked_by__username", "department__code", "subject_id", "identifier_masked", "purpose",
        "listed", "case_numbers"))
    assert rows == [
        ("approval_system", "zjj", cast.other_subject.pk, "**************002X", "行政许可 2026-0153",
         True, [person_listed.number]),
        ("ndrc_officer", "fgw", cast.subject.pk, cast.subject.identifier, "", False, []),
        ("officer", "scjgj", None, "**************0038", "", False, []),
    ]
    assert all(row.checked_at >= before for row in CreditCheck.objects.all())
    # The number itself is not stored: only masked and as a keyed digest.
    assert not CreditCheck.objects.filter(identifier_masked__contains="110105").exists()
    assert len({row.identifier_digest for row in CreditCheck.objects.all()}) == 3


def test_a_refused_or_invalid_check_is_not_logged(cast: Cast, person_listed: Case) -> None:
    outcomes = [check(client_for(cast.subject_user), PERSON).status_code,
                check(client_for(cast.officer), "110105194912310028").status_code]
    assert outcomes == [403, 400]
    assert CreditCheck.objects.count() == 0


def test_a_check_without_a_purpose_is_refused_when_the_setting_requires_one(
    cast: Cast, person_listed: Case, settings: Any
) -> None:
    settings.CREDIT_CHECK_PURPOSE_REQUIRED = True
    client = client_for(cast.officer)
    refused = check(client, PERSON)
    assert (refused.status_code, list(refused.json()["errors"])) == (400, ["purpose"])
    assert check(client, PERSON, purpose="政府采购资格审查").status_code == 200
    assert list(CreditCheck.objects.values_list("purpose", flat=True)) == ["政府采购资格审查"]


def test_the_owner_department_reads_the_checks_of_its_subjects_only(
    cast: Cast, person_listed: Case, checker: Any
) -> None:
    check(client_for(checker), PERSON, purpose="行政许可 2026-0153")
    check(client_for(checker), cast.subject.identifier, purpose="行政许可 2026-0154")
    seen = {}
    for role, user in (("owner of B", cast.other_officer), ("owner of A", cast.officer),
                       ("leadership", cast.leadership_user), ("joint", cast.joint_officer),
                       ("ndrc", cast.ndrc_officer), ("person", cast.other_subject_user)):
        response = client_for(user).get("/api/v1/credit-checks/")
        seen[role] = ([row["purpose"] for row in response.json()["results"]]
                      if response.status_code == 200 else response.status_code)
    # Subject A has no case yet in this test: its owner department has nothing to read.
    assert seen == {"owner of B": ["行政许可 2026-0153"], "owner of A": [],
                    "leadership": ["行政许可 2026-0154", "行政许可 2026-0153"],
                    "joint": 403, "ndrc": 403, "person": 403}
    [row] = client_for(cast.other_officer).get("/api/v1/credit-checks/").json()["results"]
    assert {key: row[key] for key in ("checked_by", "department", "subject", "identifier", "listed")} == {
        "checked_by": "approval_system", "department": "zjj", "subject": cast.other_subject.pk,
        "identifier": "**************002X", "listed": True}


# --- the attack: throttled, alerted --------------------------------------------------------


def test_the_birth_date_enumeration_is_throttled_and_alerted_to_the_leadership_office(
    cast: Cast, person_listed: Case, settings: Any, django_capture_on_commit_callbacks: Any,
    eager_delivery: None,
) -> None:
    settings.CREDIT_CHECK_RATE = "20/min"
    candidates = birth_date_candidates("110105", "002X")
    assert PERSON in candidates and candidates.index(PERSON) > 20
    attacker = client_for(cast.ndrc_officer)
    with django_capture_on_commit_callbacks(execute=True):
        responses = [check(attacker, number) for number in candidates[:40]]
    assert [r.status_code for r in responses] == [200] * 20 + [429] * 20
    assert int(responses[20].headers["Retry-After"]) > 0
    assert responses[20].json()["code"] == "throttled"
    assert not any(r.json()["listed"] for r in responses[:20])  # the number was not found
    assert CreditCheck.objects.filter(checked_by=cast.ndrc_officer).count() == 20
    # One alert for the window, however many checks followed the fifth variant.
    [alert] = CreditCheckAlert.objects.all()
    assert (alert.checked_by, alert.rule, alert.checks) == (cast.ndrc_officer, "number_variants", 5)
    [message] = Message.objects.filter(event="creditcheck.alert")
    assert (message.audience, message.template) == ("leadership", "credit_check_alert")
    [notice] = Delivery.objects.filter(message=message)
    assert (notice.recipient, notice.channel, notice.status) == (cast.leadership_user, "inapp", "sent")
    assert "ndrc_officer" in notice.title and "5 个不同的公民身份号码" in notice.body


def test_the_throttle_counts_per_account_not_per_role(cast: Cast, settings: Any) -> None:
    settings.CREDIT_CHECK_RATE = "2/min"
    officer, reviewer = client_for(cast.officer), client_for(cast.reviewer)
    outcomes = [check(officer, cast.subject.identifier).status_code for _ in range(3)]
    outcomes += [check(reviewer, cast.subject.identifier).status_code]
    assert outcomes == [200, 200, 429, 200]


def test_a_system_client_has_its_own_rate(cast: Cast, checker: Any, settings: Any) -> None:
    settings.CREDIT_CHECK_RATE, settings.CREDIT_CHECK_SYSTEM_RATE = "1/min", "3/min"
    client = client_for(checker)
    assert [check(client, cast.subject.identifier).status_code for _ in range(4)] == [200] * 3 + [429]


def test_many_distinct_unlisted_numbers_raise_the_sweep_alert(cast: Cast, settings: Any) -> None:
    settings.CREDIT_CHECK_ALERT_DISTINCT_MISSES = 3
    client = client_for(cast.joint_officer)
    numbers = ["110101199001010015", "310104198507120013", "440305200002290018", "120101197712120011"]
    numbers = [n[:17] + citizen_id_check_char(n[:17]) for n in numbers]
    assert [check(client, number).status_code for number in numbers] == [200] * 4
    assert list(CreditCheckAlert.objects.values_list("rule", "checks")) == [("distinct_misses", 3)]


class BrokenCache:
    def get(self, *args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("cache down")

    def set(self, *args: Any, **kwargs: Any) -> None:
        raise ConnectionError("cache down")


def test_a_failing_throttle_cache_still_answers_and_logs_the_check(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(CreditCheckThrottle, "cache", BrokenCache())
    assert check(client_for(cast.officer), cast.subject.identifier).status_code == 200
    assert CreditCheck.objects.count() == 1


def test_the_openapi_schema_documents_the_purpose_and_the_429(client: Any, cast: Cast) -> None:
    schema = client.get("/api/v1/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/credit-check/{identifier}/"]["get"]
    assert "purpose" in {parameter["name"] for parameter in operation["parameters"]}
    assert "429" in operation["responses"]
    assert "/api/v1/credit-checks/" in schema["paths"]
