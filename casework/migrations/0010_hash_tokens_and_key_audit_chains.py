"""Existing data moves to the new rules.

1. Plain-text API tokens (rest_framework.authtoken) become hashed ApiTokens with the same
   key (clients keep working) and an expiry of API_TOKEN_DAYS; the plain rows are deleted.
2. Existing audit chains are re-hashed with the key (AUDIT_HMAC_KEY): each case's last
   event records the case row as it is now, and every chain gets its sealed head. This
   runs as the table's owner (the trigger is disabled for the rewrite, then enabled).
"""

from datetime import timedelta

from django.conf import settings
from django.db import migrations
from django.utils import timezone

from casework.audit import json_safe
from casework.models.audit import CASE_STATE_FIELDS, GENESIS_HASH, hashed_fields, mac
from casework.models.tokens import SHOWN_CHARACTERS, hash_of

TRIGGER = "casework_auditevent_append_only"


def hash_tokens(apps, schema_editor):
    Token = apps.get_model("authtoken", "Token")
    ApiToken = apps.get_model("casework", "ApiToken")
    expires_at = timezone.now() + timedelta(days=settings.API_TOKEN_DAYS)
    for token in Token.objects.all():
        ApiToken.objects.create(
            user_id=token.user_id, name="migrated plain-text token",
            prefix=token.key[:SHOWN_CHARACTERS], key_hash=hash_of(token.key), scopes=[],
            created_at=token.created, expires_at=expires_at,
        )
    Token.objects.all().delete()


def key_chains(apps, schema_editor):
    AuditEvent = apps.get_model("casework", "AuditEvent")
    if not AuditEvent.objects.exists():
        return
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        schema_editor.execute(f"ALTER TABLE casework_auditevent DISABLE TRIGGER {TRIGGER}")
    chains = AuditEvent.objects.values_list("chain", flat=True).distinct()
    for chain in list(chains):
        _rehash(apps, chain)
    if postgres:
        # The rewrite queued deferred foreign-key checks: run them now, or ALTER TABLE refuses.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute(f"ALTER TABLE casework_auditevent ENABLE TRIGGER {TRIGGER}")


def _rehash(apps, chain):
    AuditEvent = apps.get_model("casework", "AuditEvent")
    AuditHead = apps.get_model("casework", "AuditHead")
    Case = apps.get_model("casework", "Case")
    events = list(AuditEvent.objects.filter(chain=chain).order_by("seq"))
    prev_hash = GENESIS_HASH
    for event in events:
        if event is events[-1] and event.case_id is not None:
            row = Case.objects.filter(pk=event.case_id).values(*CASE_STATE_FIELDS).get()
            event.case_state = json_safe(row)
        event.prev_hash = prev_hash
        event.hash = "pending:" + str(event.pk)  # the old hashes are unique: free them first
        event.save(update_fields=["prev_hash", "hash", "case_state"])
        event.hash = mac(hashed_fields(event))
        prev_hash = event.hash
    for event in events:
        event.save(update_fields=["hash"])
    last = events[-1]
    seal = mac({"chain": chain, "seq": last.seq, "hash": last.hash})
    AuditHead.objects.update_or_create(chain=chain, defaults={"seq": last.seq, "hash": last.hash,
                                                              "seal": seal})


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0009_tokens_and_audit_heads"),
        ("authtoken", "0004_alter_tokenproxy_options"),
    ]
    operations = [
        migrations.RunPython(hash_tokens, migrations.RunPython.noop),
        migrations.RunPython(key_chains, migrations.RunPython.noop),
    ]
