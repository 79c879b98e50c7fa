"""API tokens, stored as a hash: the key is shown once, when it is issued."""

import hashlib
import secrets
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

KEY_PREFIX = "cw_"
# What a listing shows of a key: enough to tell two tokens apart, far too little to use one.
SHOWN_CHARACTERS = 11


def new_key() -> str:
    """A fresh key: 240 random bits, URL-safe (it also travels as a WebSocket subprotocol)."""
    return KEY_PREFIX + secrets.token_urlsafe(30)


def hash_of(key: str) -> str:
    # A key carries 240 random bits: a plain SHA-256 cannot be reversed by guessing,
    # so no slow password hash is needed (and the lookup stays one indexed query).
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(QuerySet["ApiToken"]):
    def usable(self, now: datetime) -> "ApiTokenQuerySet":
        """Tokens that authenticate at ``now``: not revoked, not expired, of an active user."""
        return self.filter(revoked_at__isnull=True, user__is_active=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now)
        )


class ApiToken(models.Model):
    """One key of one user (a person or another system). Revoked tokens are kept for the trail."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="api_tokens", verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=80, help_text=_("What the token is for."))
    prefix = models.CharField(_("key begins with"), max_length=SHOWN_CHARACTERS)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    scopes = models.JSONField(_("scopes"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("created by"),
    )
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("revoked by"),
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    def is_usable(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class TokenCacheVersion(models.Model):
    """One row: bumped on every revocation, so each process drops its cached tokens.

    Used when there is no Redis (``REDIS_URL`` empty); with Redis the counter lives there.
    """

    version = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("token cache version")

    def __str__(self) -> str:
        return str(self.version)
