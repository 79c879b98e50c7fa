"""Migration 0010: plain-text tokens become hashed ones with the same key; old chains are keyed."""

import hashlib
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from casework.audit import verify_chains
from casework.models import ApiToken, AuditEvent, AuditHead
from casework.models.audit import canonical_json, hashed_fields
from casework.models.tokens import hash_of
from tests.conftest import Cast

BEFORE = [("casework", "0009_tokens_and_audit_heads"), ("authtoken", "0004_alter_tokenproxy_options")]
TRIGGER = "casework_auditevent_append_only"
AFTER = [("casework", "0010_hash_tokens_and_key_audit_chains")]


def migrate(targets: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def make_chains_legacy() -> None:
    """What main wrote before: plain SHA-256, no case state, no heads."""
    AuditHead.objects.all().delete()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE casework_auditevent DISABLE TRIGGER {TRIGGER}")
    try:
        _rewrite_legacy()
    finally:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"ALTER TABLE casework_auditevent ENABLE TRIGGER {TRIGGER}")


def _rewrite_legacy() -> None:
    prev = {}
    for event in AuditEvent.objects.order_by("chain", "seq"):
        event.case_state = {}
        event.prev_hash = prev.get(event.chain, "0" * 64)
        event.hash = hashlib.sha256(canonical_json(hashed_fields(event)).encode()).hexdigest()
        AuditEvent.objects.filter(pk=event.pk).update(case_state={}, prev_hash=event.prev_hash,
                                                      hash=event.hash)
        prev[event.chain] = event.hash


@pytest.mark.django_db(transaction=True)
def test_plain_tokens_keep_their_key_as_a_hash_and_old_chains_are_keyed(cast: Cast) -> None:
    case = cast.listed_case()
    make_chains_legacy()
    assert [link for _chain, link in verify_chains()] != [None]
    try:
        old_apps = migrate(BEFORE)
        plain = old_apps.get_model("authtoken", "Token").objects.create(user_id=cast.system.pk,
                                                                        key="a" * 40)
        migrate(AFTER)
    finally:
        # Back to the latest schema: the tests after this one need every later migration.
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    token = ApiToken.objects.get()
    assert (token.user_id, token.key_hash, token.prefix) == (cast.system.pk, hash_of("a" * 40), "a" * 11)
    assert token.expires_at is not None and plain.key not in str(ApiToken.objects.values().get())
    assert not old_apps.get_model("authtoken", "Token").objects.exists()
    assert list(verify_chains()) == [(f"case:{case.pk}", None)]
