"""Support for the guard tests: build a step in a given state, assert a refusal wrote nothing.

A refusal is only half the rule: the other half is that nothing happened. ``refused``
checks the exception's type, code and message, and that no row was added anywhere in
the project's apps and no machine row changed its state or version.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.db.models import Model
from django.utils import timezone

from casework import services
from casework.choices import DepartmentKind, Role
from casework.models import (
    Case,
    Department,
    MeasureTask,
    Objection,
    Rectification,
    RepairApplication,
    Statement,
    Talk,
    User,
)
from documents.models import ServiceAct
from tests.conftest import Cast
from workflows.guards import RuleRefused

MACHINE_MODELS: tuple[type[Model], ...] = (
    Case, Objection, Rectification, Talk, MeasureTask, RepairApplication,
)
PROJECT_APPS = ("casework", "workflows", "notifications", "documents")
# Machine rows whose (state, version) a refusal must leave alone, besides the six above.
STEP_MODELS: tuple[type[Model], ...] = (Statement, ServiceAct)


@dataclass(frozen=True)
class Snapshot:
    """Row counts of every project model, and (pk, state, version) of every machine row."""

    row_counts: dict[str, int]
    machine_rows: dict[str, list[tuple[int, str, int]]]


def snapshot() -> Snapshot:
    counts = {
        model._meta.label: model._default_manager.count()
        for label in PROJECT_APPS
        for model in apps.get_app_config(label).get_models()
    }
    rows = {
        model._meta.label: list(
            model._default_manager.order_by("pk").values_list("pk", "state", "version")
        )
        for model in MACHINE_MODELS + STEP_MODELS
    }
    return Snapshot(counts, rows)


def _row(obj: Model) -> dict[str, Any]:
    return type(obj)._default_manager.filter(pk=obj.pk).values().get()


@contextmanager
def nothing_written(*objs: Model) -> Iterator[None]:
    """The block may fail, but it must leave the database exactly as it found it."""
    before, rows_before = snapshot(), [_row(obj) for obj in objs]
    versions_before = [(obj.state, obj.version) for obj in objs]  # type: ignore[attr-defined]
    yield
    for obj in objs:
        obj.refresh_from_db()
    assert [(obj.state, obj.version) for obj in objs] == versions_before  # type: ignore[attr-defined]
    assert [_row(obj) for obj in objs] == rows_before
    after = snapshot()
    assert after.row_counts == before.row_counts
    assert after.machine_rows == before.machine_rows


@contextmanager
def refused(
    code: str, *objs: Model, exception: type[RuleRefused] = RuleRefused
) -> Iterator[None]:
    """Expect ``exception`` with ``code`` and a message, and nothing written."""
    with nothing_written(*objs), pytest.raises(exception) as caught:
        yield
    assert caught.value.code == code, f"refused by {caught.value.code!r}: {caught.value}"
    message = str(caught.value).strip()
    assert message and message != code


def staff_user(username: str, role: str, department: Department) -> User:
    return User.objects.create_user(username=username, password="x", role=role, department=department)


def second_reviewer(cast: Cast) -> User:
    """Another reviewer of the owner department (to decide a case a reviewer drafted)."""
    return staff_user("second_reviewer", Role.REVIEWER, cast.owner)


def second_joint_officer(cast: Cast) -> User:
    department = Department.objects.create(
        code="jtj", name="市交通运输局", kind=DepartmentKind.JOINT
    )
    return staff_user("second_joint_officer", Role.JOINT, department)


def end_statement_window(case: Case, days_ago: int = 1) -> None:
    Case.objects.filter(pk=case.pk).update(
        statement_due_on=timezone.localdate() - timedelta(days=days_ago)
    )
    case.refresh_from_db()


def case_drafted_by(cast: Cast, drafter: User, **overrides: Any) -> Case:
    """A notified case whose drafter is ``drafter`` (a reviewer may draft too)."""
    fields: dict[str, Any] = {
        "subject": cast.subject, "list_type": "serious", "dishonesty_class": "serious",
        "legal_bases": [cast.basis], "facts": "拒不履行法院判决确定的义务",
    }
    fields.update(overrides)
    case = services.open_case(drafter, **fields)
    services.advance(case, "notify", drafter)
    end_statement_window(case)
    return case


def serve_minimum_publication(case: Case, days: int = 0) -> None:
    Case.objects.filter(pk=case.pk).update(
        publication_min_until=timezone.localdate() + timedelta(days=days)
    )
    case.refresh_from_db()


# Builders: each returns a fresh object of one machine in one state, on its own listed case.


def _exited_case(cast: Cast) -> Case:
    case = cast.listed_case()
    Case.objects.filter(pk=case.pk).update(listed_until=timezone.localdate() - timedelta(days=1))
    services.advance(case, "exit", cast.system, {"reason": "expired"})
    return case


def _withdrawn_case(cast: Cast) -> Case:
    case = cast.open_case()
    services.advance(case, "withdraw", cast.officer)
    return case


def _objection(cast: Cast, *steps: tuple[str, dict[str, Any]], kind: str = "determination") -> Objection:
    objection = services.file_objection(cast.listed_case(), cast.subject_user, "认定事实有误", kind)
    for name, data in steps:
        actor = cast.reviewer if name in ("uphold", "dismiss") else cast.officer
        if name in ("request_re_review", "withdraw"):
            actor = cast.subject_user
        services.advance(objection, name, actor, data)
    return objection


def _rectification(cast: Cast, *steps: str) -> Rectification:
    rectification = services.order_rectification(cast.listed_case(), cast.officer, "补缴欠款并提交凭证")
    for name in steps:
        if name == "mark_overdue":
            Rectification.objects.filter(pk=rectification.pk).update(
                due_on=timezone.localdate() - timedelta(days=1)
            )
            services.advance(rectification, name, cast.system)
        elif name == "submit":
            services.advance(rectification, name, cast.subject_user, {"note": "已补缴"})
        else:
            services.advance(rectification, name, cast.officer)
    return rectification


def talk_notice_date() -> str:
    """A talk time far enough ahead for the subject's notice period (a policy row)."""
    return (timezone.now() + timedelta(days=30)).isoformat()


def _talk(cast: Cast, *steps: str) -> Talk:
    talk = services.require_talk(cast.listed_case(), cast.officer)
    for name in steps:
        data: dict[str, Any] = {}
        if name == "schedule":
            data = {"scheduled_for": talk_notice_date(), "co_organiser": "fgw"}
        elif name == "hold":
            data = {"record": "企业承诺十日内整改"}
        services.advance(talk, name, cast.officer, data)
        if name == "schedule":
            # The talk's time has come (held or missed are recorded only after it).
            Talk.objects.filter(pk=talk.pk).update(scheduled_for=timezone.now() - timedelta(minutes=1))
    return talk


def _measure_task(cast: Cast, *steps: tuple[str, User]) -> MeasureTask:
    task = MeasureTask.objects.get(case=cast.listed_case())
    for name, actor in steps:
        data = {"report": "已限制投标资格"} if name == "report" else {}
        services.advance(task, name, actor, data)
    return task


def _statement(cast: Cast) -> Statement:
    """A statement submitted while the window runs (the notice served today)."""
    case = cast.open_case()
    services.advance(case, "notify", cast.officer)
    return services.submit_statement(cast.served(case), cast.subject_user, "我方已于判决后履行部分义务")


def _repair(cast: Cast, *steps: str) -> RepairApplication:
    case = cast.listed_case()
    serve_minimum_publication(case)
    repair = services.apply_repair(case, cast.subject_user, {"commitment_letter": True})
    for name in steps:
        services.advance(repair, name, cast.reviewer if name == "approve" else cast.officer)
    return repair


BUILDERS: dict[str, Callable[[Cast], Model]] = {
    "case/draft": lambda cast: cast.open_case(),
    "case/notified": lambda cast: cast.notified_case(),
    "case/listed": lambda cast: cast.listed_case(),
    "case/exited": _exited_case,
    "case/withdrawn": _withdrawn_case,
    "objection/filed": lambda cast: _objection(cast),
    "objection/under_review": lambda cast: _objection(cast, ("accept", {})),
    "objection/dismissed": lambda cast: _objection(
        cast, ("accept", {}), ("dismiss", {"reason": "事实清楚，依据充分"})
    ),
    # A re-review is decided by a reviewer who did not dismiss: second_reviewer(cast).
    "objection/re_review": lambda cast: _objection(
        cast, ("accept", {}), ("dismiss", {"reason": "事实清楚，依据充分"}),
        ("request_re_review", {"grounds": "处罚决定书载明的金额有误"}),
    ),
    "objection/withdrawn": lambda cast: _objection(cast, ("withdraw", {})),
    # An objection that the underlying penalty was revoked (its record is withdrawn).
    "objection/filed+penalty_revoked": lambda cast: _objection(cast, kind="penalty_revoked"),
    "rectification/ordered": lambda cast: _rectification(cast),
    "rectification/submitted": lambda cast: _rectification(cast, "submit"),
    "rectification/accepted": lambda cast: _rectification(cast, "submit", "accept"),
    "rectification/overdue": lambda cast: _rectification(cast, "mark_overdue"),
    "talk/required": lambda cast: _talk(cast),
    "talk/scheduled": lambda cast: _talk(cast, "schedule"),
    "talk/missed": lambda cast: _talk(cast, "schedule", "miss"),
    "talk/held": lambda cast: _talk(cast, "schedule", "hold"),
    "measuretask/pushed": lambda cast: _measure_task(cast),
    "measuretask/acknowledged": lambda cast: _measure_task(cast, ("acknowledge", cast.joint_officer)),
    "measuretask/terminating": lambda cast: _measure_task(cast, ("request_termination", cast.officer)),
    "measuretask/terminated": lambda cast: _measure_task(
        cast, ("request_termination", cast.officer), ("confirm", cast.joint_officer)
    ),
    "repair/applied": lambda cast: _repair(cast),
    "repair/under_review": lambda cast: _repair(cast, "accept"),
    "repair/approved": lambda cast: _repair(cast, "accept", "approve"),
    "statement/submitted": lambda cast: _statement(cast),
    "serviceact/pending": lambda cast: ServiceAct.objects.get(case=cast.listed_case(),
                                                              documents__kind="determination"),
}


def build(cast: Cast, key: str) -> Model:
    """The object named by ``machine/state``, freshly read from the database."""
    obj = BUILDERS[key](cast)
    obj.refresh_from_db()
    assert f"{key.split('/')[0]}/{obj.state}" == key.split("+")[0]  # type: ignore[attr-defined]
    return obj
