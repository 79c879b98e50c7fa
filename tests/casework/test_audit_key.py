"""The audit key comes from the environment: without it (and without DEBUG) nothing starts or signs."""

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from casework.models.audit import DEV_AUDIT_KEY, audit_key
from tests.operations.test_deploy_settings import production_env, run


def test_the_asgi_server_refuses_to_start_without_an_audit_key(tmp_path: Path) -> None:
    env = production_env(tmp_path)
    env.pop("AUDIT_HMAC_KEY", None)
    result = run(env, "-c", "import config.asgi")
    assert result.returncode != 0
    assert "ImproperlyConfigured: AUDIT_HMAC_KEY is not set" in result.stderr


def test_without_a_key_audit_events_cannot_be_signed_unless_debug(settings: object) -> None:
    settings.AUDIT_HMAC_KEY = ""  # type: ignore[attr-defined]
    settings.DEBUG = False  # type: ignore[attr-defined]
    with pytest.raises(ImproperlyConfigured, match="AUDIT_HMAC_KEY is not set"):
        audit_key()
    settings.DEBUG = True  # type: ignore[attr-defined]
    assert audit_key() == DEV_AUDIT_KEY.encode()
