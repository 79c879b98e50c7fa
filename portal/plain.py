"""What a subject reads on its portal: its case's stage in plain words, and what it must do by when."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.models import Case
from casework.visibility import for_viewer
from workflows.calendar import is_working_day
from workflows.case import CaseState, ExitReason
from workflows.choices import DeadlineState, Party, PauseReason
from workflows.models import Deadline


def stage(case: Case, today: date) -> str:
    """The case's stage as the subject would say it."""
    if case.state == CaseState.NOTIFIED:
        if case.statement_due_on is None and not case.statement_waived:
            return str(_("You have been told of a proposed listing: open the notice to receive it"))
        if case.statement_window_running(today):
            return str(_("You may make a statement and defence now"))
        return str(_("The department is deciding on the listing"))
    if case.state == CaseState.LISTED:
        if case.has_open_objection():
            return str(_("Listed and published; your objection is being processed"))
        return str(_("Listed and published"))
    if case.state == CaseState.EXITED:
        return str({ExitReason.REPAIRED: _("Removed from the list: credit repaired"),
                    ExitReason.EXPIRED: _("Removed from the list: publication period ended"),
                    ExitReason.REVOKED: _("The determination was revoked")}.get(
            case.exit_reason, ExitReason(case.exit_reason).label if case.exit_reason else ""))
    return str(_("Withdrawn: the department dropped the case"))


@dataclass(frozen=True)
class ToDo:
    """One thing the subject must do, by when, and the rule that sets the date."""

    what: str
    due_on: date | None
    working_days_left: int | None
    rule: str
    waiting_for_service: bool


def working_days_left(today: date, due_on: date, jurisdiction: str) -> int:
    """Working days from tomorrow to the due day, counted; 0 on the day itself, negative when past."""
    day, count = today, 0
    step = 1 if due_on >= today else -1
    while day != due_on:
        day = date.fromordinal(day.toordinal() + step)
        if is_working_day(day, jurisdiction):
            count += step
    return count


def to_dos(case: Case, user: Any, today: date | None = None) -> list[ToDo]:
    """The subject's open clocks on this case (its own moves), soonest first."""
    today = today or timezone.localdate()
    clocks = for_viewer(Deadline.objects.filter(case=case, party=Party.SUBJECT), user).open() \
        .select_related("policy").order_by("due_on", "pk")
    jurisdiction = getattr(case.owner_department, "jurisdiction", "") or ""
    items = []
    for clock in clocks:
        waiting = clock.state == DeadlineState.PAUSED and clock.pause_reason == PauseReason.AWAITING_SERVICE
        items.append(ToDo(
            what=str(clock.get_step_display()),
            due_on=None if waiting else clock.due_on,
            working_days_left=None if waiting else working_days_left(today, clock.due_on, jurisdiction),
            rule=clock.policy.source, waiting_for_service=waiting,
        ))
    return items
