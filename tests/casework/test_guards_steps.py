"""Guards on who takes a step (DESIGN §3: 谁认定、谁约谈), the repair preconditions,
unavailable transitions, and the database check on every state column.

Every refusal is checked for its rule code, a message, and that nothing was written.
"""

from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone

from casework import services
from casework.exceptions import NotAvailable
from casework.models import (
    Case,
    Department,
    MeasureTask,
    Objection,
    Rectification,
    RepairApplication,
    Talk,
    User,
)
from tests.casework.refusals import (
    MACHINE_MODELS,
    build,
    nothing_written,
    refused,
    second_joint_officer,
    serve_minimum_publication,
    talk_notice_date,
)
from tests.conftest import Cast

# (builder, transition, taken by a reviewer only) for every step the owner department takes.
OWNER_STEPS: list[tuple[str, str, bool]] = [
    ("case/draft", "notify", False),
    ("case/draft", "withdraw", False),
    ("case/notified", "withdraw", False),
    ("case/notified", "determine", True),
    ("case/draft", "record_determination", False),
    ("case/listed", "correct", True),
    ("case/listed", "exit", True),
    ("case/exited", "relist", True),
    ("case/exited", "revoke_as_wrongly_listed", True),
    ("case/listed", "stop_publication", True),
    ("objection/filed", "accept", False),
    ("objection/filed", "reject_inadmissible", False),
    ("objection/under_review", "uphold", True),
    ("objection/under_review", "dismiss", True),
    ("objection/under_review", "uphold_in_part", True),
    ("objection/re_review", "confirm_dismissal", True),
    ("objection/filed+penalty_revoked", "withdraw_record", True),
    ("objection/under_review", "suspend_review", False),
    ("objection/under_review", "resume_review", False),
    ("rectification/submitted", "accept", False),
    ("rectification/submitted", "return", False),
    ("rectification/ordered", "mark_overdue", False),
    ("rectification/overdue", "reorder", False),
    ("talk/required", "schedule", False),
    ("talk/scheduled", "hold", False),
    ("talk/scheduled", "miss", False),
    ("talk/missed", "escalate", False),
    ("talk/missed", "record_refusal", False),
    ("measuretask/pushed", "request_termination", False),
    ("measuretask/terminated", "reinstate", True),
    ("measuretask/terminated", "notify_wrong_listing", True),
    ("repair/applied", "accept", False),
    ("repair/applied", "reject_inadmissible", False),
    ("repair/under_review", "approve", True),
    ("repair/under_review", "deny", True),
    ("repair/approved", "revoke", True),
]
SUBJECT_STEPS = [("case/notified", "waive_statement"), ("rectification/ordered", "submit"),
                 ("objection/dismissed", "request_re_review"), ("objection/filed", "withdraw")]
# 会同: only the talk's co-organiser (市发展改革委) confirms its attendance.
CO_ORGANISER_STEPS = [("talk/scheduled", "confirm_attendance")]
JOINT_STEPS = [
    ("measuretask/pushed", "acknowledge"),
    ("measuretask/acknowledged", "report"),
    ("measuretask/terminating", "confirm"),
]


def _ids(steps: list[tuple[Any, ...]]) -> list[str]:
    return [f"{step[0]}:{step[1]}" for step in steps]


def _start(name: str, case: Case, actor: User) -> Model:
    """Start a step on ``case`` through its service, with valid arguments."""
    if name == "order_rectification":
        return services.order_rectification(case, actor, "补缴欠款并提交凭证")
    if name == "require_talk":
        return services.require_talk(case, actor, reason="整改逾期")
    if name == "file_objection":
        return services.file_objection(case, actor, "认定事实有误")
    return services.apply_repair(case, actor, {"commitment_letter": True})


# --- every step belongs to the case's owner department


@pytest.mark.parametrize(("key", "name", "_reviewer_only"), OWNER_STEPS, ids=_ids(OWNER_STEPS))
def test_owner_step_refused_for_another_departments_reviewer(
    cast: Cast, key: str, name: str, _reviewer_only: bool
) -> None:
    obj = build(cast, key)
    with refused("owner_department", obj):
        services.advance(obj, name, cast.other_reviewer)


STAFF_STEPS = [step for step in OWNER_STEPS if not step[2]]


@pytest.mark.parametrize(("key", "name", "_reviewer_only"), STAFF_STEPS, ids=_ids(STAFF_STEPS))
def test_owner_step_refused_for_another_departments_officer(
    cast: Cast, key: str, name: str, _reviewer_only: bool
) -> None:
    obj = build(cast, key)
    with refused("owner_department", obj):
        services.advance(obj, name, cast.other_officer)


@pytest.mark.parametrize("start", ["order_rectification", "require_talk"])
def test_starting_a_step_refused_for_another_department(cast: Cast, start: str) -> None:
    case = cast.listed_case()
    with refused("owner_department", case):
        _start(start, case, cast.other_officer)


def test_owner_step_refused_once_the_owner_department_is_retired(cast: Cast) -> None:
    case = cast.notified_case()
    Department.objects.filter(pk=cast.owner.pk).update(active=False)
    cast.reviewer.refresh_from_db()
    with refused("owner_department", case):
        services.advance(case, "determine", cast.reviewer)


# --- 发改委 co-organises talks, never owns them


@pytest.mark.parametrize(
    ("key", "name"),
    [("talk/required", "schedule"), ("talk/scheduled", "hold"), ("talk/scheduled", "miss"),
     ("talk/missed", "escalate")],
)
def test_ndrc_officer_cannot_take_a_talk_step(cast: Cast, key: str, name: str) -> None:
    talk = build(cast, key)
    data = {"scheduled_for": talk_notice_date(), "record": "已约谈"}
    with refused("officer_role", talk):
        services.advance(talk, name, cast.ndrc_officer, data)


def test_ndrc_officer_cannot_require_a_talk(cast: Cast) -> None:
    case = cast.listed_case()
    with refused("officer_role", case):
        services.require_talk(case, cast.ndrc_officer)


@pytest.mark.parametrize("co_organiser", ["sthjj", "scjgj", "zjj", "no-such-department"])
def test_talk_co_organiser_must_be_the_ndrc(cast: Cast, co_organiser: str) -> None:
    talk = build(cast, "talk/required")
    assert isinstance(talk, Talk)
    data = {"scheduled_for": talk_notice_date(),
            "place": "市市场监管局 302 会议室", "co_organiser": co_organiser}
    with refused("co_organiser_not_ndrc", talk):
        services.advance(talk, "schedule", cast.officer, data)
    assert (talk.scheduled_for, talk.place, talk.co_organiser) == (None, "", None)


# --- the leadership office reads and chases; it takes no step


LEADERSHIP_REFUSALS: list[tuple[str, str, str]] = [
    *[(key, name, "reviewer_role" if reviewer_only else "officer_role")
      for key, name, reviewer_only in OWNER_STEPS],
    *[(key, name, "own_subject") for key, name in SUBJECT_STEPS],
    *[(key, name, "task_department") for key, name in JOINT_STEPS],
    *[(key, name, "not_co_organiser") for key, name in CO_ORGANISER_STEPS],
]


def test_leadership_table_covers_every_transition_of_every_machine(cast: Cast) -> None:
    covered = {(key.split("/")[0], name) for key, name, _code in LEADERSHIP_REFUSALS}
    machine_names = {"case": Case, "objection": Objection, "rectification": Rectification,
                     "talk": Talk, "measuretask": MeasureTask, "repair": RepairApplication}
    every = {(machine, name) for machine, model in machine_names.items()
             for name in services.transition_names(model())}
    assert covered == every


@pytest.mark.parametrize(("key", "name", "code"), LEADERSHIP_REFUSALS, ids=_ids(LEADERSHIP_REFUSALS))
def test_leadership_office_cannot_take_a_step(cast: Cast, key: str, name: str, code: str) -> None:
    obj = build(cast, key)
    assert services.available_transitions(obj, cast.leadership_user) == []
    with refused(code, obj):
        services.advance(obj, name, cast.leadership_user)


@pytest.mark.parametrize(
    ("start", "code"),
    [("order_rectification", "officer_role"), ("require_talk", "officer_role"),
     ("file_objection", "own_subject"), ("apply_repair", "own_subject")],
)
def test_leadership_office_cannot_start_a_step(cast: Cast, start: str, code: str) -> None:
    case = cast.listed_case()
    with refused(code, case):
        _start(start, case, cast.leadership_user)


def test_leadership_office_cannot_open_a_case(cast: Cast) -> None:
    with refused("officer_role"):
        services.open_case(cast.leadership_user, subject=cast.subject, list_type="serious",
                           dishonesty_class="serious", legal_bases=[cast.basis], facts="未履行")


# --- subject-only and joint-department steps


@pytest.mark.parametrize("actor", ["other_subject_user", "officer"])
@pytest.mark.parametrize(("key", "name"), SUBJECT_STEPS, ids=_ids(SUBJECT_STEPS))
def test_subject_step_refused_for_anyone_but_the_case_subject(
    cast: Cast, key: str, name: str, actor: str
) -> None:
    obj = build(cast, key)
    with refused("own_subject", obj):
        services.advance(obj, name, getattr(cast, actor), {"note": "已补缴"})


@pytest.mark.parametrize("actor", ["other_subject_user", "officer"])
@pytest.mark.parametrize("start", ["file_objection", "apply_repair"])
def test_subject_filing_refused_for_anyone_but_the_case_subject(
    cast: Cast, start: str, actor: str
) -> None:
    case = cast.listed_case()
    with refused("own_subject", case):
        _start(start, case, getattr(cast, actor))


@pytest.mark.parametrize("actor", ["second_joint", "officer", "reviewer"])
@pytest.mark.parametrize(("key", "name"), JOINT_STEPS, ids=_ids(JOINT_STEPS))
def test_joint_step_refused_for_any_department_but_the_tasks(
    cast: Cast, key: str, name: str, actor: str
) -> None:
    task = build(cast, key)
    user = second_joint_officer(cast) if actor == "second_joint" else getattr(cast, actor)
    with refused("task_department", task):
        services.advance(task, name, user, {"report": "已限制投标资格"})


# --- repair is approved only when its preconditions hold


def _repair_under_review(cast: Cast) -> tuple[Case, RepairApplication]:
    repair = build(cast, "repair/under_review")
    assert isinstance(repair, RepairApplication)
    return repair.case, repair


@pytest.mark.parametrize("rectification_state", ["ordered", "submitted"])
def test_repair_approve_refused_until_every_rectification_is_accepted(
    cast: Cast, rectification_state: str
) -> None:
    case, repair = _repair_under_review(cast)
    accepted = services.order_rectification(case, cast.officer, "补缴欠款")
    services.advance(accepted, "submit", cast.subject_user)
    services.advance(accepted, "accept", cast.officer)
    pending = services.order_rectification(case, cast.officer, "提交整改报告")
    if rectification_state == "submitted":
        services.advance(pending, "submit", cast.subject_user)
    with refused("rectification_not_accepted", repair, case):
        services.advance(repair, "approve", cast.reviewer)


@pytest.mark.parametrize("objection_state", ["filed", "under_review"])
def test_repair_approve_refused_while_an_objection_is_open(cast: Cast, objection_state: str) -> None:
    case, repair = _repair_under_review(cast)
    objection = services.file_objection(case, cast.subject_user, "认定事实有误")
    if objection_state == "under_review":
        services.advance(objection, "accept", cast.officer)
    with refused("objection_open", repair, case):
        services.advance(repair, "approve", cast.reviewer)


@pytest.mark.parametrize("min_until_offset", [1, None], ids=["ends_tomorrow", "not_set"])
def test_repair_approve_refused_before_the_minimum_publication_is_served(
    cast: Cast, min_until_offset: int | None
) -> None:
    case, repair = _repair_under_review(cast)
    min_until = None if min_until_offset is None else timezone.localdate() + timedelta(min_until_offset)
    Case.objects.filter(pk=case.pk).update(publication_min_until=min_until)
    with refused("minimum_publication_not_served", repair, case):
        services.advance(repair, "approve", cast.reviewer)


def test_repair_approved_with_none_ordered_objection_decided_and_minimum_served_today(
    cast: Cast,
) -> None:
    case, repair = _repair_under_review(cast)
    objection = services.file_objection(case, cast.subject_user, "认定事实有误")
    services.advance(objection, "reject_inadmissible", cast.officer, {"reason": "超出受理范围"})
    serve_minimum_publication(case, days=0)
    services.advance(repair, "approve", cast.reviewer)
    case.refresh_from_db()
    assert (case.state, case.exit_reason, case.published) == ("exited", "repaired", False)


# --- a transition not available in the current state


NOT_AVAILABLE: list[tuple[str, str, str]] = [
    ("case/draft", "determine", "reviewer"),
    ("case/draft", "waive_statement", "subject_user"),
    ("case/draft", "exit", "reviewer"),
    ("case/listed", "notify", "officer"),
    ("case/listed", "withdraw", "officer"),
    ("case/exited", "correct", "reviewer"),
    ("case/exited", "exit", "system"),
    ("case/withdrawn", "notify", "officer"),
    ("case/listed", "no_such_step", "officer"),
    ("objection/filed", "uphold", "reviewer"),
    ("objection/dismissed", "accept", "officer"),
    ("rectification/ordered", "accept", "officer"),
    ("rectification/accepted", "submit", "subject_user"),
    ("rectification/submitted", "reorder", "officer"),
    ("talk/required", "hold", "officer"),
    ("talk/held", "schedule", "officer"),
    ("measuretask/pushed", "report", "joint_officer"),
    ("measuretask/pushed", "confirm", "joint_officer"),
    ("measuretask/terminated", "request_termination", "officer"),
    ("repair/applied", "approve", "reviewer"),
    ("repair/approved", "deny", "reviewer"),
]


@pytest.mark.parametrize(("key", "name", "actor"), NOT_AVAILABLE, ids=_ids(NOT_AVAILABLE))
def test_transition_refused_when_not_available_in_the_current_state(
    cast: Cast, key: str, name: str, actor: str
) -> None:
    obj = build(cast, key)
    with refused("transition_not_available", obj, exception=NotAvailable):
        services.advance(obj, name, getattr(cast, actor), idempotency_key=f"{key}:{name}")


# --- the database refuses an unknown state, whatever bypasses the machine


@pytest.mark.parametrize("model", MACHINE_MODELS, ids=lambda model: model.__name__)
def test_state_column_refuses_an_unknown_state_on_update(cast: Cast, model: type[Model]) -> None:
    builders: dict[type[Model], str] = {
        Case: "case/listed", Objection: "objection/filed", Rectification: "rectification/ordered",
        Talk: "talk/required", MeasureTask: "measuretask/pushed", RepairApplication: "repair/applied",
    }
    obj = build(cast, builders[model])
    with nothing_written(obj), pytest.raises(IntegrityError), transaction.atomic():
        model._default_manager.filter(pk=obj.pk).update(state="bogus")


def _unsaved_row(cast: Cast, model: type[Model], case: Case) -> dict[str, Any]:
    fields: dict[type[Model], dict[str, Any]] = {
        Case: {"number": "scjgj-bypass-1", "subject": cast.subject, "owner_department": cast.owner,
               "list_type": "serious", "dishonesty_class": "serious", "facts": "绕过状态机",
               "drafter": cast.officer},
        Objection: {"case": case, "filed_by": cast.subject_user, "grounds": "认定事实有误"},
        Rectification: {"case": case, "requirements": "补缴欠款"},
        Talk: {"case": case, "kind": "prompt", "organiser": cast.owner},
        MeasureTask: {"case": case, "measure": cast.measure, "department": cast.joint},
        RepairApplication: {"case": case, "applicant": cast.subject_user, "commitment_letter": True},
    }
    return fields[model]


@pytest.mark.parametrize("model", MACHINE_MODELS, ids=lambda model: model.__name__)
def test_state_column_refuses_an_unknown_state_on_create(cast: Cast, model: type[Model]) -> None:
    case = cast.open_case()
    fields = _unsaved_row(cast, model, case)
    with nothing_written(case), pytest.raises(IntegrityError), transaction.atomic():
        model._default_manager.create(state="bogus", **fields)


def test_case_row_created_as_listed_without_a_listing_date_is_refused(cast: Cast) -> None:
    fields = _unsaved_row(cast, Case, cast.open_case())
    with nothing_written(), pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.create(state="listed", **fields)


def test_nothing_written_notices_an_audited_change(cast: Cast) -> None:
    """The helper itself is not vacuous: an audited change made in its block fails it."""
    case = cast.open_case()
    with pytest.raises(AssertionError), nothing_written(case):
        services.record_change(case, "facts_edited", cast.officer, {"facts": (case.facts, "新事实")})
