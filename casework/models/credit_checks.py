"""The credit-check log (plan item 14: find leaks) and its enumeration alerts.

Every answered credit check writes one ``CreditCheck`` row: who asked (account and its
department), about whom (the subject, when the number is one of ours), when, for what
purpose, and what the answer said. The number asked about is kept only masked and as a
keyed digest: a number that is not one of our subjects is somebody's personal data we
have no reason to store, yet an investigator can still ask "was this number checked,
and by whom?" by computing its digest (``casework.services.credit_checks.digest_of``).
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.choices import Role

# Who reads the whole log (anyone else reads only the checks of its own cases' subjects).
LOG_READ_ALL_ROLES = (Role.LEADERSHIP, Role.ADMIN)
LOG_STAFF_ROLES = (Role.OFFICER, Role.REVIEWER)
PURPOSE_MAX = 200


class IdentifierKind(models.TextChoices):
    USCC = "uscc", _("Unified social credit code")
    CITIZEN_ID = "citizen_id", _("Citizen identity number")


class CreditCheckQuerySet(models.QuerySet["CreditCheck"]):
    def visible_to(self, user: Any) -> "CreditCheckQuerySet":
        """The leadership office and administrators read every check; a determining department's
        staff read the checks of the subjects it has a case on (谁认定: the owner department
        answers for its subjects); nobody else reads the log."""
        role = getattr(user, "role", None)
        if role in LOG_READ_ALL_ROLES or getattr(user, "is_superuser", False):
            return self.all()
        department_id = getattr(user, "department_id", None)
        if role in LOG_STAFF_ROLES and department_id:
            owned = Q(subject__cases__owner_department_id=department_id)
            return self.filter(pk__in=self.filter(owned).values("pk"))
        return self.none()

    def window(self, checked_by: Any, since: Any) -> "CreditCheckQuerySet":
        """One caller's checks since a moment (the enumeration rules' window)."""
        return self.filter(checked_by=checked_by, checked_at__gte=since)


class CreditCheck(models.Model):
    """One answered credit check: written in the request, never changed."""

    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("checked by")
    )
    department = models.ForeignKey(
        "casework.Department", models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("caller's department"),
    )
    subject = models.ForeignKey(
        "casework.Subject", models.PROTECT, null=True, blank=True, related_name="credit_checks",
        verbose_name=_("subject checked"),
        help_text=_("Set when the number checked is one of the register's subjects."),
    )
    identifier_kind = models.CharField(_("kind of number"), max_length=20, choices=IdentifierKind.choices)
    identifier_masked = models.CharField(_("number checked (masked)"), max_length=18)
    identifier_digest = models.CharField(
        _("digest of the number"), max_length=64,
        help_text=_("HMAC-SHA256 of the number with the server's key; the number itself is not stored."),
    )
    purpose = models.CharField(_("purpose"), max_length=PURPOSE_MAX, blank=True)
    listed = models.BooleanField(_("listed at the time"))
    case_numbers = models.JSONField(_("cases in the answer"), default=list, blank=True)
    checked_at = models.DateTimeField(_("checked at"), default=timezone.now)

    objects = CreditCheckQuerySet.as_manager()

    class Meta:
        verbose_name = _("credit check")
        verbose_name_plural = _("credit checks")
        ordering = ["-checked_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="credit_check_kind_valid", condition=Q(identifier_kind__in=IdentifierKind.values)
            ),
        ]
        indexes = [
            # The enumeration rules: one caller's checks in the last window.
            models.Index(fields=["checked_by", "checked_at"], name="credit_check_caller_window"),
            # A subject's checks, newest first (the owner department's view of its subject).
            models.Index(fields=["subject", "checked_at"], name="credit_check_subject"),
            # "Was this number checked?" — an investigator's lookup by digest.
            models.Index(fields=["identifier_digest"], name="credit_check_digest"),
        ]

    def __str__(self) -> str:
        return f"{self.identifier_masked} @ {self.checked_at:%Y-%m-%d %H:%M}"


class AlertRule(models.TextChoices):
    NUMBER_VARIANTS = "number_variants", _(
        "Many numbers that share the shown last four characters (region or birth date varied)"
    )
    DISTINCT_MISSES = "distinct_misses", _("Many distinct citizen numbers that are not listed")


class CreditCheckAlert(models.Model):
    """A caller's credit checks matched an enumeration rule in one window: raised once per window."""

    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("checked by")
    )
    rule = models.CharField(_("rule"), max_length=20, choices=AlertRule.choices)
    window_start = models.DateTimeField(_("window start"))
    checks = models.PositiveIntegerField(_("checks counted"))
    created_at = models.DateTimeField(_("raised at"), auto_now_add=True)

    class Meta:
        verbose_name = _("credit-check alert")
        verbose_name_plural = _("credit-check alerts")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(name="credit_check_alert_rule_valid",
                                   condition=Q(rule__in=AlertRule.values)),
            # One alert per caller, rule and window, however many requests cross the threshold.
            models.UniqueConstraint(fields=["checked_by", "rule", "window_start"],
                                    name="credit_check_alert_once_per_window"),
        ]

    def __str__(self) -> str:
        return f"{self.checked_by} {self.rule} {self.window_start:%Y-%m-%d %H:%M}"
