"""Rules for 统一社会信用代码 (GB 32100-2015 / GB 11714) and 公民身份号码 (GB 11643)."""

from __future__ import annotations

import datetime
import string
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from casework.identifiers import (
    CITIZEN_ID_CHECK_CHARS,
    CITIZEN_ID_WEIGHTS,
    ORG_CODE_WEIGHTS,
    USCC_CHARSET,
    USCC_WEIGHTS,
    citizen_id_check_char,
    identifier_kind,
    mask_identifier,
    org_code_check_char,
    uscc_check_char,
    validate_citizen_id,
    validate_uscc,
)

VALID_USCCS = [
    "914403001922038216",
    "91110108551385082Q",
    "9144030071526726XG",
    "91330100799655058B",
]
# Both have a wrong embedded organisation-code check, which is checked first.
INVALID_ORG_CODE_USCCS = ["91110000800088421P", "91110108717809965C"]
# Real codes whose organisation-code body contains letters; they only pass if letters take
# their alphabet-position value (A=10 ... Z=35), not their index in the USCC charset.
REAL_USCCS_WITH_LETTERS_IN_ORG_CODE = [
    "91310115MA1K3BTP2B",
    "91340600MA2PBM9HXD",
    "91340600MA2PBMA74B",
    "91340600MA2PENWF9P",
    "91620105L015101280",
]
VALID_CITIZEN_ID = "11010519491231002X"
CITIZEN_ID_CHARSET = string.digits + "X"

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)


def assert_rejected(validator: Callable[[str], str], value: str, code: str) -> ValidationError:
    with pytest.raises(ValidationError) as excinfo:
        validator(value)
    assert excinfo.value.code == code
    return excinfo.value


def build_uscc(first16: str) -> str:
    """Positions 1-8 + organisation-code body, completed with both check characters."""
    body8 = first16[8:]
    first17 = first16 + org_code_check_char(body8)
    return first17 + uscc_check_char(first17)


def build_citizen_id(region: str, born: datetime.date, sequence: str) -> str:
    first17 = region + born.strftime("%Y%m%d") + sequence
    return first17 + citizen_id_check_char(first17)


def single_substitutions(value: str, charset: str) -> list[str]:
    return [
        value[:i] + other + value[i + 1 :]
        for i, original in enumerate(value)
        for other in charset
        if other != original
    ]


def rejects(validator: Callable[[str], str], value: str) -> bool:
    try:
        validator(value)
    except ValidationError:
        return True
    return False


uscc_strategy = st.text(alphabet=USCC_CHARSET, min_size=16, max_size=16).map(build_uscc)
citizen_id_strategy = st.builds(
    build_citizen_id,
    region=st.text(alphabet=string.digits, min_size=6, max_size=6),
    # Yesterday keeps clear of time-zone differences between this machine and Asia/Shanghai.
    born=st.dates(
        min_value=datetime.date(1800, 1, 1),
        max_value=datetime.date.today() - datetime.timedelta(days=1),
    ),
    sequence=st.text(alphabet=string.digits, min_size=3, max_size=3),
)


# --- USCC ------------------------------------------------------------------------------


@pytest.mark.parametrize("code", VALID_USCCS)
def test_uscc_accepts_valid_codes(code: str) -> None:
    assert validate_uscc(code) == code


@pytest.mark.parametrize("code", INVALID_ORG_CODE_USCCS)
def test_uscc_rejects_wrong_embedded_organisation_code_check(code: str) -> None:
    assert_rejected(validate_uscc, code, "uscc_org_code_check")


@pytest.mark.parametrize("code", REAL_USCCS_WITH_LETTERS_IN_ORG_CODE)
def test_uscc_organisation_code_letters_take_alphabet_position_values(code: str) -> None:
    assert validate_uscc(code) == code


def test_uscc_rejects_wrong_check_character() -> None:
    wrong = VALID_USCCS[1][:-1] + "R"  # the correct check character is Q
    assert_rejected(validate_uscc, wrong, "uscc_check")


@pytest.mark.parametrize("code", ["", "91110108551385082", "91110108551385082QQ"])
def test_uscc_rejects_wrong_length(code: str) -> None:
    assert_rejected(validate_uscc, code, "uscc_length")


@pytest.mark.parametrize("letter", ["I", "O", "S", "V", "Z", "-", "字"])
def test_uscc_rejects_characters_outside_the_charset(letter: str) -> None:
    assert_rejected(validate_uscc, letter + VALID_USCCS[1][1:], "uscc_charset")


def test_uscc_checks_length_before_charset() -> None:
    assert_rejected(validate_uscc, "I" * 17, "uscc_length")


def test_uscc_checks_charset_before_check_characters() -> None:
    assert_rejected(validate_uscc, VALID_USCCS[0][:-1] + "Z", "uscc_charset")


def test_uscc_is_normalised_by_stripping_and_upper_casing() -> None:
    assert validate_uscc("  91110108551385082q\n") == "91110108551385082Q"


@pytest.mark.parametrize("authority", list("ANY123456789"))
def test_uscc_accepts_any_registration_authority_code(authority: str) -> None:
    code = build_uscc(authority + "1110108" + "MA01X9YY")
    assert validate_uscc(code) == code


@pytest.mark.parametrize(
    ("code", "standard"),
    [
        ("9111010855138508", "GB 32100-2015"),
        ("I" + VALID_USCCS[1][1:], "GB 32100-2015"),
        (INVALID_ORG_CODE_USCCS[0], "GB 11714"),
        (VALID_USCCS[1][:-1] + "R", "GB 32100-2015"),
    ],
)
def test_uscc_error_messages_name_the_standard(code: str, standard: str) -> None:
    with pytest.raises(ValidationError) as excinfo, translation.override("en"):
        validate_uscc(code)
    assert standard in excinfo.value.messages[0]


@PROPERTY_SETTINGS
@given(uscc_strategy)
def test_uscc_generated_codes_pass_and_every_single_substitution_fails(code: str) -> None:
    assert validate_uscc(code) == code
    undetected = [
        v for v in single_substitutions(code, USCC_CHARSET) if not rejects(validate_uscc, v)
    ]
    assert undetected == []


# --- citizen ID ------------------------------------------------------------------------


def test_citizen_id_accepts_valid_number() -> None:
    assert validate_citizen_id(VALID_CITIZEN_ID) == VALID_CITIZEN_ID


def test_citizen_id_is_normalised_by_stripping_and_upper_casing_x() -> None:
    assert validate_citizen_id(" 11010519491231002x ") == VALID_CITIZEN_ID


def test_citizen_id_rejects_wrong_check_character() -> None:
    assert_rejected(validate_citizen_id, VALID_CITIZEN_ID[:-1] + "1", "citizen_id_check")


@pytest.mark.parametrize("number", ["", "110105194912310", "11010519491231002X1"])
def test_citizen_id_rejects_wrong_length(number: str) -> None:
    assert_rejected(validate_citizen_id, number, "citizen_id_length")


@pytest.mark.parametrize(
    "number", ["X1010519491231002X", "11010519491231002A", "１1010519491231002X"]
)
def test_citizen_id_rejects_anything_but_17_digits_and_a_digit_or_x(number: str) -> None:
    assert_rejected(validate_citizen_id, number, "citizen_id_format")


@pytest.mark.parametrize("birth", ["19490230", "19491301", "19490000", "17991231"])
def test_citizen_id_rejects_impossible_birth_date(birth: str) -> None:
    first17 = "110105" + birth + "002"
    number = first17 + citizen_id_check_char(first17)  # only the date is wrong
    assert_rejected(validate_citizen_id, number, "citizen_id_birth_date")


def test_citizen_id_rejects_birth_date_in_the_future() -> None:
    tomorrow = datetime.date.today() + datetime.timedelta(days=2)
    number = build_citizen_id("110105", tomorrow, "002")
    assert_rejected(validate_citizen_id, number, "citizen_id_birth_date")


def test_citizen_id_error_messages_name_the_standard() -> None:
    with pytest.raises(ValidationError) as excinfo, translation.override("en"):
        validate_citizen_id(VALID_CITIZEN_ID[:-1] + "1")
    assert "GB 11643" in excinfo.value.messages[0]


@PROPERTY_SETTINGS
@given(citizen_id_strategy)
def test_citizen_id_generated_numbers_pass_and_every_single_substitution_fails(
    number: str,
) -> None:
    assert validate_citizen_id(number) == number
    undetected = [
        v
        for v in single_substitutions(number, CITIZEN_ID_CHARSET)
        if not rejects(validate_citizen_id, v)
    ]
    assert undetected == []


# --- helpers ---------------------------------------------------------------------------


def test_weights_match_the_tables_printed_in_the_standards() -> None:
    assert USCC_WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    assert ORG_CODE_WEIGHTS == (3, 7, 9, 10, 5, 8, 4, 2)
    assert CITIZEN_ID_WEIGHTS == (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def test_check_char_helpers_reproduce_the_sample_vectors() -> None:
    assert org_code_check_char("71526726") == "X"
    assert uscc_check_char("9144030071526726X") == "G"
    assert citizen_id_check_char("11010519491231002") == "X"
    assert set(CITIZEN_ID_CHECK_CHARS) <= set(CITIZEN_ID_CHARSET)


@pytest.mark.parametrize(
    ("helper", "bad_input"),
    [
        (org_code_check_char, "7152672"),
        (org_code_check_char, "7152672-"),
        (uscc_check_char, "9144030071526726"),
        (uscc_check_char, "9144030071526726I"),
        (citizen_id_check_char, "1101051949123100"),
        (citizen_id_check_char, "1101051949123100X"),
    ],
)
def test_check_char_helpers_reject_malformed_input(
    helper: Callable[[str], str], bad_input: str
) -> None:
    with pytest.raises(ValueError):
        helper(bad_input)


# --- masking and kind ------------------------------------------------------------------


def test_mask_keeps_only_the_last_four_of_a_citizen_id() -> None:
    assert mask_identifier(VALID_CITIZEN_ID) == "**************002X"


def test_mask_hides_a_citizen_id_even_with_a_wrong_check_character() -> None:
    assert mask_identifier(VALID_CITIZEN_ID[:-1] + "1") == "**************0021"


@pytest.mark.parametrize("code", VALID_USCCS)
def test_mask_leaves_a_uscc_unchanged(code: str) -> None:
    assert mask_identifier(code) == code


@pytest.mark.parametrize("code", VALID_USCCS + INVALID_ORG_CODE_USCCS)
def test_kind_of_an_organisation_code_is_uscc(code: str) -> None:
    assert identifier_kind(code) == "uscc"


def test_kind_of_a_valid_citizen_id_is_citizen_id() -> None:
    assert identifier_kind(VALID_CITIZEN_ID.lower()) == "citizen_id"


def test_kind_of_an_all_digit_value_failing_the_citizen_id_check_is_uscc() -> None:
    assert identifier_kind(VALID_CITIZEN_ID[:-1] + "1") == "uscc"


@pytest.mark.parametrize("value", ["", "12345", "9111010855138508IQ"])
def test_kind_rejects_values_of_neither_shape(value: str) -> None:
    with pytest.raises(ValueError):
        identifier_kind(value)
