"""Kinds of official documents and the structured reasons of a refusal."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentKind(models.TextChoices):
    CREDIT_NOTICE = "credit_notice", _("Credit information notice (信用信息告知书)")
    DETERMINATION = "determination", _("Dishonesty determination decision (失信认定决定书)")
    REPAIR_NOTICE = "repair_notice", _("Credit repair notice (信用修复告知书)")
    RECTIFICATION_NOTICE = "rectification_notice", _("Rectification order (限期整改通知书)")
    TALK_NOTICE = "talk_notice", _("Talk notice (约谈通知书)")
    TALK_RECORD = "talk_record", _("Talk record (约谈记录)")
    OBJECTION_DECISION = "objection_decision", _("Objection decision (异议处理决定书)")
    REPAIR_DECISION = "repair_decision", _("Credit repair decision (信用修复决定书)")
    REPAIR_REFUSAL = "repair_refusal", _("Decision not to accept or not to repair (不予受理/不予修复决定书)")
    REPAIR_REVOCATION = "repair_revocation", _("Decision revoking a credit repair (撤销信用修复决定书)")
    # The leadership office's monthly circular: about no case, addressed to no subject, never served.
    CIRCULAR = "circular", _("Monthly circular on deadlines and department assessment (通报)")


# Kinds about no case: no case, service act or target; one per period (Document's constraints).
CASELESS_KINDS = (DocumentKind.CIRCULAR,)


# The mark of each kind in its number: 〔year〕 mark N 号, per department and year.
NUMBER_MARKS: dict[str, str] = {
    DocumentKind.CREDIT_NOTICE: "信告",
    DocumentKind.DETERMINATION: "信决",
    DocumentKind.REPAIR_NOTICE: "修告",
    DocumentKind.RECTIFICATION_NOTICE: "整改",
    DocumentKind.TALK_NOTICE: "约通",
    DocumentKind.TALK_RECORD: "约记",
    DocumentKind.OBJECTION_DECISION: "异决",
    DocumentKind.REPAIR_DECISION: "修决",
    DocumentKind.REPAIR_REFUSAL: "修不",
    DocumentKind.REPAIR_REVOCATION: "修撤",
    DocumentKind.CIRCULAR: "通报",
}


class RefusalReason(models.TextChoices):
    """Why a repair application is not accepted or not granted (国办发〔2025〕22号)."""

    MINIMUM_PERIOD_NOT_SERVED = "minimum_period_not_served", _(
        "The minimum publication period has not been served"
    )
    OBLIGATIONS_NOT_PERFORMED = "obligations_not_performed", _(
        "The obligations have not been performed or the rectification has not been accepted"
    )
    OBJECTION_OPEN = "objection_open", _("An objection on the record is being processed")
    MATERIALS_INCOMPLETE = "materials_incomplete", _(
        "The application materials are incomplete (commitment letter, proof, training certificate)"
    )
    MATERIALS_UNTRUE = "materials_untrue", _("The application materials are untrue")
    NOT_REPAIRABLE = "not_repairable", _("A law, regulation or central policy excludes repair")
    OTHER = "other", _("Other reason (stated below)")
