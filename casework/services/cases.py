"""Opening a case and starting its steps: each a guarded, audited create_step."""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Model, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework import audit
from casework.choices import DepartmentKind
from casework.exceptions import PayloadInvalid
from casework.models import (
    Case,
    CaseNumberCounter,
    Department,
    Evidence,
    LegalBasis,
    Measure,
    Objection,
    Rectification,
    RepairApplication,
    Subject,
    Talk,
)
from casework.services.engine import create_step
from casework.text import clean_file_name
from workflows.case import CaseState, ExitReason, has_legal_basis, list_class_allowed
from workflows.guards import Rule, RuleRefused
from workflows.objection import ObjectionKind, ObjectionState
from workflows.repair import RepairState
from workflows.rules import OWNER_REVIEWER, OWNER_STAFF, case_subject, staff_role
from workflows.talk import TalkKind, talk_kind_for

case_listed = Rule(
    "case_not_listed",
    _("This step is possible only while the case is listed."),
    lambda obj, actor: obj.owning_case().state == CaseState.LISTED,
)
determining_department = Rule(
    "not_determining_department",
    _("Only an active determining department may open a case."),
    lambda department, actor: department is not None
    and department.active
    and department.kind == DepartmentKind.DETERMINING,
)
determined_here = Rule(
    "determined_elsewhere",
    _("This record was determined by another authority: objections, rectification, talks and "
      "repair go to that authority; this city only carries out the measures."),
    lambda case, actor: case.owning_case().is_determined_here(),
)
no_open_repair = Rule(
    "repair_already_open",
    _("A repair application on this case is already open."),
    lambda case, actor: not case.repairapplications.filter(
        state__in=RepairState.open_states()
    ).exists(),
)
minimum_period_served_at_filing = Rule(
    "minimum_publication_not_served",
    _("Repair needs the minimum publication period to have been served."),
    lambda case, actor: case.minimum_publication_served(timezone.localdate()),
    refusal=lambda case, actor: _(
        "The minimum publication period has not been served: you may apply for repair from "
        "%(date)s."
    ) % {"date": case.publication_min_until},
)
repair_not_barred = Rule(
    "repair_barred",
    _("A repair of this record was revoked for false material: new applications are refused "
      "for the period of the rule (撤销修复)."),
    lambda case, actor: case.repair_barred_until(timezone.localdate()) is None,
    refusal=lambda case, actor: _(
        "A repair of this record was revoked for false material (撤销修复): new "
        "applications are refused until %(date)s inclusive."
    ) % {"date": case.repair_barred_until(timezone.localdate())},
)
commitment_given = Rule(
    "commitment_letter_required",
    _("A repair application needs the public credit commitment letter (信用承诺书)."),
    lambda data, actor: bool(data.get("commitment_letter")),
)


def require(rules: Iterable[Rule], obj: Any, actor: Any) -> None:
    for rule in rules:
        if not rule(obj, actor):
            raise RuleRefused.of(rule, obj, actor)


def open_case(
    actor: Any,
    *,
    subject: Subject,
    list_type: str,
    dishonesty_class: str,
    legal_bases: Iterable[LegalBasis],
    facts: str,
    measures: Iterable[Measure] = (),
    recorded: "RecordedDetermination | None" = None,
) -> Case:
    """A draft case owned by the actor's department (谁认定), drafted by the actor.

    ``recorded`` describes a determination already made (an imported case or an external
    list entry); the case is then listed with ``advance(case, "record_determination")``.
    """
    require([staff_role], None, actor)
    require([determining_department], actor.department, actor)
    bases = list(legal_bases)
    if not bases:
        raise RuleRefused("legal_basis_required", _("A case must cite at least one legal basis."))
    with transaction.atomic():
        case = Case(
            number=next_case_number(actor.department), subject=subject,
            owner_department=actor.department, list_type=list_type,
            dishonesty_class=dishonesty_class, facts=facts, drafter=actor,
            **(recorded.case_fields() if recorded else {}),
        )
        require([list_class_allowed], case, actor)
        case.full_clean(exclude=["state", "legal_bases", "measures"])
        chosen = list(measures)
        refuse_misfits(chosen, list_type, bases)
        case.save()
        case.legal_bases.set(bases)
        if not has_legal_basis(case):  # refused now, not only at notify: it could never go on
            raise RuleRefused.of(has_legal_basis)
        case.measures.set(chosen)
        payload: dict[str, Any] = {"legal_bases": [basis.pk for basis in bases]}
        if recorded:
            payload["recorded"] = recorded.as_payload()
        create_step(case, actor, payload)
    return case


def refuse_misfits(measures: Iterable[Measure], list_type: str, bases: Iterable[LegalBasis]) -> None:
    """Each measure chosen for a new case must fit it (Measure.misfit); misfits are named."""
    basis_ids = {basis.pk for basis in bases}
    misfits = [reason for measure in measures if (reason := measure.misfit(list_type, basis_ids))]
    if misfits:
        raise PayloadInvalid({"measures": misfits})


@dataclass(frozen=True)
class RecordedDetermination:
    """A determination made before the case reached this system, or by another authority."""

    origin: str
    decided_on: date
    document_number: str = ""
    determining_authority: str = ""
    source: str = ""  # where the record came from, for the audit trail (file, line)

    def case_fields(self) -> dict[str, Any]:
        return {"origin": self.origin, "decided_on": self.decided_on,
                "document_number": self.document_number,
                "determining_authority": self.determining_authority}

    def as_payload(self) -> dict[str, str]:
        return {**self.case_fields(), "decided_on": self.decided_on.isoformat(),
                "source": self.source}


def next_case_number(department: Department) -> str:
    year = timezone.localdate().year
    with transaction.atomic():
        counter, _created = CaseNumberCounter.objects.select_for_update().get_or_create(
            department=department, year=year
        )
        counter.last += 1
        counter.save(update_fields=["last"])
    return f"{department.code}-{year}-{counter.last:05d}"


def file_objection(case: Case, actor: Any, grounds: str,
                   kind: str = ObjectionKind.DETERMINATION) -> Objection:
    """The subject objects to the determination, the publication period, a repair result, or
    reports that the underlying penalty was changed or revoked (the record is then withdrawn);
    after the exit, within the window of its policy row, that it was wrongly listed."""
    if not grounds.strip():
        raise RuleRefused("grounds_required", _("An objection must state its grounds."))
    objection = Objection(case=case, filed_by=actor, grounds=grounds.strip(), kind=kind)
    rules = [case_subject, case_listed, determined_here]
    if kind == ObjectionKind.REPAIR_RESULT:
        rules.append(repair_decided)
    if kind == ObjectionKind.WRONGFUL_LISTING:
        rules = [case_subject, case_exited, determined_here, not_wrongly_listed,
                 wrong_listing_window_open, no_open_wrong_listing_objection]
    create_step(objection, actor, {"grounds": objection.grounds, "kind": str(kind)}, rules=rules)
    return objection


@dataclass(frozen=True)
class PenaltyRevocation:
    """The owner department learned that the penalty a record rests on was changed, revoked, or
    confirmed illegal or void (行政复议决定、判决): the decision and the day it was made."""

    revoking_decision: str
    decided_on: date
    note: str = ""


def record_penalty_revocation(case: Case, actor: Any, revocation: PenaltyRevocation) -> Objection:
    """A reviewer of the owner department records a revoked penalty it learned of itself: the
    same step as the subject's ``penalty_revoked`` objection, with the same withdrawal clock
    (《行政处罚法》第四十八条第二款: the record is withdrawn within its policy row's period)."""
    decision = revocation.revoking_decision.strip()
    if not decision:
        raise PayloadInvalid({"revoking_decision": [
            str(_("Name the decision that revoked the penalty."))]})
    if revocation.decided_on > timezone.localdate():
        raise PayloadInvalid({"decided_on": [str(_("The decision cannot be dated in the future."))]})
    grounds = str(_("Recorded by the owner department: %(decision)s of %(date)s. %(note)s") % {
        "decision": decision, "date": revocation.decided_on.isoformat(), "note": revocation.note.strip(),
    }).strip()
    kind = ObjectionKind.PENALTY_REVOKED
    objection = Objection(case=case, filed_by=actor, grounds=grounds, kind=kind,
                          revoking_decision=decision, penalty_decided_on=revocation.decided_on)
    payload = {"kind": kind.value, "revoking_decision": decision, "recorded_by": "department",
               "decided_on": revocation.decided_on.isoformat()}
    create_step(objection, actor, payload, rules=[*OWNER_REVIEWER, case_listed, determined_here])
    return objection


case_exited = Rule(
    "case_not_exited",
    _("An objection that the record was wrongly listed is filed after the case has exited."),
    lambda obj, actor: obj.owning_case().state == CaseState.EXITED,
)
not_wrongly_listed = Rule(
    "already_wrongly_listed",
    _("This record has already been revoked as wrongly listed."),
    lambda obj, actor: obj.owning_case().exit_reason != ExitReason.WRONGLY_LISTED,
)
wrong_listing_window_open = Rule(
    "wrong_listing_window_closed",
    _("The period after the exit within which a wrong listing may be raised has ended."),
    lambda obj, actor: (until := obj.owning_case().wrong_listing_objection_until()) is not None
    and timezone.localdate() <= until,
    refusal=lambda obj, actor: _(
        "An objection that the record was wrongly listed could be filed until %(date)s "
        "inclusive (the period after the exit of its rule)."
    ) % {"date": obj.owning_case().wrong_listing_objection_until()},
)
no_open_wrong_listing_objection = Rule(
    "wrong_listing_objection_open",
    _("An objection that this record was wrongly listed is already being decided."),
    lambda obj, actor: not obj.owning_case().objections.filter(
        kind=ObjectionKind.WRONGFUL_LISTING, state__in=ObjectionState.open_states()).exists(),
)
repair_decided = Rule(
    "no_repair_result",
    _("An objection to a repair result needs a repair application that was denied or rejected."),
    lambda case, actor: case.repairapplications.filter(
        state__in=[RepairState.DENIED, RepairState.REJECTED]).exists(),
)


def order_rectification(
    case: Case, actor: Any, requirements: str, period_working_days: int | None = None
) -> Rectification:
    if not requirements.strip():
        raise RuleRefused("requirements_required", _("A rectification order must say what to rectify."))
    rectification = Rectification(
        case=case, requirements=requirements.strip(), period_working_days=period_working_days
    )
    create_step(rectification, actor, {"period_working_days": period_working_days},
                rules=[*OWNER_STAFF, case_listed, determined_here])
    return rectification


def require_talk(case: Case, actor: Any, kind: str = TalkKind.PROMPT, reason: str = "") -> Talk:
    """谁认定、谁约谈: the organiser is always the case's owner department."""
    require(OWNER_STAFF, case, actor)  # before the organiser is read from the case
    kind = talk_kind_for(case.list_type, kind)
    talk = Talk(case=case, kind=kind, organiser=case.owner_department, reason=reason)
    create_step(talk, actor, {"kind": kind, "reason": reason},
                rules=[*OWNER_STAFF, case_listed, determined_here])
    return talk


def apply_repair(case: Case, actor: Any, data: dict[str, Any]) -> RepairApplication:
    """File a repair application; one filed before the minimum period ends is refused at
    filing, naming the day it ends (国办发〔2025〕22号), and nothing is written. So is one filed
    while a bar after a revoked repair runs (撤销修复, policy step ``repair_bar``), naming the
    last day of the bar."""
    require([commitment_given], data, actor)
    repair = RepairApplication(
        case=case, applicant=actor, commitment_letter=True,
        rectification_proof=str(data.get("rectification_proof", "")),
        training_certificate=bool(data.get("training_certificate", False)),
        statement=str(data.get("statement", "")),
    )
    create_step(repair, actor, {"training_certificate": repair.training_certificate},
                rules=[case_subject, case_listed, determined_here, repair_not_barred,
                       minimum_period_served_at_filing, no_open_repair])
    return repair


def attach_evidence(
    case: Case, actor: Any, upload: UploadedFile, attached_to: Model | None = None
) -> Evidence:
    return store_evidence(case, actor, upload, attached_to)[0]


def store_evidence(
    case: Case, actor: Any, upload: UploadedFile, attached_to: Model | None = None
) -> tuple[Evidence, bool]:
    """Store a file after checking its size, type, the case and the subject's quota.

    Its SHA-256 is recorded and audited. The same bytes already attached to the same
    record are not stored again: the existing evidence is returned (``created`` False).
    """
    if not is_open_objection_after_exit(attached_to):
        require([case_open_for_evidence], case, actor)
    if not (upload.size and 0 < upload.size <= settings.EVIDENCE_MAX_BYTES):
        raise RuleRefused("evidence_size", _("The file is empty or larger than the limit."))
    if upload.content_type not in settings.EVIDENCE_CONTENT_TYPES:
        raise RuleRefused("evidence_type", _("This type of file is not accepted as evidence."))
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    evidence = Evidence(
        case=case, file=upload, original_name=clean_file_name(upload.name or ""),
        content_type=upload.content_type, size=upload.size, sha256=digest.hexdigest(),
        uploaded_by=actor, attached_to=attached_to,
    )
    with transaction.atomic():
        # The subject row serialises uploads to its cases, so the quota cannot be raced past.
        Subject.objects.select_for_update().filter(pk=case.subject_id).first()
        same = Evidence.objects.filter(case=case, sha256=evidence.sha256).order_by("pk")
        duplicate = same.filter(attached_type=evidence.attached_type,
                                attached_id=evidence.attached_id).first()
        if duplicate is not None:
            return duplicate, False
        stored = same.first()
        if stored is not None:
            evidence.file = stored.file.name  # the bytes are on disk already: point at them
        else:
            require_quota(case, upload.size)
        evidence.save()
        audit.append(obj=evidence, action="evidence_attached", actor=actor, case=case,
                     payload={"sha256": evidence.sha256, "size": evidence.size,
                              "content_type": evidence.content_type})
    return evidence, True


def is_open_objection_after_exit(step: Model | None) -> bool:
    """An open objection after exit (a wrong listing, 鞍政办发〔2020〕18号 第十四项) takes its evidence
    although its case has exited: the objection is decided on it."""
    return (isinstance(step, Objection) and step.kind == ObjectionKind.WRONGFUL_LISTING
            and step.state in ObjectionState.open_states())


case_open_for_evidence = Rule(
    "case_closed",
    _("The case is closed: no evidence can be attached any more."),
    lambda case, actor: case.state not in CaseState.terminal_states(),
)


def require_quota(case: Case, size: int) -> None:
    used = Evidence.objects.filter(case__subject_id=case.subject_id).aggregate(total=Sum("size"))["total"]
    if (used or 0) + size > settings.EVIDENCE_QUOTA_BYTES_PER_SUBJECT:
        raise RuleRefused("evidence_quota",
                          _("The evidence of this subject's cases would exceed its quota of %(limit)s bytes.")
                          % {"limit": settings.EVIDENCE_QUOTA_BYTES_PER_SUBJECT})
