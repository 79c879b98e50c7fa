"""Guards of the case machine (DESIGN §3): legal basis, four eyes, the defence window,
and what an upheld objection does to the case.

Every refusal is checked for its rule code, a message, and that nothing was written.
"""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from casework import services
from casework.choices import LegalBasisKind, ListType
from casework.exceptions import PayloadInvalid
from casework.models import AuditEvent, Case, LegalBasis, Measure, MeasureTask, Objection
from tests.casework.refusals import (
    build,
    case_drafted_by,
    end_statement_window,
    nothing_written,
    refused,
    second_joint_officer,
    second_reviewer,
    serve_minimum_publication,
)
from tests.conftest import Cast
from workflows.guards import RuleRefused

YESTERDAY = -1
TOMORROW = 1


def _days(offset: int) -> date:
    return timezone.localdate() + timedelta(days=offset)


def _dates(window: dict[str, int]) -> dict[str, date]:
    """Day offsets → dates when the test runs (not at collection: the suite may cross midnight)."""
    return {field: _days(offset) for field, offset in window.items()}


def _basis(cast: Cast, **fields: object) -> LegalBasis:
    values: dict[str, object] = {
        "kind": LegalBasisKind.ADMINISTRATIVE_REGULATION, "title": "企业信息公示暂行条例",
        "article": "第十七条", "allows_serious_list": True, "allows_focus_list": True,
        "active_from": date(2014, 10, 1),
    }
    values.update(fields)
    return LegalBasis.objects.create(**values)


# --- no determination (and no notice) without an active basis that allows the list type


@pytest.mark.parametrize(
    "window",
    [
        {"active_until": YESTERDAY},
        {"active_from": TOMORROW},
    ],
    ids=["repealed", "not_yet_in_force"],
)
def test_opening_a_case_refused_when_its_only_legal_basis_is_inactive(cast: Cast, window: dict) -> None:
    basis = _basis(cast, **_dates(window))
    with pytest.raises(RuleRefused) as caught:
        cast.open_case(legal_bases=[basis])
    assert caught.value.code == "legal_basis_required"
    assert (Case.objects.count(), AuditEvent.objects.count()) == (0, 0)


@pytest.mark.parametrize(
    "window",
    [
        {"active_until": YESTERDAY},
        {"active_from": TOMORROW},
    ],
    ids=["repealed", "not_yet_in_force"],
)
def test_notify_refused_when_the_only_legal_basis_is_no_longer_in_force(cast: Cast, window: dict) -> None:
    basis = _basis(cast)
    case = cast.open_case(legal_bases=[basis])
    LegalBasis.objects.filter(pk=basis.pk).update(**_dates(window))
    with refused("legal_basis_required", case):
        services.advance(case, "notify", cast.officer)
    assert case.state == "draft"


def test_determine_refused_when_the_legal_basis_was_repealed_after_notice(cast: Cast) -> None:
    case = cast.notified_case()
    LegalBasis.objects.filter(pk=cast.basis.pk).update(active_until=_days(YESTERDAY))
    with refused("legal_basis_required", case):
        services.advance(case, "determine", cast.reviewer)
    assert (case.state, case.determined_by_id, case.listed_from) == ("notified", None, None)


def test_opening_a_serious_case_refused_when_its_basis_allows_only_the_focus_list(cast: Cast) -> None:
    focus_only = _basis(cast, allows_serious_list=False)
    with pytest.raises(RuleRefused) as caught:
        cast.open_case(list_type=ListType.SERIOUS, legal_bases=[focus_only])
    assert caught.value.code == "legal_basis_required"
    assert Case.objects.count() == 0


def test_notify_refused_when_the_basis_no_longer_allows_the_serious_list(cast: Cast) -> None:
    basis = _basis(cast)
    case = cast.open_case(list_type=ListType.SERIOUS, legal_bases=[basis])
    LegalBasis.objects.filter(pk=basis.pk).update(allows_serious_list=False)
    with refused("legal_basis_required", case):
        services.advance(case, "notify", cast.officer)


def test_determine_refused_when_the_basis_allows_only_the_focus_list_on_a_serious_case(
    cast: Cast,
) -> None:
    case = cast.notified_case()
    LegalBasis.objects.filter(pk=cast.basis.pk).update(allows_serious_list=False)
    with refused("legal_basis_required", case):
        services.advance(case, "determine", cast.reviewer)


def test_focus_only_basis_suffices_for_a_focus_list_case(cast: Cast) -> None:
    focus_only = _basis(cast, allows_serious_list=False)
    case = cast.notified_case(list_type=ListType.FOCUS, legal_bases=[focus_only])
    services.advance(case, "determine", cast.reviewer)
    case.refresh_from_db()
    assert case.state == "listed"


def test_one_active_basis_among_repealed_ones_suffices(cast: Cast) -> None:
    repealed = _basis(cast, active_until=_days(YESTERDAY))
    case = cast.notified_case(legal_bases=[repealed, cast.basis])
    services.advance(case, "determine", cast.reviewer)
    case.refresh_from_db()
    assert case.state == "listed"


def test_open_case_refused_without_any_legal_basis(cast: Cast) -> None:
    with refused("legal_basis_required"):
        cast.open_case(legal_bases=[])
    assert not Case.objects.exists()


# --- determine / approve / uphold need a reviewer who did not draft the case (four eyes)


def test_determine_refused_when_the_reviewer_drafted_the_case(cast: Cast) -> None:
    case = case_drafted_by(cast, cast.reviewer)
    with refused("four_eyes", case):
        services.advance(case, "determine", cast.reviewer)
    services.advance(case, "determine", second_reviewer(cast))
    case.refresh_from_db()
    assert case.state == "listed"


def _listed_case_drafted_by_reviewer(cast: Cast) -> Case:
    case = case_drafted_by(cast, cast.reviewer)
    services.advance(case, "determine", second_reviewer(cast))
    case.refresh_from_db()
    return case


def test_uphold_refused_when_the_reviewer_drafted_the_case(cast: Cast) -> None:
    case = _listed_case_drafted_by_reviewer(cast)
    objection = services.file_objection(case, cast.subject_user, "认定事实有误")
    services.advance(objection, "accept", cast.officer)
    with refused("four_eyes", objection, case):
        services.advance(objection, "uphold", cast.reviewer, {"outcome": "revoke", "reason": "依据错误"})


def test_repair_approve_refused_when_the_reviewer_drafted_the_case(cast: Cast) -> None:
    case = _listed_case_drafted_by_reviewer(cast)
    serve_minimum_publication(case)
    repair = services.apply_repair(case, cast.subject_user, {"commitment_letter": True})
    services.advance(repair, "accept", cast.officer)
    with refused("four_eyes", repair, case):
        services.advance(repair, "approve", cast.reviewer)


@pytest.mark.parametrize(
    ("key", "name", "data"),
    [
        ("case/notified", "determine", {}),
        ("objection/under_review", "uphold", {"outcome": "revoke", "reason": "依据错误"}),
        ("repair/under_review", "approve", {}),
    ],
    ids=["determine", "uphold", "approve"],
)
def test_decision_refused_for_an_officer_who_is_not_a_reviewer(
    cast: Cast, key: str, name: str, data: dict
) -> None:
    obj = build(cast, key)
    with refused("reviewer_role", obj):
        services.advance(obj, name, cast.officer, data)


# --- determination only after the statement and defence window, or the subject's waiver


@pytest.mark.parametrize(
    "due_in", [TOMORROW, 0, None], ids=["before_due_day", "on_due_day", "no_due_date"]
)
def test_determine_refused_while_the_statement_window_is_open(cast: Cast, due_in: int | None) -> None:
    case = cast.notified_case()
    Case.objects.filter(pk=case.pk).update(statement_due_on=None if due_in is None else _days(due_in))
    with refused("statement_window_open", case):
        services.advance(case, "determine", cast.reviewer)


def test_determine_allowed_on_the_due_day_once_the_subject_waived(cast: Cast) -> None:
    case = cast.notified_case()
    end_statement_window(case, days_ago=0)
    services.advance(case, "waive_statement", cast.subject_user)
    services.advance(case, "determine", cast.reviewer)
    case.refresh_from_db()
    assert (case.state, case.statement_waived) == ("listed", True)


@pytest.mark.parametrize("actor", ["other_subject_user", "officer"])
def test_waive_statement_refused_for_anyone_but_the_case_subject(cast: Cast, actor: str) -> None:
    case = cast.notified_case()
    with refused("own_subject", case):
        services.advance(case, "waive_statement", getattr(cast, actor))
    assert case.statement_waived is False


# --- an upheld objection revokes or corrects the case


def _under_review_objection(case: Case, cast: Cast) -> Objection:
    objection = services.file_objection(case, cast.subject_user, "认定事实有误")
    services.advance(objection, "accept", cast.officer)
    return objection


def test_upheld_objection_with_revoke_exits_the_case_and_requests_termination_of_live_measures(
    cast: Cast,
) -> None:
    second_joint = second_joint_officer(cast)
    Measure.objects.create(code="limit-subsidy", title="限制获得财政补贴", legal_basis=cast.basis,
                           department=second_joint.department)
    Measure.objects.create(code="limit-permit", title="从严审核行政许可", legal_basis=cast.basis,
                           department=cast.joint)
    case = cast.listed_case()
    pushed, implemented, terminated = MeasureTask.objects.filter(case=case).order_by("measure__code")
    services.advance(implemented, "acknowledge", cast.joint_officer)
    services.advance(implemented, "report", cast.joint_officer, {"report": "已从严审核"})
    services.advance(terminated, "request_termination", cast.officer)
    services.advance(terminated, "confirm", second_joint)
    objection = _under_review_objection(case, cast)

    services.advance(objection, "uphold", cast.reviewer, {"outcome": "revoke", "reason": "依据错误"})

    case.refresh_from_db()
    objection.refresh_from_db()
    assert (objection.state, objection.outcome) == ("upheld", "revoke")
    assert (case.state, case.exit_reason, case.published) == ("exited", "revoked", False)
    states = dict(MeasureTask.objects.filter(case=case).values_list("pk", "state"))
    assert states == {pushed.pk: "terminating", implemented.pk: "terminating",
                      terminated.pk: "terminated"}
    requested = AuditEvent.objects.filter(case=case, action="request_termination")
    assert sorted(requested.values_list("object_id", flat=True)) == sorted(
        [pushed.pk, implemented.pk, terminated.pk]
    )
    exit_event = AuditEvent.objects.get(case=case, action="exit")
    assert exit_event.payload["reason"] == "revoked"
    assert exit_event.payload["grounds"].startswith(f"第{objection.pk}号异议成立：")  # the notices' language


def test_upheld_objection_with_correct_applies_the_correction_and_audits_old_and_new(
    cast: Cast,
) -> None:
    case = cast.listed_case()
    listed_until = case.listed_until
    objection = _under_review_objection(case, cast)
    new_until = _days(365)
    # The class stays serious: the serious list carries only serious dishonesty (LIST_CLASSES).
    correction = {"facts": "逾期未履行行政处罚决定", "dishonesty_class": "serious",
                  "listed_until": new_until.isoformat()}

    services.advance(objection, "uphold", cast.reviewer,
                     {"outcome": "correct", "reason": "情节认定有误", "correction": correction})

    case.refresh_from_db()
    assert (case.state, case.published) == ("listed", True)
    assert (case.facts, case.dishonesty_class, case.listed_until) == (
        "逾期未履行行政处罚决定", "serious", new_until
    )
    event = AuditEvent.objects.get(case=case, object_type="case", action="correct")
    assert (event.from_state, event.to_state, event.actor) == ("listed", "listed", cast.reviewer)
    assert event.changes == {
        "facts": ["拒不履行法院判决确定的义务", "逾期未履行行政处罚决定"],
        "listed_until": [listed_until.isoformat() if listed_until else None, new_until.isoformat()],
    }
    assert list(MeasureTask.objects.filter(case=case).values_list("state", flat=True)) == ["pushed"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"reason": "依据错误"}, "outcome"),
        ({"outcome": "revoke"}, "reason"),
        ({"outcome": "revoke", "reason": "   "}, "reason"),
        ({"outcome": "correct", "reason": "情节认定有误", "correction": {"dishonesty_class": "x"}},
         "correction.dishonesty_class"),
        ({"outcome": "correct", "reason": "情节认定有误", "correction": {"class": "minor"}},
         "correction.class"),
    ],
    ids=["no_outcome", "no_reason", "blank_reason", "invalid_correction", "unknown_correction_field"],
)
def test_uphold_refused_without_a_valid_outcome_and_reasons_naming_the_field(
    cast: Cast, data: dict, field: str
) -> None:
    case = cast.listed_case()
    objection = _under_review_objection(case, cast)
    with nothing_written(case, objection, *MeasureTask.objects.filter(case=case).all()), \
            pytest.raises(PayloadInvalid) as caught:
        services.advance(objection, "uphold", cast.reviewer, data)
    assert list(caught.value.errors) == [field]


# --- which classes each list may carry (LIST_CLASSES; issue 12 item 1) ------------------------


@pytest.mark.parametrize(("list_type", "dishonesty_class"),
                         [("serious", "minor"), ("serious", "general"), ("focus", "serious")])
def test_list_class_mismatch_refused_at_opening_and_nothing_written(
    cast: Cast, list_type: str, dishonesty_class: str,
) -> None:
    with pytest.raises(RuleRefused) as refusal:
        services.open_case(cast.officer, subject=cast.subject, list_type=list_type,
                           dishonesty_class=dishonesty_class, legal_bases=[cast.basis], facts="未履行")
    assert refusal.value.code == "list_class_mismatch"
    assert "严重失信主体名单" in str(refusal.value.message)
    assert not Case.objects.exists() and not AuditEvent.objects.exists()


@pytest.mark.parametrize(("list_type", "dishonesty_class"),
                         [("serious", "serious"), ("focus", "minor"), ("focus", "general")])
def test_list_class_allowed_pairs_open(cast: Cast, list_type: str, dishonesty_class: str) -> None:
    case = services.open_case(cast.officer, subject=cast.subject, list_type=list_type,
                              dishonesty_class=dishonesty_class, legal_bases=[cast.basis],
                              facts="未履行")
    assert (case.list_type, case.dishonesty_class) == (list_type, dishonesty_class)


def test_list_class_check_constraint_refuses_an_update_past_the_guard(cast: Cast) -> None:
    from django.db import IntegrityError, transaction

    case = cast.open_case()
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(dishonesty_class="minor")
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(list_type="focus")


def test_list_class_mismatch_refused_for_a_correction_of_the_class(cast: Cast) -> None:
    case = cast.listed_case()
    objection = _under_review_objection(case, cast)
    with pytest.raises(RuleRefused) as refusal:
        services.advance(objection, "uphold", cast.reviewer, {
            "outcome": "correct", "reason": "情节认定有误",
            "correction": {"dishonesty_class": "general"}})
    assert refusal.value.code == "list_class_mismatch"
    case.refresh_from_db()
    objection.refresh_from_db()
    assert (case.dishonesty_class, objection.state) == ("serious", "under_review")


def test_exit_as_expired_by_hand_is_refused_while_the_rules_exit_condition_fails(cast: Cast) -> None:
    """The exit condition of the maximum publication row (every ordered rectification accepted)
    binds a reviewer's exit as expired as it binds the sweep's."""
    case = cast.listed_case()
    services.order_rectification(case, cast.officer, "补缴欠款并提交凭证")
    Case.objects.filter(pk=case.pk).update(listed_until=_days(YESTERDAY))
    case.refresh_from_db()
    with refused("exit_rectification_open", case):
        services.advance(case, "exit", cast.reviewer, {"reason": "expired"})
    case.rectifications.update(state="accepted")
    services.advance(case, "exit", cast.reviewer, {"reason": "expired"})
    case.refresh_from_db()
    assert (case.state, case.exit_reason) == ("exited", "expired")
