"""Validation of Chinese subject identifiers.

* 统一社会信用代码 (unified social credit code, USCC), GB 32100-2015, which embeds a
  GB 11714 organisation code at positions 9-17.
* 公民身份号码 (citizen identity number), GB 11643.

python-stdnum is deliberately not used: it rejects USCCs whose registration authority
code (position 1) is ``A``, ``N`` or ``Y``, which are valid and occur in real data.

Validators normalise their input and return the normalised value, or raise
:class:`~django.core.exceptions.ValidationError` with a ``code`` naming the failed check,
so forms and API serializers can react to the specific rule.
"""

from __future__ import annotations

import datetime
import operator
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Both identifiers are 18 characters long.
IDENTIFIER_LENGTH = 18
# The last character is the check character, computed over the first 17.
BODY_LENGTH = IDENTIFIER_LENGTH - 1

# --- GB 32100-2015 (USCC) -------------------------------------------------------------

# The 31-character alphabet: digits plus upper-case letters without I, O, S, V, Z
# (left out because they are easily confused with 1, 0, 5, U and 2).
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# The check is computed modulo the alphabet size; 31 is prime, so every single-character
# substitution changes the weighted sum modulo 31 and is detected.
USCC_MODULUS = len(USCC_CHARSET)
# Weight of position i (1-based) is 3^(i-1) mod 31.
USCC_WEIGHT_BASE = 3
USCC_WEIGHTS: tuple[int, ...] = tuple(
    pow(USCC_WEIGHT_BASE, i, USCC_MODULUS) for i in range(BODY_LENGTH)
)
# Positions 9-17 (1-based) hold the GB 11714 organisation code: 8 body chars + check char.
ORG_CODE_START = 8  # 0-based index of position 9
ORG_BODY_LENGTH = 8
ORG_CODE_END = ORG_CODE_START + ORG_BODY_LENGTH  # 0-based index of the org check char

# --- GB 11714 (organisation code) -----------------------------------------------------

# Weights from the standard (they are 2^(9-i) mod 11 for i = 1..8).
ORG_CODE_WEIGHTS: tuple[int, ...] = (3, 7, 9, 10, 5, 8, 4, 2)
ORG_CODE_MODULUS = 11
# Characters allowed in an organisation code body; a character's value is its index here,
# i.e. digits 0-9 and letters by alphabet position A=10 ... Z=35. (This differs from the
# USCC charset index, which skips I, O, S, V.)
ORG_CODE_VALUE_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# c = 11 - (sum mod 11) lies in 1..11; 10 and 11 don't fit in one digit.
ORG_CHECK_TEN = "X"
ORG_CHECK_ELEVEN = "0"

# --- GB 11643 (citizen identity number) -----------------------------------------------

CITIZEN_ID_MODULUS = 11
# GB 11643 numbers positions from the right, check character = 1, and gives position n the
# weight 2^(n-1) mod 11; from the left that is 2^(18-i) mod 11 for i = 1..17, i.e.
# 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2. (Writing it as 2^(17-i) is an off-by-one: 9 10 5 ...)
CITIZEN_ID_WEIGHT_BASE = 2
CITIZEN_ID_WEIGHTS: tuple[int, ...] = tuple(
    pow(CITIZEN_ID_WEIGHT_BASE, IDENTIFIER_LENGTH - i, CITIZEN_ID_MODULUS)
    for i in range(1, BODY_LENGTH + 1)
)
# Check character indexed by (weighted sum mod 11); "X" stands for the value 10.
CITIZEN_ID_CHECK_CHARS = "10X98765432"
# Positions 7-14 (1-based) hold the birth date as YYYYMMDD.
BIRTH_YEAR_SLICE = slice(6, 10)
BIRTH_MONTH_SLICE = slice(10, 12)
BIRTH_DAY_SLICE = slice(12, 14)
# Nobody alive or on record in the credit system was born before this year.
EARLIEST_BIRTH_YEAR = 1800
# Masking keeps only the last 4 characters (the end of the sequence code and the check
# character). The region code (positions 1-6) and the birth date (7-14) are hidden: with the
# region shown, the 2 188 birth dates that pass the check character were enough to recover a
# listed person's number through the credit check. Hiding the region multiplies the search by
# the number of region codes; the credit check's throttle and enumeration alert do the rest.
MASK_KEEP_START = 0
MASK_KEEP_END = 4
MASK_CHAR = "*"

KIND_USCC = "uscc"
KIND_CITIZEN_ID = "citizen_id"


# --- helpers --------------------------------------------------------------------------


def _normalise(value: str) -> str:
    """Strip surrounding whitespace and upper-case (users paste and type lower-case x)."""
    return value.strip().upper()


def _weighted_sum(values: Sequence[int], weights: Sequence[int]) -> int:
    _require(len(values) == len(weights), "as many values as weights")
    return sum(map(operator.mul, values, weights))


# Each character's value (its position in the alphabet), and the alphabets as sets: looked up
# once per character instead of searched (str.index, ``in`` a str).
_USCC_VALUES = {c: i for i, c in enumerate(USCC_CHARSET)}
_ORG_CODE_VALUES = {c: i for i, c in enumerate(ORG_CODE_VALUE_ALPHABET)}
_USCC_CHARS = frozenset(USCC_CHARSET)
_ORG_CODE_CHARS = frozenset(ORG_CODE_VALUE_ALPHABET)


def _require(condition: bool, what: str) -> None:
    """Helpers are called by code (demo data generators), so misuse is a programming error."""
    if not condition:
        raise ValueError(what)


def org_code_check_char(body8: str) -> str:
    """GB 11714 check character for the 8-character organisation code body."""
    _require(
        len(body8) == ORG_BODY_LENGTH and _ORG_CODE_CHARS.issuperset(body8),
        f"expected {ORG_BODY_LENGTH} characters from 0-9A-Z, got {body8!r}",
    )
    values = [_ORG_CODE_VALUES[c] for c in body8]
    check = ORG_CODE_MODULUS - _weighted_sum(values, ORG_CODE_WEIGHTS) % ORG_CODE_MODULUS
    if check == ORG_CODE_MODULUS - 1:
        return ORG_CHECK_TEN
    if check == ORG_CODE_MODULUS:
        return ORG_CHECK_ELEVEN
    return str(check)


def uscc_check_char(first17: str) -> str:
    """GB 32100-2015 check character (position 18) for the first 17 USCC characters."""
    _require(
        len(first17) == BODY_LENGTH and _USCC_CHARS.issuperset(first17),
        f"expected {BODY_LENGTH} characters from {USCC_CHARSET}, got {first17!r}",
    )
    values = [_USCC_VALUES[c] for c in first17]
    remainder = _weighted_sum(values, USCC_WEIGHTS) % USCC_MODULUS
    # The outer "mod 31" maps a remainder of 0 to check value 0 rather than 31.
    return USCC_CHARSET[(USCC_MODULUS - remainder) % USCC_MODULUS]


def citizen_id_check_char(first17: str) -> str:
    """GB 11643 check character (position 18) for the first 17 digits of a citizen ID."""
    _require(
        len(first17) == BODY_LENGTH and first17.isascii() and first17.isdigit(),
        f"expected {BODY_LENGTH} ASCII digits, got {first17!r}",
    )
    remainder = _weighted_sum([int(c) for c in first17], CITIZEN_ID_WEIGHTS) % CITIZEN_ID_MODULUS
    return CITIZEN_ID_CHECK_CHARS[remainder]


# --- USCC ------------------------------------------------------------------------------


def validate_uscc(code: str) -> str:
    """Validate a 统一社会信用代码 and return it normalised (stripped, upper-case).

    Checks run in order: length, charset, embedded GB 11714 organisation code check,
    GB 32100-2015 check character. Positions 1 (registration authority) and 2
    (organisation type) are only held to the charset, as new codes keep being assigned.
    """
    code = _normalise(code)
    if len(code) != IDENTIFIER_LENGTH:
        raise ValidationError(
            _("A unified social credit code has 18 characters (GB 32100-2015)."),
            code="uscc_length",
        )
    if not _USCC_CHARS.issuperset(code):
        raise ValidationError(
            _(
                "A unified social credit code may only contain digits and the letters "
                "A-Y except I, O, S and V (GB 32100-2015)."
            ),
            code="uscc_charset",
        )
    if org_code_check_char(code[ORG_CODE_START:ORG_CODE_END]) != code[ORG_CODE_END]:
        raise ValidationError(
            _("The embedded organisation code has a wrong check character (GB 11714)."),
            code="uscc_org_code_check",
        )
    if uscc_check_char(code[:BODY_LENGTH]) != code[BODY_LENGTH]:
        raise ValidationError(
            _("The check character does not match (GB 32100-2015)."),
            code="uscc_check",
        )
    return code


# GB 32100-2015 table 1 assigns no registration authority the code 0, and GB 11714 never
# assigns the all-zero organisation code: a code made of them passes both check characters
# (their weighted sums are 0) but is a placeholder typed to get past a form.
UNASSIGNED_AUTHORITY = "0"
PLACEHOLDER_ORG_BODY = "0" * ORG_BODY_LENGTH


def validate_registrable_uscc(code: str) -> str:
    """A valid USCC that can belong to a real organisation (used when registering a subject)."""
    code = validate_uscc(code)
    if code[0] == UNASSIGNED_AUTHORITY or code[ORG_CODE_START:ORG_CODE_END] == PLACEHOLDER_ORG_BODY:
        raise ValidationError(
            _("This unified social credit code is a placeholder: no registration authority "
              "or organisation has it (GB 32100-2015)."),
            code="uscc_placeholder",
        )
    return code


# --- citizen ID ------------------------------------------------------------------------


def _today() -> datetime.date:
    """Today's date where the system operates (settings.TIME_ZONE), not the server's."""
    return timezone.localdate() if settings.USE_TZ else datetime.date.today()


def _parse_birth_date(number: str) -> datetime.date | None:
    """The birth date in positions 7-14, or None if it is not a plausible birth date."""
    year, month, day = (
        int(number[part]) for part in (BIRTH_YEAR_SLICE, BIRTH_MONTH_SLICE, BIRTH_DAY_SLICE)
    )
    try:
        born = datetime.date(year, month, day)
    except ValueError:  # e.g. 19490230 or month 13
        return None
    if born.year < EARLIEST_BIRTH_YEAR or born > _today():
        return None
    return born


def _has_citizen_id_format(number: str) -> bool:
    body, check = number[:BODY_LENGTH], number[BODY_LENGTH:]
    # isascii() because str.isdigit() also accepts e.g. full-width and superscript digits.
    return (
        len(number) == IDENTIFIER_LENGTH
        and body.isascii()
        and body.isdigit()
        and check in CITIZEN_ID_CHECK_CHARS
    )


def validate_citizen_id(number: str) -> str:
    """Validate an 18-character 公民身份号码 and return it normalised (lower x -> X).

    Checks run in order: length, format (17 digits + digit or X), birth date (a real
    calendar date, year >= 1800, not in the future), GB 11643 check character.
    """
    number = _normalise(number)
    if len(number) != IDENTIFIER_LENGTH:
        raise ValidationError(
            _("A citizen identity number has 18 characters (GB 11643)."),
            code="citizen_id_length",
        )
    if not _has_citizen_id_format(number):
        raise ValidationError(
            _("A citizen identity number is 17 digits followed by a digit or X (GB 11643)."),
            code="citizen_id_format",
        )
    if _parse_birth_date(number) is None:
        raise ValidationError(
            _(
                "Positions 7-14 of a citizen identity number must be a real birth date "
                "(YYYYMMDD), not in the future (GB 11643)."
            ),
            code="citizen_id_birth_date",
        )
    if citizen_id_check_char(number[:BODY_LENGTH]) != number[BODY_LENGTH]:
        raise ValidationError(
            _("The check character does not match (GB 11643)."),
            code="citizen_id_check",
        )
    return number


# --- shape-based helpers ---------------------------------------------------------------


def _looks_like_citizen_id(value: str) -> bool:
    """Citizen-ID shape with a plausible birth date, whatever the check character says."""
    return _has_citizen_id_format(value) and _parse_birth_date(value) is not None


def identifier_kind(value: str) -> str:
    """Return ``"uscc"`` or ``"citizen_id"`` for an 18-character identifier, by shape.

    An all-digit USCC can look like a citizen ID, so a value counts as a citizen ID only
    if it fully validates as one; any other 18-character value in the USCC charset is a
    USCC (it may still fail :func:`validate_uscc`). Raises ``ValueError`` when the value
    has neither shape.
    """
    value = _normalise(value)
    try:
        validate_citizen_id(value)
    except ValidationError:
        pass
    else:
        return KIND_CITIZEN_ID
    if len(value) == IDENTIFIER_LENGTH and all(c in USCC_CHARSET for c in value):
        return KIND_USCC
    raise ValueError(f"not an 18-character USCC or citizen identity number: {value!r}")


def mask_identifier(value: str) -> str:
    """Mask a citizen identity number for display: ``**************002X``.

    Keeps only the last 4 characters; region and birth date are not needed to tell two
    listed people of one name apart, and they are what makes a number guessable. A
    unified social credit code identifies an organisation and is public information, so
    it is returned unchanged, as is any other value; callers decide when masking applies.

    To err on the side of privacy, anything shaped like a citizen ID (17 digits + digit
    or X with a plausible birth date) is masked even if its check character is wrong,
    which means a rare all-digit USCC with a date-like middle is masked too.
    """
    normalised = _normalise(value)
    if not _looks_like_citizen_id(normalised):
        return value
    hidden = IDENTIFIER_LENGTH - MASK_KEEP_START - MASK_KEEP_END
    return normalised[:MASK_KEEP_START] + MASK_CHAR * hidden + normalised[-MASK_KEEP_END:]
