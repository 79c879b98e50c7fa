"""Encryption at rest of subjects' identifiers (公民身份号码 and 统一社会信用代码).

AES-SIV (RFC 5297, deterministic authenticated encryption) with a 512-bit key from the
environment (``IDENTIFIER_KEY``, base64), never the database. Deterministic on purpose:
the same number always gives the same ciphertext, so an exact lookup (``identifier=...``)
and the column's UNIQUE constraint keep working on the ciphertext, without a second
keyed-hash column to keep in step. What it leaks is equality of two rows' numbers — which
a keyed hash for lookups would leak as well — and nothing about the number itself; the
SIV tag authenticates the value, so a ciphertext moved into the column from elsewhere or
edited fails to decrypt instead of reading as another number. Stored as ``v1:`` + URL-safe
base64; the version prefix leaves room for a key rotation (docs/security.md).

With DEBUG on and no key set, a development key everyone knows is used (like the audit
chains' key); with DEBUG off nothing reads or writes an identifier without ``IDENTIFIER_KEY``,
and the servers refuse to start without it (config/secrets.py).
"""

from __future__ import annotations

import base64
import binascii
import functools

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "v1:"
KEY_BYTES = 64  # AES-SIV with two AES-256 keys
# Associated data binds a ciphertext to its purpose: a value encrypted for another use of
# the same key cannot be passed off as an identifier.
ASSOCIATED_DATA = [b"casework.subject.identifier"]
# Only under DEBUG: a development database may be encrypted with a key everyone knows.
DEV_KEY_SEED = b"casework-development-identifier-key-never-in-production"


class IdentifierDecryptionError(ValueError):
    """The stored value is not a ciphertext of this key (edited, copied or another key)."""


def _decode_key(text: str) -> bytes:
    try:
        key = base64.b64decode(text, validate=True)
    except binascii.Error:
        raise ImproperlyConfigured("IDENTIFIER_KEY must be base64 (e.g. python3 -c "
                                   "'import base64, os; print(base64.b64encode(os.urandom(64)).decode())')"
                                   ) from None
    if len(key) != KEY_BYTES:
        raise ImproperlyConfigured(f"IDENTIFIER_KEY must decode to {KEY_BYTES} bytes, not {len(key)}")
    return key


@functools.cache
def _cipher(configured: str, debug: bool) -> AESSIV:
    if configured:
        return AESSIV(_decode_key(configured))
    if not debug:
        raise ImproperlyConfigured("IDENTIFIER_KEY is not set: identifiers cannot be encrypted or read.")
    derived = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=b"identifier")
    return AESSIV(derived.derive(DEV_KEY_SEED))


def cipher() -> AESSIV:
    return _cipher(getattr(settings, "IDENTIFIER_KEY", ""), settings.DEBUG)


def is_ciphertext(value: str) -> bool:
    return value.startswith(PREFIX)


def encrypt(plain: str) -> str:
    token = cipher().encrypt(plain.encode(), ASSOCIATED_DATA)
    return PREFIX + base64.urlsafe_b64encode(token).decode().rstrip("=")


def decrypt(stored: str) -> str:
    if not is_ciphertext(stored):
        raise IdentifierDecryptionError("not an encrypted identifier")
    body = stored[len(PREFIX):]
    try:
        token = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        return cipher().decrypt(token, ASSOCIATED_DATA).decode()
    except (binascii.Error, InvalidTag, ValueError):
        raise IdentifierDecryptionError(
            "the stored identifier does not decrypt with IDENTIFIER_KEY") from None
