"""The credit check's request side: the number a caller asks about, parsed or refused (400).

The answer is read from the credit-check index (``casework.indexing.credit_check``).
"""


from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from casework.identifiers import (
    BODY_LENGTH,
    CITIZEN_ID_CHECK_CHARS,
    validate_citizen_id,
    validate_uscc,
)


def parse_identifier(value: str) -> str:
    """A valid 统一社会信用代码 or 公民身份号码, normalised; else 400 naming the failed check."""
    try:
        return validate_uscc(value)
    except DjangoValidationError as uscc_error:
        try:
            return validate_citizen_id(value)
        except DjangoValidationError as citizen_error:
            # Seventeen digits and a digit or X: the caller meant a citizen number.
            candidate = value.strip().upper()
            looks_like_citizen = (candidate[:BODY_LENGTH].isdigit()
                                  and candidate[BODY_LENGTH:] in CITIZEN_ID_CHECK_CHARS)
            chosen = citizen_error if looks_like_citizen else uscc_error
            raise serializers.ValidationError(
                {"identifier": chosen.messages}, code=chosen.code
            ) from None
