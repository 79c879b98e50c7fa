"""The stages the leadership office tracks, and the clocks (SLA steps) each is made of."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from workflows.choices import ASSESSED_STEPS, TRACKED_STEPS, Step


class Stage(models.TextChoices):
    DETERMINATION = "determination", _("Determination")
    OBJECTION = "objection", _("Objection")
    RECTIFICATION = "rectification", _("Rectification")
    TALK = "talk", _("Talk")
    MEASURE = "measure", _("Measure feedback")
    REPAIR = "repair", _("Repair")


STAGE_STEPS: dict[str, tuple[str, ...]] = {
    Stage.DETERMINATION: (Step.STATEMENT_WINDOW,),
    Stage.OBJECTION: (Step.OBJECTION_ACCEPT, Step.OBJECTION_DECIDE, Step.OBJECTION_RE_REVIEW,
                      Step.RECORD_WITHDRAWAL),
    Stage.RECTIFICATION: (Step.RECTIFICATION_PERIOD, Step.RECTIFICATION_VERIFY),
    Stage.TALK: (Step.TALK_SCHEDULE, Step.TALK_RECORD),
    Stage.MEASURE: (Step.MEASURE_ACKNOWLEDGE, Step.MEASURE_REPORT, Step.MEASURE_TERMINATE),
    Stage.REPAIR: (Step.REPAIR_DECIDE, Step.REPAIR_ANSWER),
}
STAGE_OF: dict[str, str] = {step: stage for stage, steps in STAGE_STEPS.items() for step in steps}
assert set(STAGE_OF) == set(TRACKED_STEPS), "every tracked clock belongs to one stage"
__all__ = ["ASSESSED_STEPS", "STAGE_OF", "STAGE_STEPS", "TRACKED_STEPS", "AgeBucket", "Stage"]
MEASURE_STEPS = STAGE_STEPS[Stage.MEASURE]


class AgeBucket(models.TextChoices):
    """Ageing of an overdue clock in working days past its due date."""

    DAYS_1_2 = "1-2", _("1–2 working days")
    DAYS_3_5 = "3-5", _("3–5 working days")
    DAYS_6_10 = "6-10", _("6–10 working days")
    OVER_10 = "10+", _("over 10 working days")


# Upper bound (working days, inclusive) of each bucket; the last one has none.
AGE_LIMITS: tuple[tuple[str, int | None], ...] = (
    (AgeBucket.DAYS_1_2, 2), (AgeBucket.DAYS_3_5, 5), (AgeBucket.DAYS_6_10, 10), (AgeBucket.OVER_10, None),
)
# 提前预警: an open clock due within this many working days.
SOON_WORKING_DAYS = 3
TREND_WEEKS = 12
