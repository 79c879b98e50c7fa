"""The sign-in log: every sign-in, failed sign-in, lock-out and sign-out, for the auditor."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from operations.choices import SignInKind


class SignInEvent(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=SignInKind.choices)
    # As typed: a failed attempt may name no existing user.
    username = models.CharField(_("user name"), max_length=150, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                             related_name="+", verbose_name=_("user"))
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    path = models.CharField(_("sign-in form"), max_length=200, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("sign-in event")
        verbose_name_plural = _("sign-in events")
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(name="signin_kind_valid", condition=models.Q(kind__in=SignInKind.values)),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.kind} {self.username}"
