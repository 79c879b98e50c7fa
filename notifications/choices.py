"""Choices of the notifications app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    INAPP = "inapp", _("In-app")
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    WEBHOOK = "webhook", _("Webhook")


# A user may mute these; in-app is the inbox of record and stays on.
OPTIONAL_CHANNELS = (Channel.EMAIL, Channel.SMS)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Audience(models.TextChoices):
    """Who a notice is for; services.resolve turns an audience into recipients."""

    OWNER = "owner", _("Owner department (谁认定)")
    SUBJECT = "subject", _("Subject")
    JOINT = "joint", _("Joint department of the measure")
    CO_ORGANISER = "co_organiser", _("Co-organiser of the talk (发改委)")
    RESPONSIBLE = "responsible", _("Responsible department of the deadline")
    HEAD = "head", _("Department head")
    LEADERSHIP = "leadership", _("Leadership group office")
