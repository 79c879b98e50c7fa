"""Talk machine (约谈, plan item 10: 谁认定、谁约谈).

required → scheduled → held, or missed → (escalate) required as a warning talk.
The organiser is always the case's owner department; 市发展改革委 co-organises
every talk (会同, 鞍政办发〔2020〕18号 item 10: required when the talk is scheduled).
A subject on the serious-dishonesty list is always called to a warning talk
(警示约谈), never a prompt talk.
"""

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from workflows.guards import Rule, all_of
from workflows.payloads import SHORT_TEXT_MAX, NoInput, payload, required, text
from workflows.rules import OWNER_STAFF


class TalkState(models.TextChoices):
    REQUIRED = "required", _("Required")
    SCHEDULED = "scheduled", _("Scheduled")
    HELD = "held", _("Held")
    MISSED = "missed", _("Missed")

    @classmethod
    def open_states(cls) -> tuple[str, ...]:
        return (cls.REQUIRED, cls.SCHEDULED, cls.MISSED)

    @classmethod
    def terminal_states(cls) -> tuple[str, ...]:
        return (cls.HELD,)


class TalkKind(models.TextChoices):
    PROMPT = "prompt", _("Prompt talk (提示约谈)")
    WARNING = "warning", _("Warning talk (警示约谈)")


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


class TalkMachine(FSMModelMixin, models.Model):
    # The contract with the concrete model (casework.models): columns and methods the
    # transitions below read or write, declared there. Annotations only, no fields.
    kind: str
    scheduled_for: datetime | None
    held_at: datetime | None
    missed_at: datetime | None
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
        self.held_at = timezone.now()

    @transition(
        field=state, source=TalkState.SCHEDULED, target=TalkState.MISSED,
        conditions=[talk_time_passed], permission=owner_staff, custom={"payload": Absence},
    )
    def miss(self, actor: Any, data: Absence) -> None:
        self.missed_at = timezone.now()

    @transition(
        field=state, source=TalkState.MISSED, target=TalkState.REQUIRED,
        permission=owner_staff, custom={"payload": NoInput},
    )
    def escalate(self, actor: Any, data: NoInput) -> None:
        """A missed prompt talk becomes a warning talk."""
        self.kind = TalkKind.WARNING
        self.scheduled_for = None
