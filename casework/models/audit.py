import hashlib
import hmac
import json
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64
# Only under DEBUG: a development database may be signed with a key everyone knows.
DEV_AUDIT_KEY = "casework-development-audit-key-never-in-production"
# The case's fields an event records as they are after it (verify_audit compares the row).
CASE_STATE_FIELDS = (
    "state", "version", "number", "subject_id", "owner_department_id", "list_type",
    "dishonesty_class",
)


def audit_key() -> bytes:
    """The HMAC key of the chains: from the environment (AUDIT_HMAC_KEY), never the database."""
    key = getattr(settings, "AUDIT_HMAC_KEY", "")
    if not key:
        if not settings.DEBUG:
            raise ImproperlyConfigured(
                "AUDIT_HMAC_KEY is not set: audit events cannot be signed or verified."
            )
        key = DEV_AUDIT_KEY
    return key.encode()


def mac(value: Any) -> str:
    """HMAC-SHA256 of a value's canonical JSON: without the key, no one can forge or recompute it."""
    return hmac.new(audit_key(), canonical_json(value).encode(), hashlib.sha256).hexdigest()


def hashed_fields(event: Any) -> dict[str, Any]:
    """What an event's hash covers (works on historical models in migrations too)."""
    return {
        "chain": event.chain,
        "seq": event.seq,
        "case": event.case_id,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "action": event.action,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "actor": event.actor_id,
        "actor_department": event.actor_department_id,
        "at": event.at.isoformat(timespec="microseconds"),
        "changes": event.changes,
        "payload": event.payload,
        "case_state": event.case_state,
        "prev_hash": event.prev_hash,
    }


class AuditEvent(models.Model):
    """An append-only, hash-chained record of a transition or change.

    The chain is per case (``chain = "case:<id>"``), or per department for
    department-level events (``accounts`` for accounts without a department); a
    global chain would serialise every write in the city. Each hash is an HMAC with
    a key kept outside the database (``AUDIT_HMAC_KEY``), so a rewrite cannot be
    re-hashed; each case event records the case's state after it (``case_state``),
    and ``AuditHead`` keeps each chain's last link. On PostgreSQL a trigger refuses
    UPDATE and DELETE (migration 0002); docs/security.md runs the table under a
    separate owner role.
    """

    chain = models.CharField(_("chain"), max_length=40)
    seq = models.PositiveIntegerField(_("sequence"))
    case = models.ForeignKey(
        "casework.Case", models.PROTECT, null=True, blank=True, related_name="audit_events",
        verbose_name=_("case"),
    )
    object_type = models.CharField(_("object type"), max_length=40)
    object_id = models.PositiveBigIntegerField(_("object id"))
    action = models.CharField(_("action"), max_length=40)
    from_state = models.CharField(_("from state"), max_length=20, blank=True)
    to_state = models.CharField(_("to state"), max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("actor"),
    )
    # No index: nothing reads the events by the actor's department, and a department is
    # retired, never deleted (the delete's reference check is the only reader it would have).
    actor_department = models.ForeignKey(
        "casework.Department", models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("actor's department"), db_index=False,
    )
    at = models.DateTimeField(_("at"))
    changes = models.JSONField(_("field changes"), default=dict, encoder=DjangoJSONEncoder)
    payload = models.JSONField(_("payload"), default=dict, encoder=DjangoJSONEncoder)
    case_state = models.JSONField(_("case after the event"), default=dict, encoder=DjangoJSONEncoder)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    # Unique by a constraint, not unique=True: on PostgreSQL Django adds a second, pattern-ops
    # index to a unique CharField for prefix LIKE, which no query of a hash asks for.
    hash = models.CharField(_("hash"), max_length=64)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["chain", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "seq"], name="audit_chain_seq_unique"),
            models.UniqueConstraint(fields=["hash"], name="audit_event_hash_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.chain}#{self.seq} {self.action}"

    def compute_hash(self) -> str:
        return mac(hashed_fields(self))

    def hashed_fields(self) -> dict[str, Any]:
        return hashed_fields(self)


class AuditHead(models.Model):
    """The last link of each chain, sealed with the key: a chain cut short no longer ends here.

    Written with every appended event, in its transaction and under its chain's lock.
    The daily digest (``manage.py audit_digest``) copies every head outside the database.
    """

    chain = models.CharField(_("chain"), max_length=40, primary_key=True)
    seq = models.PositiveIntegerField(_("sequence"))
    hash = models.CharField(_("hash"), max_length=64)
    seal = models.CharField(_("seal"), max_length=64)

    class Meta:
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain heads")

    def __str__(self) -> str:
        return f"{self.chain}#{self.seq}"

    def compute_seal(self) -> str:
        return mac({"chain": self.chain, "seq": self.seq, "hash": self.hash})


def canonical_json(value: Any) -> str:
    """Key-sorted JSON so that a jsonb round trip (which reorders keys) hashes the same."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      cls=DjangoJSONEncoder)


class IdempotencyRecord(models.Model):
    """The first result of a keyed request; a repeat returns it and writes nothing more."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    key = models.CharField(max_length=100)
    object_type = models.CharField(max_length=40)
    object_id = models.PositiveBigIntegerField()
    action = models.CharField(max_length=40)
    result = models.JSONField(encoder=DjangoJSONEncoder)
    # SHA-256 of the request (object, transition, expected version, canonical body): the same
    # key with another request is refused, not answered with the first request's result.
    fingerprint = models.CharField(max_length=64, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["actor", "key"], name="idempotency_actor_key_unique")
        ]
        indexes = [
            # purge_idempotency_records: WHERE created_at < now - IDEMPOTENCY_KEY_TTL_HOURS.
            models.Index(fields=["created_at"], name="idempotency_created"),
        ]

    def __str__(self) -> str:
        return f"{self.key} → {self.object_type}#{self.object_id} {self.action}"
