"""Named row selections: each rule that selects rows is written once, here (STYLE 15).

The rules themselves (who sees what) are stated in casework/access.py.
"""

from datetime import date
from typing import Any

from django.db import models

from casework.access import is_department_staff, reads_all
from casework.choices import Role


class CaseQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> "CaseQuerySet":
        """The cases ``user`` may see: its department's (谁认定), its own once notified, or all."""
        if reads_all(user):
            return self.all()
        if is_department_staff(user):
            return self.filter(owner_department_id=user.department_id)
        if getattr(user, "role", None) == Role.SUBJECT and user.subject_id:
            # A draft is the department's work in progress: the subject sees a case once told.
            return self.filter(subject_id=user.subject_id, notified_at__isnull=False)
        return self.none()

    def of_subject(self, subject_id: int) -> "CaseQuerySet":
        return self.filter(subject_id=subject_id)

    def published(self, today: date) -> "CaseQuerySet":
        """On the public list today: listed, published, and its publication not yet ended.

        The sweep exits a case whose maximum period passed; until it runs, the date alone
        already takes the record off the public pages.
        """
        from workflows.case import CaseState

        return self.filter(state=CaseState.LISTED, published=True).filter(
            models.Q(listed_until__isnull=True) | models.Q(listed_until__gte=today)
        )

    def exit_notices(self) -> "CaseQuerySet":
        """Exit notices (信用修复公示): exited cases, except revoked ones — a revoked
        determination is not shown with its original bases at all — and those whose label an
        objection cleared or that were revoked as wrongly listed (the subject should not have
        been on the list)."""
        from workflows.case import CaseState, ExitReason

        return self.filter(state=CaseState.EXITED).exclude(
            exit_reason__in=[ExitReason.REVOKED, ExitReason.LABEL_CLEARED, ExitReason.WRONGLY_LISTED])

    def with_open_objection(self) -> "CaseQuerySet":
        """Annotate ``objection_open``: an objection on the case is being processed (异议处理中)."""
        from casework.models.processes import Objection
        from workflows.objection import ObjectionState

        open_objections = Objection.objects.filter(
            case=models.OuterRef("pk"), state__in=ObjectionState.open_states()
        )
        return self.annotate(objection_open=models.Exists(open_objections))

    def search(self, text: str) -> "CaseQuerySet":
        """By the subject's name (part of it) or its whole code or number."""
        text = text.strip()
        if not text:
            return self
        return self.filter(models.Q(subject__name__icontains=text)
                           | models.Q(subject__identifier=text.upper()))


class StepQuerySet(models.QuerySet):
    """Steps of a case: visible with their case; measure tasks and talks add their audiences."""

    def visible_to(self, user: Any) -> "StepQuerySet":
        from casework.models.cases import Case

        if reads_all(user):
            return self.all()
        return self.filter(case__in=Case.objects.visible_to(user))


class MeasureTaskQuerySet(StepQuerySet):
    def visible_to(self, user: Any) -> "StepQuerySet":
        """A joint department sees the tasks pushed to it; the subject none (internal feedback)."""
        role = getattr(user, "role", None)
        if role == Role.JOINT and user.department_id:
            return self.filter(department_id=user.department_id)
        if role == Role.SUBJECT:
            return self.none()
        return super().visible_to(user)


class TalkQuerySet(StepQuerySet):
    def visible_to(self, user: Any) -> "StepQuerySet":
        """发改委 sees the talks it co-organises (会同); everyone else as for any step."""
        if getattr(user, "role", None) == Role.NDRC and user.department_id:
            return self.filter(co_organiser_id=user.department_id)
        return super().visible_to(user)


class EvidenceQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> "EvidenceQuerySet":
        """Evidence of the visible cases; a joint department only that of its own measure tasks."""
        from casework.models.cases import Case
        from casework.models.processes import MeasureTask

        if getattr(user, "role", None) == Role.JOINT and user.department_id:
            tasks = MeasureTask.objects.filter(department_id=user.department_id).values("pk")
            return self.filter(attached_type__model="measuretask", attached_id__in=tasks)
        if reads_all(user):
            return self.all()
        return self.filter(case__in=Case.objects.visible_to(user))
