"""Reasons the effects write into a step are in the notices' language, whoever triggered them.

Issue 12 item 13: English text (``rectification 12 overdue``) ended up in Chinese notices.
"""

import re
from datetime import timedelta

from django.utils import timezone, translation

from casework import services
from casework.models import AuditEvent, Talk
from tests.conftest import Cast
from workflows.case import ExitReason
from workflows.objection import ObjectionOutcome

LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


def test_the_talk_an_overdue_rectification_requires_states_its_reason_in_chinese(cast: Cast) -> None:
    case = cast.listed_case()
    rectification = services.order_rectification(case, cast.officer, "补缴欠款并提交凭证")
    rectification.due_on = timezone.localdate() - timedelta(days=1)
    rectification.save(update_fields=["due_on"])
    with translation.override("en"):
        services.advance(rectification, "mark_overdue", cast.system)
    reason = Talk.objects.get(case=case).reason
    assert reason == f"第{rectification.pk}号整改逾期未完成"


def test_the_termination_request_on_exit_states_its_reason_in_chinese(cast: Cast) -> None:
    case = cast.listed_case(measures=[cast.measure])
    with translation.override("en"):
        services.advance(case, "exit", cast.reviewer, {"reason": ExitReason.REVOKED, "grounds": "撤销"})
    task = case.measuretasks.get()
    assert task.termination_reason.startswith("失信信息已移出：")
    assert not LATIN_WORD.search(task.termination_reason), task.termination_reason


def test_a_revoking_objection_states_the_exit_grounds_in_chinese(cast: Cast) -> None:
    case = cast.listed_case()
    objection = services.file_objection(case, cast.subject_user, "样品来源错误")
    services.advance(objection, "accept", cast.officer)
    with translation.override("en"):
        services.advance(objection, "uphold", cast.reviewer,
                         {"outcome": ObjectionOutcome.REVOKE, "reason": "经复核撤销认定"})
    exit_event = AuditEvent.objects.get(case=case, object_type="case", action="exit")
    assert exit_event.payload["grounds"] == f"第{objection.pk}号异议成立：经复核撤销认定"
