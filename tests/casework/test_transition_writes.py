"""What a transition reads from the per-process caches and writes to the credit index
(issue 8, item 6): fewer statements, never a stale answer in the process that changed the rows."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework import caches, services
from casework.models import CreditIndexEntry, Objection, User
from notifications.services import staff_of
from tests.conftest import Cast
from workflows.choices import Step
from workflows.guards import RuleRefused
from workflows.models import Policy
from workflows.services import Context


@pytest.mark.django_db
def test_the_policy_in_force_is_read_once_per_process_and_again_after_a_policy_is_saved(cast: Cast) -> None:
    case = cast.listed_case()
    today = date.today()
    first = Context(case).policy(Step.OBJECTION_DECIDE, today)
    with CaptureQueriesContext(connection) as repeated:
        assert Context(case).policy(Step.OBJECTION_DECIDE, today) == first
    assert len(repeated) == 0

    first.length += 3
    first.save()

    assert Context(case).policy(Step.OBJECTION_DECIDE, today).length == first.length
    assert Context(case).policy(Step.OBJECTION_DECIDE, today, fresh=True).length == first.length


@pytest.mark.django_db
def test_a_deleted_policy_is_not_served_from_the_cache(cast: Cast) -> None:
    case = cast.listed_case()
    today = date.today()
    policy = Context(case).policy(Step.OBJECTION_DECIDE, today)
    deleted = policy.pk
    policy.delete()  # no clock of this step uses it yet
    try:
        served = Context(case).policy(Step.OBJECTION_DECIDE, today)
    except RuleRefused as refusal:  # no other row of the step is in force
        assert refusal.code == "no_policy"
    else:
        assert served.pk != deleted and Policy.objects.filter(pk=served.pk).exists()


@pytest.mark.django_db
def test_a_new_staff_member_hears_of_the_next_step_of_the_department(cast: Cast) -> None:
    assert cast.owner.pk is not None
    before = {user.username for user in staff_of([cast.owner]).users}
    with CaptureQueriesContext(connection) as repeated:
        staff_of([cast.owner])
    assert len(repeated) == 0

    User.objects.create_user(username="new_officer", password="x", role="officer", department=cast.owner)

    assert {user.username for user in staff_of([cast.owner]).users} == before | {"new_officer"}


@pytest.mark.django_db
def test_staff_preferences_are_read_with_the_staff_and_a_saved_preference_is_seen_next(cast: Cast) -> None:
    from notifications.models import Preference

    assert cast.officer.pk not in staff_of([cast.owner]).preferences
    with CaptureQueriesContext(connection) as repeated:
        staff_of([cast.owner])
    assert len(repeated) == 0

    preference = Preference.objects.create(user=cast.officer, muted_channels=["email"])
    assert staff_of([cast.owner]).preferences[cast.officer.pk].muted_channels == ["email"]
    preference.muted_channels = []
    preference.save()
    assert staff_of([cast.owner]).preferences[cast.officer.pk].muted_channels == []


@pytest.mark.django_db
def test_a_deactivated_user_is_no_longer_addressed(cast: Cast) -> None:
    assert cast.officer in staff_of([cast.owner]).users
    cast.officer.is_active = False
    cast.officer.save()
    assert cast.officer not in staff_of([cast.owner]).users


@pytest.mark.django_db
def test_clear_all_forgets_rows_changed_by_a_queryset_update(cast: Cast) -> None:
    staff_of([cast.owner])
    User.objects.filter(pk=cast.officer.pk).update(is_active=False)  # no signal
    caches.clear_all()
    assert cast.officer not in staff_of([cast.owner]).users


@pytest.mark.django_db
def test_the_credit_index_is_untouched_by_accept_and_shows_the_objection_closed_after_dismissal(
    cast: Cast,
) -> None:
    case = cast.listed_case()
    objection = services.file_objection(case, cast.subject_user, "认定事实有误")
    assert CreditIndexEntry.objects.get(case=case).objection_open is True
    updated_at = CreditIndexEntry.objects.get(case=case).updated_at

    with CaptureQueriesContext(connection) as accepted:
        services.advance(Objection.objects.get(pk=objection.pk), "accept", cast.officer)
    assert not [q["sql"] for q in accepted.captured_queries if "creditindexentry" in q["sql"]]
    assert CreditIndexEntry.objects.get(case=case).updated_at == updated_at

    with CaptureQueriesContext(connection) as dismissed:
        services.advance(Objection.objects.get(pk=objection.pk), "dismiss", cast.reviewer,
                         {"reason": "证据不足"})
    index_statements = [q["sql"] for q in dismissed.captured_queries if "creditindexentry" in q["sql"]]
    assert len(index_statements) == 1 and index_statements[0].startswith("UPDATE")
    assert CreditIndexEntry.objects.get(case=case).objection_open is False
