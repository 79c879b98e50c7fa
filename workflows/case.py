"""Case machine: draft → notified → listed → exited (or withdrawn); exited → listed again
when the repair it exited by is revoked (撤销修复, ``relist``); an exited case found on an
objection after its exit to have been wrongly listed is revoked as such
(``revoke_as_wrongly_listed``: exited → exited, exit reason ``wrongly_listed``).

The concrete model (casework.models.Case) supplies the facts the guards read:
``has_active_legal_basis()``, ``statement_window_ended(today)``,
``has_approved_repair()``, ``publication_max_passed(today)``, ``owning_case()``.
"""

import operator
from datetime import date, datetime
from functools import reduce
from typing import TYPE_CHECKING, Any, ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from workflows.choices import ExitCondition
from workflows.guards import Rule, RuleRefused, all_of, any_of, today
from workflows.payloads import NoInput, choice, optional, payload, text
from workflows.rules import OWNER_REVIEWER, OWNER_STAFF, case_subject, system_actor
from workflows.statement import statements_answered


class CaseState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    NOTIFIED = "notified", _("Notified (statement and defence)")
    LISTED = "listed", _("Listed")
    EXITED = "exited", _("Exited")
    WITHDRAWN = "withdrawn", _("Withdrawn")

    @classmethod
    def open_states(cls) -> tuple[str, ...]:
        return (cls.DRAFT, cls.NOTIFIED, cls.LISTED)

    @classmethod
    def terminal_states(cls) -> tuple[str, ...]:
        return (cls.EXITED, cls.WITHDRAWN)


class ListType(models.TextChoices):
    SERIOUS = "serious", _("Serious dishonesty list (严重失信主体名单)")
    FOCUS = "focus", _("Key attention list (重点关注对象名单)")


class DishonestyClass(models.TextChoices):
    MINOR = "minor", _("Minor (轻微)")
    GENERAL = "general", _("General (一般)")
    SERIOUS = "serious", _("Serious (严重)")


# The classes each list may carry. 国办发〔2020〕49号 第（四）项 and 国办发〔2025〕22号 第二项: the
# 严重失信主体名单 holds only 严重 dishonesty; 轻微 and 一般 dishonesty is recorded on the
# 重点关注对象名单, which never carries 严重. The case table enforces the same pairs
# (check constraint case_list_class_allowed).
LIST_CLASSES: dict[str, tuple[str, ...]] = {
    ListType.SERIOUS: (DishonestyClass.SERIOUS,),
    ListType.FOCUS: (DishonestyClass.MINOR, DishonestyClass.GENERAL),
}


def list_class_allowed_q() -> models.Q:
    """The allowed (list type, class) pairs as a condition (the case's check constraint)."""
    pairs = [models.Q(list_type=list_type, dishonesty_class__in=classes)
             for list_type, classes in LIST_CLASSES.items()]
    return reduce(operator.or_, pairs)


list_class_allowed = Rule(
    "list_class_mismatch",
    _("This list type cannot carry this dishonesty class: the serious dishonesty list holds only "
      "serious dishonesty, the key attention list only minor or general dishonesty."),
    lambda case, *actor: case.dishonesty_class in LIST_CLASSES.get(case.list_type, ()),
)


class ExitReason(models.TextChoices):
    REPAIRED = "repaired", _("Credit repaired")
    EXPIRED = "expired", _("Publication period expired")
    REVOKED = "revoked", _("Determination revoked")
    # An objection partly upheld: the information stands, the dishonesty label does not.
    LABEL_CLEARED = "label_cleared", _("Label cleared on objection (information maintained)")
    # An objection after exit upheld: the listing was wrong (鞍政办发〔2020〕18号 第十四项).
    WRONGLY_LISTED = "wrongly_listed", _("Revoked as wrongly listed (错误认定，已撤销)")


has_legal_basis = Rule(
    "legal_basis_required",
    _("No determination without at least one active legal basis that allows this list type."),
    lambda case: case.has_active_legal_basis(),
)
statement_window_ended = Rule(
    "statement_window_open",
    _("The statement and defence window has not ended and the subject has not waived it."),
    lambda case: case.statement_window_ended(today()),
)
exit_repaired = Rule(
    "repair_not_approved",
    _("Exit as repaired needs an approved repair application."),
    lambda case: case.has_approved_repair(),
)
exit_expired = Rule(
    "publication_not_expired",
    _("Exit as expired needs the maximum publication period to have passed."),
    lambda case: case.publication_max_passed(today()),
)
revocation_grounds = Rule(
    "revocation_grounds_required",
    _("A revocation must state its grounds."),
    lambda case: bool(getattr(case, "pending_exit_grounds", "")),
)

repair_revoked = Rule(
    "repair_not_revoked",
    _("Listing again needs the repair the case exited by to have been revoked."),
    lambda case: case.exited_by_repair() and case.has_revoked_repair() and not case.has_approved_repair(),
)

decision_recorded = Rule(
    "decision_date_required",
    _("Recording a determination made elsewhere needs its decision date."),
    lambda case: case.decided_on is not None and case.decided_on <= today(),
)

EXIT_RULES = {
    ExitReason.REPAIRED: exit_repaired,
    ExitReason.EXPIRED: exit_expired,
    ExitReason.REVOKED: revocation_grounds,
    ExitReason.LABEL_CLEARED: revocation_grounds,
}
not_yet_wrongly_listed = Rule(
    "already_wrongly_listed",
    _("This record has already been revoked as wrongly listed."),
    lambda case: case.exit_reason != ExitReason.WRONGLY_LISTED,
)
still_published = Rule(
    "publication_already_stopped",
    _("The publication of this record has already stopped."),
    lambda case: bool(case.published),
)

# What the exit condition of the maximum publication row (Policy.exit_condition, with its source)
# asks of the case before it exits as expired. The sweep holds the exit while it fails
# (casework.services.expiry); an exit as expired by hand is refused with the same rule.
EXIT_CONDITIONS: dict[str, Rule] = {
    ExitCondition.RECTIFICATION_DONE: Rule(
        "exit_rectification_open",
        _("The case does not exit as expired while an ordered rectification is open or overdue: "
          "the rule of its maximum publication period asks for every ordered rectification to "
          "be accepted first."),
        lambda case: case.rectification_done(),
    ),
}


def failing_exit_condition(case: Any, condition: str) -> Rule | None:
    """The rule of ``condition`` when ``case`` does not meet it; None when it does (or none applies)."""
    rule = EXIT_CONDITIONS.get(condition)
    return rule if rule is not None and not rule(case) else None


@payload
class Correction:
    """What an upheld objection or a correction changes; a field left out stays as it is.

    The list type is not among them: which list a record goes on is the determination itself,
    so a record on the wrong list is revoked and determined again (``REFUSED_FIELDS``).
    """

    facts: str = text(_("Corrected facts"), required=False)
    dishonesty_class: DishonestyClass | None = optional(_("Corrected dishonesty class"))
    listed_until: date | None = optional(_("Corrected end of listing"))

    # Fields a client may try to correct that no correction changes, each with why (the API
    # answers with this text instead of "Unknown field.").
    REFUSED_FIELDS: ClassVar[dict[str, Any]] = {
        "list_type": _(
            "The list type cannot be corrected: which list a record goes on is the determination "
            "itself. Uphold the objection with the outcome “revoke” and make a new determination "
            "on the right list."
        ),
    }


@payload
class Notice:
    channel: str = text(_("How the notice was served (送达方式)"), required=False, max_length=200)


@payload
class Waiver:
    statement: str = text(_("The subject's written waiver"), required=False)


@payload
class Withdrawal:
    reason: str = text(_("Why the case is withdrawn"), required=False)


@payload
class Determination:
    decision: str = text(_("The decision's reasons (认定理由)"), required=False)


@payload
class Relisting:
    grounds: str = text(_("Why the record is listed again (e.g. the repair revoked)"))


@payload
class PublicationStop:
    """Stop publishing a listed record (撤销公示, e.g. after an upheld objection)."""

    grounds: str = text(_("Grounds for stopping the publication"))


@payload
class WrongListing:
    """Revoke an exited record as wrongly listed (an upheld objection after exit)."""

    grounds: str = text(_("Why the listing was wrong (the upheld objection)"))


@payload
class ExitInput:
    reason: ExitReason = choice(_("Exit reason"))
    grounds: str = text(_("Grounds (for a revocation)"), required=False)


owner_staff = all_of(*OWNER_STAFF)
owner_reviewer = all_of(*OWNER_REVIEWER)
reviewer_or_system = any_of(owner_reviewer, all_of(system_actor))


class CaseMachine(FSMModelMixin, models.Model):
    # The contract with the concrete model (casework.models): columns and methods the
    # transitions below read or write, declared there. Annotations only, no fields.
    notified_at: datetime | None
    listed_from: date | None
    exit_reason: str
    closed_at: datetime | None
    wrongly_listed_at: datetime | None
    decided_on: date | None
    if TYPE_CHECKING:
        def is_determined_here(self) -> bool: ...
        def apply_correction(self, correction: Correction) -> None: ...
        def expiry_exit_condition(self) -> str: ...

    state = FSMField(
        _("state"), default=CaseState.DRAFT, choices=CaseState.choices, protected=True
    )

    class Meta:
        abstract = True

    @transition(
        field=state,
        source=CaseState.DRAFT,
        target=CaseState.NOTIFIED,
        conditions=[has_legal_basis],
        permission=owner_staff, custom={"payload": Notice},
    )
    def notify(self, actor: Any, data: Notice) -> None:
        """告知: tell the subject the facts, basis and rights; the defence window opens."""
        self.notified_at = timezone.now()

    @transition(
        field=state,
        source=CaseState.NOTIFIED,
        target=CaseState.NOTIFIED,
        permission=all_of(case_subject), custom={"payload": Waiver},
    )
    def waive_statement(self, actor: Any, data: Waiver) -> None:
        """The subject waives its statement and defence window in writing."""
        self.statement_waived = True

    @transition(
        field=state,
        source=[CaseState.DRAFT, CaseState.NOTIFIED],
        target=CaseState.WITHDRAWN,
        permission=owner_staff, custom={"payload": Withdrawal},
    )
    def withdraw(self, actor: Any, data: Withdrawal) -> None:
        self.closed_at = timezone.now()

    @transition(
        field=state,
        source=CaseState.NOTIFIED,
        target=CaseState.LISTED,
        conditions=[has_legal_basis, statement_window_ended, statements_answered],
        permission=owner_reviewer, custom={"payload": Determination},
    )
    def determine(self, actor: Any, data: Determination) -> None:
        """认定: the decision, served with its 信用修复告知书 (两书同达)."""
        self.determined_by_id = actor.pk
        self.listed_from = timezone.localdate()
        self.published = True

    @transition(
        field=state,
        source=CaseState.DRAFT,
        target=CaseState.LISTED,
        conditions=[has_legal_basis, decision_recorded],
        permission=owner_staff, custom={"payload": NoInput},
    )
    def record_determination(self, actor: Any, data: NoInput) -> None:
        """Record a determination already made, with its 告知 and 决定 served outside this system.

        A department moving onto the system brings its decided cases; the province pushes
        lists determined by other authorities. The listing runs from the decision date.
        Only lists determined here are published by the city.
        """
        self.listed_from = self.decided_on
        self.published = self.is_determined_here()

    @transition(
        field=state,
        source=CaseState.LISTED,
        target=CaseState.LISTED,
        permission=owner_reviewer, custom={"payload": Correction},
    )
    def correct(self, actor: Any, data: Correction) -> None:
        """Correct a listed record (e.g. after an upheld objection); changes are audited."""
        self.apply_correction(data)

    @transition(
        field=state,
        source=CaseState.LISTED,
        target=CaseState.LISTED,
        conditions=[still_published],
        permission=owner_reviewer, custom={"payload": PublicationStop},
    )
    def stop_publication(self, actor: Any, data: PublicationStop) -> None:
        """撤销公示: the record leaves the public pages; the listing and its clocks go on."""
        self.published = False

    @transition(
        field=state,
        source=CaseState.LISTED,
        target=CaseState.EXITED,
        permission=reviewer_or_system, custom={"payload": ExitInput},
    )
    def exit(self, actor: Any, data: ExitInput) -> None:
        self.pending_exit_grounds = data.grounds
        rule = EXIT_RULES[data.reason]
        if not rule(self):
            raise RuleRefused.of(rule)
        if data.reason == ExitReason.EXPIRED:
            failing = failing_exit_condition(self, self.expiry_exit_condition())
            if failing is not None:
                raise RuleRefused.of(failing)
        self.exit_reason = data.reason
        self.published = False
        self.closed_at = timezone.now()

    @transition(
        field=state,
        source=CaseState.EXITED,
        target=CaseState.LISTED,
        conditions=[repair_revoked],
        permission=reviewer_or_system, custom={"payload": Relisting},
    )
    def relist(self, actor: Any, data: Relisting) -> None:
        """撤销修复: the record is listed and published again as it was before the repair; its
        maximum publication period runs on from the listing date (the clock reopens)."""
        self.exit_reason = ""
        self.published = True
        self.closed_at = None

    @transition(
        field=state,
        source=CaseState.EXITED,
        target=CaseState.EXITED,
        conditions=[not_yet_wrongly_listed],
        permission=owner_reviewer, custom={"payload": WrongListing},
    )
    def revoke_as_wrongly_listed(self, actor: Any, data: WrongListing) -> None:
        """消除不良影响 (鞍政办发〔2020〕18号 第十四项): the exited record is revoked as wrongly
        listed; the credit check names the revocation, the public pages no longer show it."""
        self.exit_reason = ExitReason.WRONGLY_LISTED
        self.wrongly_listed_at = timezone.now()
        self.published = False
