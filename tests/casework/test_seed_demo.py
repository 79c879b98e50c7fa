"""seed_demo: every state of every machine, reached through the services, audited, idempotent."""

import re
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Model
from django.test import override_settings
from django.utils import timezone, translation

from casework import caches, demo
from casework.audit import verify_chains
from casework.choices import DepartmentKind, Role
from casework.demo.history import PASTS
from casework.identifiers import validate_citizen_id, validate_uscc
from casework.inbox import BREACHED, LEADERSHIP, ON_TIME, WARNED, inbox_counts
from casework.models import (
    AuditEvent,
    Case,
    Department,
    LegalBasis,
    MeasureTask,
    Objection,
    Rectification,
    RepairApplication,
    Subject,
    Talk,
    User,
)
from oversight import dashboard
from tests.casework.refusals import snapshot
from tests.conftest import Cast, ensure_reference_data
from workflows.calendar import clear_cache as clear_calendar_cache
from workflows.case import CaseState, ExitReason
from workflows.choices import Sector, Step
from workflows.guards import RuleRefused
from workflows.measure_task import MeasureTaskState
from workflows.models import Deadline
from workflows.objection import ObjectionState
from workflows.rectification import RectificationState
from workflows.repair import RepairState
from workflows.talk import TalkState

MACHINES: list[tuple[type[Model], list[str]]] = [
    (Case, CaseState.values),
    (Objection, ObjectionState.values),
    (Rectification, RectificationState.values),
    (Talk, TalkState.values),
    (MeasureTask, MeasureTaskState.values),
    (RepairApplication, RepairState.values),
]


def seed() -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="class")
def first_run(django_db_setup: Any, django_db_blocker: Any) -> Iterator[str]:
    """Seed once for the class (a few seconds), inside a transaction rolled back at the end.

    PBKDF2 is slow by design; a fast hasher lets the login test check every demo user.
    """
    fast_hashing = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with fast_hashing, django_db_blocker.unblock(), transaction.atomic():
        # Class scope runs before the per-test fixtures: reload what a transactional test's
        # flush may have emptied, and drop the process caches that still hold its rows.
        caches.clear_all()
        clear_calendar_cache()
        ensure_reference_data()
        yield seed()
        transaction.set_rollback(True)


class TestSeededCity:
    """One seeded city, shared by the tests of this class."""

    @pytest.mark.parametrize(("model", "states"), MACHINES, ids=lambda value: getattr(value, "__name__", ""))
    def test_seed_demo_reaches_every_state_of_the_machine(
        self, first_run: str, db: Any, model: type[Model], states: list[str]
    ) -> None:
        reached = set(model._default_manager.values_list("state", flat=True).distinct())
        assert reached == set(states)


    def test_seed_demo_exits_cases_for_every_reason(self, first_run: str, db: Any) -> None:
        reasons = set(Case.objects.filter(state=CaseState.EXITED).values_list("exit_reason", flat=True))
        assert reasons == set(ExitReason.values)


    def test_seed_demo_every_state_was_reached_through_the_service(self, first_run: str, db: Any) -> None:
        """Each row's state is the target of the last audited event about it (no state column written)."""
        for model, _states in MACHINES:
            for obj in model._default_manager.all():
                last = AuditEvent.objects.filter(
                    object_type=model._meta.model_name, object_id=obj.pk, to_state__gt=""
                ).latest("at", "seq")
                assert last.to_state == obj.state, f"{model.__name__} {obj.pk}"


    def test_seed_demo_audit_chains_all_verify(self, first_run: str, db: Any) -> None:
        results = list(verify_chains())
        assert [broken for _chain, broken in results if broken is not None] == []
        case_chains = {f"case:{pk}" for pk in Case.objects.values_list("pk", flat=True)}
        assert {chain for chain, _broken in results} >= case_chains


    def test_seed_demo_wage_arrears_list_rule_sets_its_three_year_listing(
        self, first_run: str, db: Any
    ) -> None:
        """人力资源社会保障部令第45号 fixes the listing period at three years: the seeded basis carries
        it (LegalBasis.listing_years); no other list rule's period was verified, so none sets one."""
        setting = LegalBasis.objects.exclude(listing_years=None).values_list("title", "listing_years")
        wages_list = "拖欠农民工工资失信联合惩戒对象名单管理暂行办法（人力资源社会保障部令第45号）"
        assert list(setting) == [(wages_list, 3)]


    def test_seed_demo_second_run_writes_nothing(self, first_run: str, db: Any) -> None:
        before, users = snapshot(), list(User.objects.order_by("pk").values_list("username", "password"))
        output = seed()
        assert snapshot() == before
        assert list(User.objects.order_by("pk").values_list("username", "password")) == users
        assert "Cases: 13 (0 new)" in output
        assert "Cases with a past: 48 (0 new)" in output
        assert output.rstrip().endswith(
            "The demo users already exist; their passwords were printed when they were created "
            "(see docs/demo.md)."
        )
        assert demo.DEMO_PASSWORD not in output


    def test_seed_demo_prints_each_new_user_with_its_password_once(self, first_run: str, db: Any) -> None:
        table = first_run.split("Demo users (shown once):\n", 1)[1].splitlines()
        assert table[0].split() == ["username", "role", "password", "department", "or", "subject"]
        rows = {line.split()[0]: line.split()[1:3] for line in table[1:]}
        assert rows == {spec.username: [spec.role, demo.DEMO_PASSWORD] for spec in demo.USERS}

        progress = [line.split()[0] for line in first_run.splitlines() if line.startswith("  ")]
        assert sorted(progress) == sorted(Case.objects.values_list("number", flat=True))
        assert "Cases: 13 (13 new)" in first_run
        assert "Cases with a past: 48 (48 new)" in first_run
        assert re.search(r"^Seeded in \d+\.\d s\.$", first_run, re.MULTILINE)


    def test_seed_demo_users_log_in_with_the_demo_password(self, first_run: str, db: Any) -> None:
        for spec in demo.USERS:
            user = authenticate(username=spec.username, password=demo.DEMO_PASSWORD)
            assert user is not None, spec.username


    def test_seed_demo_has_a_user_for_every_role_in_a_department_of_the_right_kind(
        self, first_run: str, db: Any
    ) -> None:
        assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
        # Each determining department's head is its reviewer; 市市场监管局 has a second reviewer
        # for re-reviews (复核: not the reviewer who dismissed the objection).
        heads = User.objects.filter(role=Role.REVIEWER, is_department_head=True)
        assert set(heads.values_list("username", flat=True)) == {
            "scjgj_reviewer", "sthjj_reviewer", "sswj_reviewer"}
        assert list(User.objects.filter(role=Role.REVIEWER, is_department_head=False)
                    .values_list("username", flat=True)) == ["scjgj_re_reviewer"]
        for role, kind in [
            (Role.OFFICER, DepartmentKind.DETERMINING), (Role.REVIEWER, DepartmentKind.DETERMINING),
            (Role.JOINT, DepartmentKind.JOINT), (Role.NDRC, DepartmentKind.NDRC),
            (Role.LEADERSHIP, DepartmentKind.LEADERSHIP),
        ]:
            assert set(User.objects.filter(role=role).values_list("department__kind", flat=True)) == {kind}
        joint_departments = Department.objects.filter(kind=DepartmentKind.JOINT)
        assert joint_departments.count() >= 4
        assert set(User.objects.filter(role=Role.JOINT).values_list("department", flat=True)) == set(
            joint_departments.values_list("pk", flat=True)
        )
        admin = User.objects.get(role=Role.ADMIN)
        assert (admin.is_staff, admin.is_superuser) == (True, True)


    def test_seed_demo_subject_identifiers_pass_their_checks(self, first_run: str, db: Any) -> None:
        for subject in Subject.objects.all():
            validator = validate_citizen_id if subject.is_natural_person else validate_uscc
            assert validator(subject.identifier) == subject.identifier


    def test_seed_demo_city_has_at_least_sixty_cases_over_several_departments(
        self, first_run: str, db: Any
    ) -> None:
        assert Case.objects.count() >= 60
        owners = set(Case.objects.values_list("owner_department__code", flat=True))
        assert owners == {"scjgj", "sthjj", "sswj"}


    def test_seed_demo_steps_happened_over_the_last_months(self, first_run: str, db: Any) -> None:
        """The past is recorded under a moved clock: audit events and opened dates lie weeks back."""
        now = timezone.now()
        # The longest story began (age + lead) calendar days before today, local time, on the
        # working day at or before that date; today's date decides how far that is in hours.
        longest = max(age + past.lead for past in PASTS for age in past.ages)
        assert longest >= 45
        oldest = AuditEvent.objects.filter(object_type="case", action="created").order_by("at").first()
        assert oldest is not None
        assert timezone.localdate(oldest.at) <= timezone.localdate(now) - timedelta(days=longest)
        opened = [case.created_at for case in Case.objects.all()]
        assert sum(1 for at in opened if at < now - timedelta(days=14)) >= 20


    def test_seed_demo_every_officer_department_has_clocks_on_time_warned_breached_and_escalated(
        self, first_run: str, db: Any
    ) -> None:
        for code in ("scjgj", "sthjj", "sswj"):
            counts = inbox_counts(Department.objects.get(code=code).pk)
            assert all(counts[state] > 0 for state in (ON_TIME, WARNED, BREACHED, LEADERSHIP)), (code, counts)


    def test_seed_demo_every_staff_user_has_something_to_do(self, first_run: str, db: Any) -> None:
        for user in User.objects.filter(role__in=[Role.OFFICER, Role.REVIEWER, Role.JOINT]):
            assert sum(inbox_counts(user.department_id).values()) > 0, user.username
        assert Talk.objects.filter(co_organiser__code="fgw", state=TalkState.SCHEDULED).exists()


    def test_seed_demo_leadership_dashboard_has_overdue_items_and_escalations(
        self, first_run: str, db: Any
    ) -> None:
        board = dashboard.build()
        assert board.city_total().overdue > 0
        assert board.escalated(None, "leadership") > 0


    def test_seed_demo_leadership_office_sits_at_the_ndrc(self, first_run: str, db: Any) -> None:
        office = Department.objects.get(kind=DepartmentKind.LEADERSHIP)
        assert (office.parent.code, office.parent.kind) == ("fgw", DepartmentKind.NDRC)
        # Seven county-level sector bureaus; no county government determines.
        assert Department.objects.filter(level="county").count() == 7


@pytest.mark.parametrize(
    "today", [date(2026, 2, 13), date(2026, 9, 30)], ids=["spring-festival", "national-day"]
)
def test_seed_demo_works_on_the_eve_of_a_long_holiday(db: Any, today: date) -> None:
    """Talks must be announced working days ahead: a demo seeded before a holiday still schedules them."""
    with time_machine.travel(datetime.combine(today, time(10), tzinfo=ZoneInfo("Asia/Shanghai"))):
        output = seed()
    assert "Cases: 13 (13 new)" in output
    assert set(Talk.objects.values_list("state", flat=True)) == set(TalkState.values)


def test_seed_demo_refused_step_writes_nothing(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(city: demo.DemoCity, case: Case) -> None:
        raise RuleRefused("no_policy", "No SLA policy is in force for this step: ask an administrator.")

    monkeypatch.setattr(demo.cases, "notify", refuse)
    before = snapshot()
    with pytest.raises(CommandError) as caught, translation.override("en"):
        call_command("seed_demo", stdout=StringIO())
    assert str(caught.value) == (
        "The demo was not seeded (nothing was written): no_policy: "
        "No SLA policy is in force for this step: ask an administrator."
    )
    assert snapshot() == before
    assert User.objects.count() == 0


def test_seed_demo_refuses_a_database_with_real_cases(cast: Cast) -> None:
    """The demo publishes its passwords: a database with a case it did not create is refused."""
    real = cast.open_case(facts="真实案件：拒不履行行政处罚决定")
    before = snapshot()
    with pytest.raises(CommandError) as caught, translation.override("en"):
        call_command("seed_demo", stdout=StringIO())
    assert caught.value.returncode == 1
    assert str(caught.value) == (
        f"This database holds 1 cases the demo did not create (e.g. {real.number}): the demo users' "
        "passwords are public, so seed_demo refuses to run here. Nothing was written. Use a new "
        "database, or --force if you really mean it."
    )
    assert snapshot() == before
    assert not User.objects.filter(username="admin").exists()


def test_seed_demo_runs_with_force_on_a_database_with_real_cases(cast: Cast) -> None:
    real = cast.open_case(facts="真实案件：拒不履行行政处罚决定")
    out = StringIO()
    with translation.override("en"):
        call_command("seed_demo", "--force", stdout=out)
    assert "Cases: 13 (13 new)" in out.getvalue()
    assert Case.objects.filter(pk=real.pk).exists() and Case.objects.count() == 62


def test_seed_demo_food_case_takes_the_food_sector_minimum(db: Any) -> None:
    """国家发展改革委令第58号: food penalty information is published at least a year (the sector
    row); the demo's food bases carry their sector, so its food cases get it. Seeded in the 22号
    transition (before 2026-04-01), when the sector rows are in force; a tax case beside it
    keeps the class row's three months."""
    with time_machine.travel(datetime(2025, 12, 1, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        seed()
    food = Case.objects.get(facts="生产经营致病性微生物超标的食品，造成群体性食物中毒")
    minimum = Deadline.objects.get(case=food, step=Step.PUBLICATION_MIN).policy
    assert (minimum.sector, minimum.length, minimum.dishonesty_class) == (Sector.FOOD, 12, "serious")
    assert food.listed_from == date(2025, 12, 1) and food.publication_min_until == date(2026, 12, 1)
    tax = Case.objects.get(facts="隐匿个人劳务报酬收入，少缴个人所得税数额较大")
    tax_minimum = Deadline.objects.get(case=tax, step=Step.PUBLICATION_MIN).policy
    assert (tax_minimum.sector, tax_minimum.length) == ("", 3)
    assert set(LegalBasis.objects.exclude(sector="").values_list("article", "sector")) == {
        ("第一百二十四条", Sector.FOOD), ("第一百二十六条", Sector.FOOD),
        ("第七十八条", Sector.WORK_SAFETY), ("第三条", Sector.WORK_SAFETY),
    }
