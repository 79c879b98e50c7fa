"""The one summary table of the oversight pages: the finished weeks of the 12-week trend."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TrendWeek(models.Model):
    """A finished week of the trend, computed once, the first time a dashboard shows it.

    A finished week's figures do not move: a clock counted as overdue at the week's end
    stays so when it closes later, and clocks opened later were not there. Only a due date
    recomputed afterwards (an extension, a resumed pause) could have changed it; the row
    keeps the figure as it was computed, at ``computed_at`` (the page shows it). The
    current week is always read live.
    """

    starts = models.DateTimeField(_("week starts"), unique=True)
    overdue_at_end = models.PositiveIntegerField(_("overdue at the end of the week"))
    breaches = models.PositiveIntegerField(_("breaches"))
    leadership = models.PositiveIntegerField(_("督办 fired"))
    computed_at = models.DateTimeField(_("computed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("trend week")
        verbose_name_plural = _("trend weeks")
        ordering = ["starts"]

    def __str__(self) -> str:
        return f"{self.starts:%Y-%m-%d}: {self.overdue_at_end}"
