"""Talk machine (约谈, plan item 10: 谁认定、谁约谈).

required → scheduled → held, or missed. A missed prompt talk → (escalate) required
as a warning talk; a missed warning talk → (record_refusal) refused: the subject's
refusal is recorded, enters its credit record and is reported to the leadership
office — no endless loop of talks, and no sanction the rules do not give.
The organiser is always the case's owner department; 市发展改革委 co-organises
every talk (会同, 鞍政办发〔2020〕18号 item 10: required when the talk is scheduled) and
confirms its attendance (``confirm_attendance``, only that department).
A subject on the serious-dishonesty list is always called to a warning talk
(警示约谈), never a prompt talk; a prompt talk held without result (``outcome``
fruitless) calls the subject to a warning talk (the effect opens it).
"""

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from workflows.guards import Rule, all_of
from workflows.payloads import SHORT_TEXT_MAX, NoInput, choice, payload, required, text
from workflows.rules import OWNER_STAFF


class TalkState(models.TextChoices):
    REQUIRED = "required", _("Required")
    SCHEDULED = "scheduled", _("Scheduled")
    HELD = "held", _("Held")
    MISSED = "missed", _("Missed")
    REFUSED = "refused", _("Refused (warning talk not attended)")

    @classmethod
    def open_states(cls) -> tuple[str, ...]:
        return (cls.REQUIRED, cls.SCHEDULED, cls.MISSED)

    @classmethod
    def terminal_states(cls) -> tuple[str, ...]:
        return (cls.HELD, cls.REFUSED)


class TalkKind(models.TextChoices):
    PROMPT = "prompt", _("Prompt talk (提示约谈)")
    WARNING = "warning", _("Warning talk (警示约谈)")


class TalkOutcome(models.TextChoices):
    """What a held talk achieved: a fruitless prompt talk leads to a warning talk."""

    EFFECTIVE = "effective", _("Effective (the subject undertook to rectify)")
    FRUITLESS = "fruitless", _("Fruitless (no undertaking or no result)")


def talk_kind_for(list_type: str, requested: str) -> str:
    """The kind of talk a case's subject is called to: a serious-list subject gets a
    warning talk (警示约谈) whatever was asked for (鞍政办发〔2020〕18号 item 10)."""
    from workflows.case import ListType

    return TalkKind.WARNING if list_type == ListType.SERIOUS else requested


talk_time_passed = Rule(
    "talk_not_yet_due",
    _("A talk can be recorded as held or missed only after its scheduled time."),
    lambda talk: talk.scheduled_for is not None and timezone.now() >= talk.scheduled_for,
)

prompt_talk = Rule(
    "warning_talk_missed",
    _("A missed warning talk is not called again: record the subject's refusal."),
    lambda talk: talk.kind == TalkKind.PROMPT,
)
warning_talk = Rule(
    "prompt_talk_missed",
    _("A missed prompt talk is escalated to a warning talk, not recorded as a refusal."),
    lambda talk: talk.kind == TalkKind.WARNING,
)
co_organiser_department = Rule(
    "not_co_organiser",
    _("Only the talk's co-organiser (市发展改革委) may confirm its attendance."),
    lambda talk, actor: talk.co_organiser_id is not None
    and actor.department_id == talk.co_organiser_id
    and bool(getattr(actor, "department_active", True)),
)

owner_staff = all_of(*OWNER_STAFF)


@payload
class Scheduling:
    scheduled_for: datetime = required(_("Date and time of the talk"))
    place: str = text(_("Place"), required=False, max_length=SHORT_TEXT_MAX)
    # 会同 (鞍政办发〔2020〕18号 item 10): 市发展改革委 co-organises every talk; a talk
    # scheduled without it is refused.
    co_organiser: str = text(_("Co-organiser (code of 市发展改革委)"), max_length=40)


@payload
class Absence:
    note: str = text(_("What happened (e.g. the subject did not appear)"), required=False)


@payload
class TalkRecord:
    record: str = text(_("Record of the talk"))
    outcome: TalkOutcome = choice(_("Outcome of the talk"), default=TalkOutcome.EFFECTIVE)


@payload
class Attendance:
    """会同: 市发展改革委 confirms it attends the talk, naming who attends for it."""

    attendee: str = text(_("Who attends for 市发展改革委"), max_length=SHORT_TEXT_MAX)


@payload
class Refusal:
    note: str = text(_("How the subject was called and did not appear (拒不参加约谈)"))


class TalkMachine(FSMModelMixin, models.Model):
    # The contract with the concrete model (casework.models): columns and methods the
    # transitions below read or write, declared there. Annotations only, no fields.
    kind: str
    scheduled_for: datetime | None
    held_at: datetime | None
    missed_at: datetime | None
    outcome: str
    co_organiser_confirmed_at: datetime | None
    co_organiser_attendee: str
    refused_at: datetime | None
    refusal_note: str
    if TYPE_CHECKING:
        def apply_schedule(self, data: Scheduling) -> None: ...

    state = FSMField(
        _("state"), default=TalkState.REQUIRED, choices=TalkState.choices, protected=True
    )

    class Meta:
        abstract = True

    @transition(
        field=state, source=TalkState.REQUIRED, target=TalkState.SCHEDULED,
        permission=owner_staff, custom={"payload": Scheduling},
    )
    def schedule(self, actor: Any, data: Scheduling) -> None:
        self.apply_schedule(data)

    @transition(
        field=state, source=TalkState.SCHEDULED, target=TalkState.HELD,
        conditions=[talk_time_passed], permission=owner_staff, custom={"payload": TalkRecord},
    )
    def hold(self, actor: Any, data: TalkRecord) -> None:
        self.record = data.record
        self.outcome = data.outcome
        self.held_at = timezone.now()

    @transition(
        field=state, source=TalkState.SCHEDULED, target=TalkState.SCHEDULED,
        permission=all_of(co_organiser_department), custom={"payload": Attendance},
    )
    def confirm_attendance(self, actor: Any, data: Attendance) -> None:
        """会同: the co-organiser confirms its attendance (its own step, audited)."""
        self.co_organiser_confirmed_at = timezone.now()
        self.co_organiser_attendee = data.attendee.strip()

    @transition(
        field=state, source=TalkState.SCHEDULED, target=TalkState.MISSED,
        conditions=[talk_time_passed], permission=owner_staff, custom={"payload": Absence},
    )
    def miss(self, actor: Any, data: Absence) -> None:
        self.missed_at = timezone.now()

    @transition(
        field=state, source=TalkState.MISSED, target=TalkState.REQUIRED,
        conditions=[prompt_talk], permission=owner_staff, custom={"payload": NoInput},
    )
    def escalate(self, actor: Any, data: NoInput) -> None:
        """A missed prompt talk becomes a warning talk."""
        self.kind = TalkKind.WARNING
        self.scheduled_for = None
        self.co_organiser_confirmed_at = None
        self.co_organiser_attendee = ""

    @transition(
        field=state, source=TalkState.MISSED, target=TalkState.REFUSED,
        conditions=[warning_talk], permission=owner_staff, custom={"payload": Refusal},
    )
    def record_refusal(self, actor: Any, data: Refusal) -> None:
        """A missed warning talk: the subject's refusal is recorded (it enters the credit record
        and the leadership office is told); the talk ends here."""
        self.refused_at = timezone.now()
        self.refusal_note = data.note
