import hashlib
import json
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AuditEvent(models.Model):
    """An append-only, hash-chained record of a transition or change.

    The chain is per case (``chain = "case:<id>"``), or per department for
    department-level events; a global chain would serialise every write in the
    city. On PostgreSQL a trigger refuses UPDATE and DELETE (migration 0002).
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
    actor_department = models.ForeignKey(
        "casework.Department", models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("actor's department"),
    )
    at = models.DateTimeField(_("at"))
    changes = models.JSONField(_("field changes"), default=dict, encoder=DjangoJSONEncoder)
    payload = models.JSONField(_("payload"), default=dict, encoder=DjangoJSONEncoder)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["chain", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "seq"], name="audit_chain_seq_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.chain}#{self.seq} {self.action}"

    def compute_hash(self) -> str:
        return hashlib.sha256(canonical_json(self.hashed_fields()).encode()).hexdigest()

    def hashed_fields(self) -> dict[str, Any]:
        return {
            "chain": self.chain,
            "seq": self.seq,
            "case": self.case_id,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "action": self.action,
            "from_state": self.from_state,
            "to_state": self.to_state,
            "actor": self.actor_id,
            "actor_department": self.actor_department_id,
            "at": self.at.isoformat(timespec="microseconds"),
            "changes": self.changes,
            "payload": self.payload,
            "prev_hash": self.prev_hash,
        }


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
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["actor", "key"], name="idempotency_actor_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.key} → {self.object_type}#{self.object_id} {self.action}"
