"""The working-day calendar: only the exceptional days are rows (see docs/calendar.md).

An ordinary Monday to Friday is a working day and a Saturday or Sunday a rest day unless a
``CalendarDay`` row says otherwise. A ``CalendarYear`` row means the arrangement of that year
is known; deadlines that run over a year without one are provisional.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

NAME_MAX_LENGTH = 100
SOURCE_MAX_LENGTH = 200


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Holiday (rest day)")
    MAKEUP_WORKDAY = "makeup_workday", _("Make-up working day (调休)")


class CalendarDay(models.Model):
    """A day that differs from the Monday-to-Friday rule, nationally or in one jurisdiction."""

    date = models.DateField(_("date"))
    jurisdiction = models.CharField(
        _("jurisdiction"), max_length=32, blank=True, default="",
        help_text=_("Blank for the national arrangement; a code for a local extra day."),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=DayKind.choices)
    name = models.CharField(_("name"), max_length=NAME_MAX_LENGTH, blank=True, default="")
    source = models.CharField(_("source"), max_length=SOURCE_MAX_LENGTH)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date", "jurisdiction"]
        constraints = [
            # Jurisdiction first: the index also serves the calendar's only query,
            # "the days of one jurisdiction within one year" (workflows.calendar._load_days).
            models.UniqueConstraint(fields=["jurisdiction", "date"], name="calendarday_one_per_date"),
            models.CheckConstraint(name="calendarday_kind_valid", condition=Q(kind__in=DayKind.values)),
        ]

    def __str__(self) -> str:
        where = self.jurisdiction or _("national")
        return f"{self.date.isoformat()} {self.get_kind_display()} {self.name} ({where})"


class CalendarYear(models.Model):
    """The arrangement of ``year`` for ``jurisdiction`` is entered (blank = national)."""

    year = models.PositiveSmallIntegerField(_("year"))
    jurisdiction = models.CharField(_("jurisdiction"), max_length=32, blank=True, default="")
    source = models.CharField(_("source"), max_length=SOURCE_MAX_LENGTH)
    entered_at = models.DateTimeField(_("entered at"), default=timezone.now)

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["year", "jurisdiction"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "year"], name="calendaryear_one_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.year} ({self.jurisdiction or _('national')})"

