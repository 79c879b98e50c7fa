"""撤销修复: a repair granted on false material is revoked through advance(); the record is listed
and published again, the bar on new applications comes from the policy row in force
(step ``repair_bar``: 国家发展改革委令第58号 from 2023-05-01, 第36号 from 2026-04-01), and the
subject's repeated repairs are visible on the case and in the credit record."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from casework import services
from casework.audit import verify_chains
from casework.models import AuditEvent, Case, CreditIndexEntry, RepairApplication
from tests.casework.refusals import build, refused, serve_minimum_publication
from tests.conftest import Cast
from workflows.choices import Step
from workflows.guards import RuleRefused
from workflows.models import Deadline, Policy
from workflows.services import Context, compute_due

FALSE_MATERIAL = {"false_material": "整改凭证系伪造（银行回单编号不存在）",
                  "decision": "经核查，申请人提交虚假整改材料取得修复，依法撤销修复决定"}


def approved_repair(cast: Cast) -> RepairApplication:
    repair = build(cast, "repair/approved")
    assert isinstance(repair, RepairApplication)
    return repair


def test_revoking_an_approved_repair_relists_and_republishes_the_case(cast: Cast) -> None:
    repair = approved_repair(cast)
    case = Case.objects.get(pk=repair.case_id)
    assert (case.state, case.exit_reason, case.published) == ("exited", "repaired", False)

    services.advance(repair, "revoke", cast.reviewer, FALSE_MATERIAL)

    repair.refresh_from_db()
    case.refresh_from_db()
    assert repair.state == "revoked" and repair.false_material.startswith("整改凭证系伪造")
    assert (case.state, case.exit_reason, case.published, case.closed_at) == ("listed", "", True, None)
    # The maximum publication period runs again from the listing date (its clock reopens).
    clock = Deadline.objects.open().get(case=case, step=Step.PUBLICATION_MAX)
    assert clock.due_on == case.listed_until


def test_the_revocation_is_in_the_audit_chain_with_its_relisting(cast: Cast) -> None:
    repair = approved_repair(cast)
    services.advance(repair, "revoke", cast.reviewer, FALSE_MATERIAL)
    revoked = AuditEvent.objects.get(action="revoke", case_id=repair.case_id)
    assert (revoked.from_state, revoked.to_state) == ("approved", "revoked")
    assert revoked.payload["false_material"] == FALSE_MATERIAL["false_material"]
    relisted = AuditEvent.objects.get(action="relist", case_id=repair.case_id)
    assert (relisted.from_state, relisted.to_state) == ("exited", "listed")
    assert all(broken is None for _chain, broken in verify_chains())


def test_the_bar_on_new_applications_is_the_policy_row_in_force_on_the_revocation_day(cast: Cast) -> None:
    repair = approved_repair(cast)
    services.advance(repair, "revoke", cast.reviewer, FALSE_MATERIAL)
    repair.refresh_from_db()
    today = timezone.localdate()
    policy = Policy.objects.in_force(Step.REPAIR_BAR, today)
    assert policy is not None and repair.bar_policy == policy
    assert "国家发展改革委令第36号" in policy.source and policy.confidence == "D"
    expected = compute_due(policy, today, policy.length, Context(repair.case).jurisdiction).day
    assert repair.barred_until == expected
    assert repair.barred_until >= today + timedelta(days=30 * policy.length - 31)


def test_a_revocation_before_2026_04_01_takes_the_2023_measures_row(cast: Cast) -> None:
    policy = Policy.objects.in_force(Step.REPAIR_BAR, date(2025, 1, 10))
    assert policy is not None and "国家发展改革委令第58号" in policy.source
    assert policy.effective_to == date(2026, 4, 1)


def test_a_new_application_during_the_bar_is_refused_naming_its_end(cast: Cast) -> None:
    repair = approved_repair(cast)
    services.advance(repair, "revoke", cast.reviewer, FALSE_MATERIAL)
    case = Case.objects.get(pk=repair.case_id)
    serve_minimum_publication(case)
    repair.refresh_from_db()
    with refused("repair_barred", case):
        services.apply_repair(case, cast.subject_user, {"commitment_letter": True})
    with pytest.raises(RuleRefused) as caught:
        services.apply_repair(case, cast.subject_user, {"commitment_letter": True})
    assert repair.barred_until is not None and repair.barred_until.isoformat() in str(caught.value)


def test_a_new_application_after_the_bar_is_accepted(cast: Cast) -> None:
    repair = approved_repair(cast)
    services.advance(repair, "revoke", cast.reviewer, FALSE_MATERIAL)
    RepairApplication.objects.filter(pk=repair.pk).update(
        barred_until=timezone.localdate() - timedelta(days=1))
    case = Case.objects.get(pk=repair.case_id)
    serve_minimum_publication(case)
    again = services.apply_repair(case, cast.subject_user, {"commitment_letter": True})
    assert again.state == "applied"


def test_only_a_reviewer_of_the_owner_department_revokes(cast: Cast) -> None:
    repair = approved_repair(cast)
    with refused("reviewer_role", repair):
        services.advance(repair, "revoke", cast.officer, FALSE_MATERIAL)


def test_a_revocation_must_name_the_false_material(cast: Cast) -> None:
    from casework.exceptions import PayloadInvalid

    repair = approved_repair(cast)
    with pytest.raises(PayloadInvalid) as caught:
        services.advance(repair, "revoke", cast.reviewer, {"decision": "撤销"})
    assert "false_material" in caught.value.errors


def test_a_denied_repair_cannot_be_revoked(cast: Cast) -> None:
    from casework.exceptions import NotAvailable

    repair = build(cast, "repair/under_review")
    services.advance(repair, "deny", cast.reviewer, {"reason": "材料不全"})
    with pytest.raises(NotAvailable):
        services.advance(repair, "revoke", cast.reviewer, FALSE_MATERIAL)


def test_a_case_exited_otherwise_is_not_relisted_by_hand(cast: Cast) -> None:
    case = build(cast, "case/exited")
    with refused("repair_not_revoked", case):
        services.advance(case, "relist", cast.reviewer, {"grounds": "重新公示"})


def test_the_relisted_record_answers_the_credit_check_with_its_repair_history(cast: Cast) -> None:
    repair = approved_repair(cast)
    assert not CreditIndexEntry.objects.filter(case_id=repair.case_id).exists()
    services.advance(repair, "revoke", cast.reviewer, FALSE_MATERIAL)
    entry = CreditIndexEntry.objects.get(case_id=repair.case_id)
    repair.refresh_from_db()
    assert [row["revoked_on"] for row in entry.repairs] == [timezone.localdate().isoformat()]
    assert entry.repairs[0]["barred_until"] == repair.barred_until.isoformat()  # type: ignore[union-attr]


def test_the_subject_is_served_a_formal_decision_revoking_the_repair(cast: Cast) -> None:
    """撤销信用修复决定书: issued with the revocation, numbered, audited, announced to the subject."""
    from documents.choices import DocumentKind
    from documents.models import Document
    from notifications.models import Message
    from notifications.texts import render

    repair = approved_repair(cast)
    services.advance(repair, "revoke", cast.reviewer, FALSE_MATERIAL)
    repair.refresh_from_db()
    document = Document.objects.get(case_id=repair.case_id, kind=DocumentKind.REPAIR_REVOCATION)
    assert (document.target_id, document.service_act.state) == (repair.pk, "pending")
    assert document.title == "撤销信用修复决定书" and "修撤" in document.number
    assert document.audit_event.action == "revoke"
    assert FALSE_MATERIAL["false_material"] in document.html
    assert repair.barred_until is not None
    barred = repair.barred_until
    assert f"截至{barred.year}年{barred.month}月{barred.day}日（含当日）" in document.html
    assert "国家发展改革委令第36号" in document.html  # the bar's rule, quoted from its policy row
    message = Message.objects.get(case_id=repair.case_id, event="repairapplication.revoke",
                                  audience="subject")
    assert message.legal is True
    text = render(message.template, message.context, "zh-hans")
    assert text.title.startswith("【信用修复决定：撤销修复】")
    assert "恢复公示" in text.body and document.number in text.body
    assert repair.barred_until.isoformat() in text.body
