from django.db import models
from django.utils.translation import gettext_lazy as _


class SignInKind(models.TextChoices):
    SIGNED_IN = "signed_in", _("signed in")
    FAILED = "failed", _("failed sign-in")
    LOCKED_OUT = "locked_out", _("locked out")
    SIGNED_OUT = "signed_out", _("signed out")
