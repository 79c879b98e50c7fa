"""The outbox: one Message per notice, one Delivery per (message, channel, recipient).

A transition writes both in its own transaction; Celery delivers them after
commit. Delivery.key is unique, so writing twice or delivering twice cannot
double a send: a delivery is claimed under a row lock and sent at most once
from this database's point of view.
"""

import json
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from notifications.choices import Audience, Channel, DeliveryStatus


class TextJSONEncoder(json.JSONEncoder):
    """JSON with its text as UTF-8, not ``\\uXXXX`` escapes.

    A message's context is mostly Chinese text (case numbers, departments, legal sources). Escaped,
    each character takes six bytes, and psycopg escapes every backslash again when Django's
    bulk insert passes the contexts as one jsonb[] array (UNNEST): a sweep batch's digests made
    an 840 KB statement and 860 000 regular-expression substitutions (bench/sla_sweep.py).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ensure_ascii"] = False
        super().__init__(*args, **kwargs)


class Message(models.Model):
    """One notice: what happened (``event``), to whom (``audience``), with its facts."""

    key = models.CharField(_("key"), max_length=120, unique=True,
                           help_text=_("Source of the notice; writing it twice is refused."))
    event = models.CharField(_("event"), max_length=60)
    template = models.CharField(_("template"), max_length=60)
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices)
    legal = models.BooleanField(
        _("legal notice"), default=False,
        help_text=_("A legal notice to the subject; its channels cannot be muted."),
    )
    case = models.ForeignKey("casework.Case", models.PROTECT, null=True, blank=True,
                             related_name="+", verbose_name=_("case"))
    department = models.ForeignKey("casework.Department", models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("department addressed"))
    context = models.JSONField(_("context"), default=dict, blank=True, encoder=TextJSONEncoder)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(name="message_audience_valid",
                                   condition=Q(audience__in=Audience.values)),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.audience}"


class Delivery(models.Model):
    """One send of one message on one channel to one recipient (a user or a webhook endpoint)."""

    message = models.ForeignKey(Message, models.PROTECT, related_name="deliveries",
                                verbose_name=_("message"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                  related_name="deliveries", verbose_name=_("recipient"))
    endpoint = models.ForeignKey("notifications.WebhookEndpoint", models.PROTECT, null=True,
                                 blank=True, related_name="deliveries", verbose_name=_("endpoint"))
    key = models.CharField(_("delivery key"), max_length=140, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    body = models.TextField(_("body"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(name="delivery_channel_valid",
                                   condition=Q(channel__in=Channel.values)),
            models.CheckConstraint(name="delivery_status_valid",
                                   condition=Q(status__in=DeliveryStatus.values)),
            # A webhook goes to an endpoint, everything else to a user.
            models.CheckConstraint(
                name="delivery_recipient_matches_channel",
                condition=(Q(channel=Channel.WEBHOOK, endpoint__isnull=False, recipient__isnull=True)
                           | (~Q(channel=Channel.WEBHOOK) & Q(recipient__isnull=False,
                                                              endpoint__isnull=True))),
            ),
        ]
        indexes = [
            # deliver_pending: WHERE status = 'pending' AND next_attempt_at <= now (a keyset by pk).
            models.Index(fields=["next_attempt_at"], name="delivery_pending_due",
                         condition=Q(status=DeliveryStatus.PENDING)),
            # the inbox badge: unread in-app messages of one user.
            models.Index(fields=["recipient"], name="delivery_unread",
                         condition=Q(channel=Channel.INAPP, status=DeliveryStatus.SENT,
                                     read_at__isnull=True)),
            # the inbox list: one user's in-app messages, newest first.
            models.Index(fields=["recipient", "channel", "-created_at"], name="delivery_inbox"),
        ]

    def __str__(self) -> str:
        return self.key

    def is_pending(self) -> bool:
        return self.status == DeliveryStatus.PENDING


class Preference(models.Model):
    """A user's language and the optional channels they muted."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.CASCADE,
                                related_name="notification_preference", verbose_name=_("user"))
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES,
                                default="zh-hans")
    muted_channels = models.JSONField(
        _("muted channels"), default=list, blank=True,
        help_text=_("Optional channels (email, sms) this user does not want; legal notices ignore it."),
    )
    phone = models.CharField(_("mobile phone for SMS"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user)

    def mutes(self, channel: str) -> bool:
        return channel in (self.muted_channels or [])


class WebhookEndpoint(models.Model):
    """Another department's system: it receives that department's notices, signed with its secret."""

    name = models.CharField(_("name"), max_length=120)
    department = models.ForeignKey("casework.Department", models.PROTECT, related_name="webhooks",
                                   verbose_name=_("department"))
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=200)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return f"{self.name} ({self.department})"
