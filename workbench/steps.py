"""What a person does for each clock: the hint an inbox row shows next to its step."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from workflows.choices import Step

HINTS: dict[str, Promise] = {
    Step.STATEMENT_WINDOW: _("Wait for the subject's statement, then have a reviewer determine"),
    Step.OBJECTION_ACCEPT: _("Accept the objection or reject it as inadmissible"),
    Step.OBJECTION_DECIDE: _("A reviewer upholds or dismisses the objection, with reasons"),
    Step.OBJECTION_RE_REVIEW_REQUEST: _("The subject may ask once for a re-review of the dismissal"),
    Step.OBJECTION_RE_REVIEW: _("A reviewer who did not dismiss the objection decides the re-review"),
    Step.RECORD_WITHDRAWAL: _("Withdraw the record whose penalty was revoked, and publish the reasons"),
    Step.RECTIFICATION_PERIOD: _("Wait for the subject's rectification evidence"),
    Step.RECTIFICATION_VERIFY: _("Check the rectification evidence: accept or return it"),
    Step.TALK_SCHEDULE: _("Schedule the talk with 市发展改革委 and notify the subject"),
    Step.TALK_NOTICE: _("Give the subject notice of the talk"),
    Step.TALK_RECORD: _("File the talk record (held or missed)"),
    Step.MEASURE_ACKNOWLEDGE: _("Acknowledge the measure"),
    Step.MEASURE_REPORT: _("Report how the measure was carried out"),
    Step.MEASURE_TERMINATE: _("Confirm the measure has ended"),
    Step.REPAIR_DECIDE: _("Accept the repair application or reject it as inadmissible"),
    Step.REPAIR_ANSWER: _("A reviewer approves or denies the repair"),
    Step.PUBLICATION_MIN: _("Minimum publication period: repair may be applied for after it"),
    Step.PUBLICATION_MAX: _("Maximum publication period: the case exits as expired"),
}


def step_hint(step: str) -> Promise | str:
    return HINTS.get(step, "")
