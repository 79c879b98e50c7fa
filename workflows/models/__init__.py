from workflows.models.calendar import CalendarDay, CalendarYear, DayKind
from workflows.models.sla import Deadline, DeadlineEvent, Escalation, Policy, RuleSetBoundary

__all__ = [
    "CalendarDay", "CalendarYear", "DayKind", "Deadline", "DeadlineEvent", "Escalation", "Policy",
    "RuleSetBoundary",
]
