"""Each official document, rendered to PDF and read back, names its subject, case and legal basis."""

from collections.abc import Callable

import pytest

from casework import services
from casework.models import Case, RepairApplication
from documents.choices import DocumentKind, RefusalReason
from tests.conftest import Cast
from tests.documents.conftest import (
    dismissed_objection,
    document,
    held_talk,
    pdf_text,
    repair_under_review,
    scheduled_talk,
)


def notified(cast: Cast) -> Case:
    case = cast.open_case()
    services.advance(case, "notify", cast.officer)
    return case


def rectification_ordered(cast: Cast) -> Case:
    case = cast.listed_case()
    services.order_rectification(case, cast.officer, "补缴欠款并提交凭证", period_working_days=10)
    return case


def talk_scheduled(cast: Cast) -> Case:
    case = cast.listed_case()
    scheduled_talk(cast, case)
    return case


def talk_held(cast: Cast) -> Case:
    case = cast.listed_case()
    held_talk(cast, case)
    return case


def objection_dismissed(cast: Cast) -> Case:
    case = cast.listed_case()
    dismissed_objection(cast, case)
    return case


def repair_approved(cast: Cast) -> Case:
    case = cast.listed_case()
    services.advance(repair_under_review(cast, case), "approve", cast.reviewer)
    return case


def repair_denied(cast: Cast) -> Case:
    case = cast.listed_case()
    services.advance(repair_under_review(cast, case), "deny", cast.reviewer, {
        "reason": "未提交整改证明",
    })
    return case


def repair_revoked(cast: Cast) -> Case:
    case = cast.listed_case()
    repair = repair_under_review(cast, case)
    services.advance(repair, "approve", cast.reviewer)
    services.advance(RepairApplication.objects.get(pk=repair.pk), "revoke", cast.reviewer, {
        "false_material": "整改验收意见系伪造", "decision": "申请人以虚假材料取得修复",
    })
    return case


BUILDERS: dict[str, tuple[Callable[[Cast], Case], tuple[str, ...]]] = {
    DocumentKind.CREDIT_NOTICE: (notified, ("陈述", "申辩", "5个工作日", "送达")),
    DocumentKind.DETERMINATION: (lambda cast: cast.listed_case(), ("严重失信主体名单",)),
    DocumentKind.REPAIR_NOTICE: (lambda cast: cast.listed_case(), ("信用修复", "不收取任何费用")),
    DocumentKind.RECTIFICATION_NOTICE: (rectification_ordered, ("补缴欠款并提交凭证", "10个工作日")),
    DocumentKind.TALK_NOTICE: (talk_scheduled, ("302 会议室", "市发展改革委")),
    DocumentKind.TALK_RECORD: (talk_held, ("企业承诺十日内补缴欠款",)),
    DocumentKind.OBJECTION_DECISION: (objection_dismissed, ("处罚依据适用错误", "事实清楚，依据充分")),
    DocumentKind.REPAIR_DECISION: (repair_approved, ("准予信用修复",)),
    DocumentKind.REPAIR_REFUSAL: (repair_denied, ("不予修复", "未提交整改证明")),
    DocumentKind.REPAIR_REVOCATION: (repair_revoked, ("撤销上述信用修复决定", "整改验收意见系伪造",
                                                      "恢复公示", "不予受理", "六十日内")),
}


@pytest.mark.parametrize("kind", list(BUILDERS))
def test_each_document_pdf_names_subject_case_and_legal_basis(cast: Cast, kind: str) -> None:
    build, own_phrases = BUILDERS[kind]
    case = build(cast)
    issued = document(case, kind)
    text = pdf_text(issued)
    assert cast.subject.name in text
    assert case.number in text
    assert cast.basis.title in text
    assert issued.number in text
    for phrase in own_phrases:
        assert phrase in text, phrase


def test_the_decision_states_both_remedies_with_their_time_limits(cast: Cast) -> None:
    text = pdf_text(document(cast.listed_case(), DocumentKind.DETERMINATION))
    assert "六十日内" in text and "《中华人民共和国行政复议法》第二十条" in text and "行政复议" in text
    assert "六个月内" in text and "《中华人民共和国行政诉讼法》第四十六条" in text and "行政诉讼" in text
    assert "移出条件和程序" in text


def test_the_decision_and_the_repair_notice_are_served_in_one_act(cast: Cast) -> None:
    case = cast.listed_case()
    decision = document(case, DocumentKind.DETERMINATION)
    notice = document(case, DocumentKind.REPAIR_NOTICE)
    assert decision.service_act_id == notice.service_act_id
    assert list(decision.service_act.documents.order_by("pk")) == [decision, notice]
    text = pdf_text(decision)
    assert f"《信用修复告知书》（{notice.number}）同时送达" in text
    assert notice.number in pdf_text(notice)


def test_a_refusal_carries_a_structured_reason_from_the_list(cast: Cast) -> None:
    """The repair payloads declare no reason_code yet: the reason is "other", with its text."""
    refusal = document(repair_denied(cast), DocumentKind.REPAIR_REFUSAL)
    assert refusal.reason_code == RefusalReason.OTHER
    text = pdf_text(refusal)
    assert "其他理由" in text and "未提交整改证明" in text
