"""Secrets come from the environment only; the development key never serves production.

The servers and workers (config.asgi, config.wsgi, Celery worker and beat) call
``refuse_development_key`` as they start: with DEBUG off, an unset SECRET_KEY or
the development key stops them with the reason, and so does an unset AUDIT_HMAC_KEY.
Management commands and the test suite may run with the development SECRET_KEY (they
sign nothing a user keeps); `make` targets export random keys kept in var/.
"""

from django.core.exceptions import ImproperlyConfigured

DEVELOPMENT_KEY = "insecure-dev-key-change-me-in-production"
MIN_LENGTH = 50


def refuse_development_key() -> None:
    from django.conf import settings

    if settings.DEBUG:
        return
    if settings.SECRET_KEY == DEVELOPMENT_KEY:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set (or is the development key) and DEBUG is off: set SECRET_KEY to a "
            f"random value of at least {MIN_LENGTH} characters, e.g. "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'")
    if len(settings.SECRET_KEY) < MIN_LENGTH:
        raise ImproperlyConfigured(f"SECRET_KEY must be at least {MIN_LENGTH} characters long")
    if not settings.AUDIT_HMAC_KEY:
        # Without it no audit event can be signed, so every step would fail (docs/security.md).
        raise ImproperlyConfigured(
            "AUDIT_HMAC_KEY is not set and DEBUG is off: set it to a random value from the servers' "
            "secret store, e.g. python3 -c 'import secrets; print(secrets.token_hex(32))'")
    if not settings.IDENTIFIER_KEY:
        # Without it no subject's identifier can be read or written (casework/crypto.py).
        raise ImproperlyConfigured(
            "IDENTIFIER_KEY is not set and DEBUG is off: set it to 64 random bytes in base64 from the "
            "servers' secret store, e.g. python3 -c 'import base64, os; "
            "print(base64.b64encode(os.urandom(64)).decode())'")
