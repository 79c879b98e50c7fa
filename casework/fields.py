"""A model field that keeps an identifier encrypted in its column (casework/crypto.py).

Python code sees the plain number; the database holds only ``v1:…`` ciphertext. Because the
encryption is deterministic, ``exact`` and ``in`` lookups (and the UNIQUE constraint) work
on the ciphertext; ``iexact`` is an exact lookup of the upper-cased number (identifiers are
stored upper-case). Lookups on parts of the number (contains, startswith, ordering by it)
cannot work on ciphertext and are refused rather than silently answering nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldError
from django.db import models
from django.db.models.lookups import Exact, In, IsNull

from casework import crypto

# "v1:" + base64 of a 16-byte tag and the 18-byte number, with room for a longer query value.
STORED_LENGTH = 80
ALLOWED_LOOKUPS = ("exact", "iexact", "in", "isnull")


class EncryptedIdentifierField(models.CharField):
    description = "An identifier encrypted at rest (AES-SIV)"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", STORED_LENGTH)
        super().__init__(*args, **kwargs)

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if not value:
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "" or crypto.is_ciphertext(value):
            return value
        return crypto.encrypt(value)

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name not in ALLOWED_LOOKUPS:
            raise FieldError(
                f"{self.model.__name__}.{self.name} is encrypted: only {', '.join(ALLOWED_LOOKUPS)} "
                f"lookups work on it, not {lookup_name!r}")
        return super().get_lookup(lookup_name)


class UpperExact(Exact):
    """``iexact`` on an encrypted identifier: the exact ciphertext of the upper-cased value."""

    lookup_name = "iexact"

    def get_prep_lookup(self) -> Any:
        if isinstance(self.rhs, str):
            self.rhs = self.rhs.strip().upper()
        return super().get_prep_lookup()


EncryptedIdentifierField.register_lookup(UpperExact)
EncryptedIdentifierField.register_lookup(Exact)
EncryptedIdentifierField.register_lookup(In)
EncryptedIdentifierField.register_lookup(IsNull)
