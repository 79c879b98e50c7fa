"""The whole lifecycle through the transition service alone."""

from datetime import timedelta

from django.utils import timezone

from casework import services
from casework.audit import verify_chains
from casework.models import AuditEvent, Case, Talk
from tests.conftest import Cast


def test_full_lifecycle_ends_exited_with_measures_terminated(cast: Cast) -> None:
    case = cast.listed_case()
    assert case.state == "listed" and case.published
    task = case.measuretasks.get()
    assert task.state == "pushed" and task.department == cast.joint

    services.advance(task, "acknowledge", cast.joint_officer)
    services.advance(task, "report", cast.joint_officer, {"report": "已限制投标资格"})
    task.refresh_from_db()
    assert task.state == "implemented"

    objection = services.file_objection(case, cast.subject_user, "处罚依据适用错误")
    services.advance(objection, "accept", cast.officer)
    services.advance(objection, "dismiss", cast.reviewer, {"reason": "事实清楚，依据充分"})

    rectification = services.order_rectification(case, cast.officer, "补缴欠款并提交凭证")
    rectification.due_on = timezone.localdate() - timedelta(days=1)
    rectification.save(update_fields=["due_on"])
    services.advance(rectification, "mark_overdue", cast.system)
    talk = Talk.objects.get(case=case)
    # A serious-list subject is called to a warning talk (警示约谈), not a prompt talk.
    assert (talk.state, talk.kind, talk.organiser) == ("required", "warning", cast.owner)

    services.advance(talk, "schedule", cast.officer, {
        "scheduled_for": (timezone.now() + timedelta(days=10)).isoformat(),
        "place": "市市场监管局 302 会议室", "co_organiser": "fgw",
    })
    # Time passes: the talk's hour has come.
    Talk.objects.filter(pk=talk.pk).update(scheduled_for=timezone.now() - timedelta(minutes=1))
    services.advance(talk, "hold", cast.officer, {"record": "企业承诺十日内整改"})
    services.advance(rectification, "reorder", cast.officer)
    services.advance(rectification, "submit", cast.subject_user, {"note": "已补缴"})
    services.advance(rectification, "accept", cast.officer)

    Case.objects.filter(pk=case.pk).update(publication_min_until=timezone.localdate())
    repair = services.apply_repair(case, cast.subject_user, {"commitment_letter": True})
    services.advance(repair, "accept", cast.officer)
    services.advance(repair, "approve", cast.reviewer)

    case.refresh_from_db()
    task.refresh_from_db()
    assert (case.state, case.exit_reason, case.published) == ("exited", "repaired", False)
    assert task.state == "terminating"
    services.advance(task, "confirm", cast.joint_officer)
    task.refresh_from_db()
    assert task.state == "terminated"
    assert all(broken is None for _chain, broken in verify_chains())
    every_action = list(AuditEvent.objects.filter(case=case).values_list("action", flat=True))
    # Each transition that issues official documents is followed by their issue (numbers, checksums).
    assert every_action[:3] == ["created", "notify", "documents_issued"]
    actions = [action for action in every_action if action != "documents_issued"]
    assert actions[:3] == ["created", "notify", "determine"]
    assert actions[-3:] == ["exit", "request_termination", "confirm"]
