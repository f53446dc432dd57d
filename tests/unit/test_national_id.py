"""Taiwan ID numbers: checksum, kind, mask and normalize, against an independent implementation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.core import national_id
from kiosk.core.national_id import Kind

# The textbook derivation of the letter values: letters in this order are worth 10, 11, … 35
# (the late-added I, O, W, X, Y, Z moved to the end). Independent of the module's table.
_LETTER_ORDER = "ABCDEFGHJKLMNPQRSTUVXYWZIO"


def reference_value(letter: str) -> int:
    return 10 + _LETTER_ORDER.index(letter)


def reference_check_digit(first9: str) -> str:
    """The check digit that completes ``first9`` (letter + 8 characters), computed longhand."""
    value = reference_value(first9[0])
    second = first9[1]
    second_digit = reference_value(second) % 10 if second.isalpha() else int(second)
    total = value // 10 * 1 + value % 10 * 9 + second_digit * 8
    for weight, ch in zip(range(7, 0, -1), first9[2:], strict=True):
        total += int(ch) * weight
    return str((10 - total % 10) % 10)


def complete(first9: str) -> str:
    return first9 + reference_check_digit(first9)


letters = st.sampled_from(_LETTER_ORDER)
seven_digits = st.text(alphabet="0123456789", min_size=7, max_size=7)


@st.composite
def valid_ids(draw: st.DrawFn, seconds: str = "1289ABCD") -> str:
    return complete(draw(letters) + draw(st.sampled_from(seconds)) + draw(seven_digits))


def test_letter_table_matches_the_textbook_order() -> None:
    assert {ch: reference_value(ch) for ch in _LETTER_ORDER} == national_id.LETTER_VALUES


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A=10 → 1×1 + 0×9 = 1; 1…8 weighted 8…1 = 120; 1 + 120 + 9 = 130.
        ("A123456789", Kind.CITIZEN),
        # B=11 → 1 + 9 = 10; 10 + 120 = 130, so the check digit is 0.
        ("B123456780", Kind.CITIZEN),
        # I=34 → 3 + 36 = 39; 39 + 120 = 159, so 1.
        ("I123456781", Kind.CITIZEN),
        # A → 1; 2×8 = 16; 2345678 weighted 7…1 = 112; 129, so 1.
        ("A223456781", Kind.CITIZEN),
        # A → 1; 8×8 = 64; 0000001 → 1; 66, so 4.
        ("A800000014", Kind.RESIDENT_NEW),
        # A → 1; 9×8 = 72; 1; 74, so 6.
        ("A900000016", Kind.RESIDENT_NEW),
        # A → 1; C=12, units 2, ×8 = 16; 0123456 weighted 7…1 = 56; 73, so 7.
        ("AC01234567", Kind.RESIDENT_OLD),
        # Z=33 → 3 + 27 = 30; D=13, units 3, ×8 = 24; 0000000; 54, so 6.
        ("ZD00000006", Kind.RESIDENT_OLD),
    ],
)
def test_hand_computed_vectors(text: str, expected: Kind) -> None:
    assert reference_check_digit(text[:9]) == text[9]
    assert national_id.is_valid(text)
    assert national_id.kind(text) is expected
    assert national_id.kind(text) == expected.value


@pytest.mark.parametrize(
    "text",
    [
        "A123456788",  # wrong check digit
        "A123456780",
        "B123456789",  # right digits, other letter
        "a123456789",  # lower case
        "A12345678",  # 9 characters
        "A1234567890",  # 11 characters
        "A323456789",  # second character 3: no such kind
        "A023456789",
        "AE01234567",  # old resident letters are A–D only
        "ac01234567",
        "1123456789",
        " A123456789",  # no trimming
        "A123456789\n",
        "Ａ１２３４５６７８９",  # full-width
        "A12345678٩",  # Arabic-Indic digit nine
        "",
    ],
)
def test_invalid(text: str) -> None:
    assert not national_id.is_valid(text)
    assert national_id.kind(text) is None


@given(valid_ids())
def test_generated_ids_are_valid_and_every_other_check_digit_is_not(text: str) -> None:
    assert national_id.is_valid(text)
    for digit in "0123456789":
        if digit != text[9]:
            assert not national_id.is_valid(text[:9] + digit)


@given(valid_ids("12"))
def test_citizen(text: str) -> None:
    assert national_id.kind(text) is Kind.CITIZEN


@given(valid_ids("89"))
def test_resident_new(text: str) -> None:
    assert national_id.kind(text) is Kind.RESIDENT_NEW


@given(valid_ids("ABCD"))
def test_resident_old(text: str) -> None:
    assert national_id.kind(text) is Kind.RESIDENT_OLD
    assert national_id.shape_kind(text) is Kind.RESIDENT_OLD


@given(valid_ids())
def test_lower_case_is_invalid(text: str) -> None:
    assert not national_id.is_valid(text.lower())
    assert national_id.is_valid(national_id.normalize(text.lower()))


def test_shape_kind_ignores_the_check_digit() -> None:
    assert national_id.shape_kind("A123456788") is Kind.CITIZEN
    assert national_id.shape_kind("A923456788") is Kind.RESIDENT_NEW
    assert national_id.shape_kind("A323456788") is None


@given(st.text())
def test_never_raises(text: str) -> None:
    assert isinstance(national_id.is_valid(text), bool)
    assert national_id.kind(text) in (None, *Kind)
    assert national_id.shape_kind(text) in (None, *Kind)
    assert len(national_id.mask(text)) == len(text)
    assert national_id.normalize(national_id.normalize(text)) == national_id.normalize(text)


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcd0123456789", min_size=10, max_size=10))
def test_agrees_with_the_reference(text: str) -> None:
    shaped = text[0].isupper() and (text[1] in "1289ABCD") and text[2:].isdigit()
    expected = shaped and reference_check_digit(text[:9]) == text[9]
    assert national_id.is_valid(text) is expected


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("A123456789", "A12345****"),
        ("AC01234567", "AC0123****"),
        ("12345", "1****"),
        ("1234", "****"),
        ("ab", "**"),
        ("", ""),
        ("身分證號碼", "身****"),
    ],
)
def test_mask(text: str, masked: str) -> None:
    assert national_id.mask(text) == masked


@pytest.mark.parametrize(
    ("text", "normalized"),
    [
        ("a123456789", "A123456789"),
        ("  A123456789 ", "A123456789"),
        ("\u3000Ａ１２３４５６７８９\u3000", "A123456789"),
        ("ａｃ01234567", "AC01234567"),
        ("A 1234 56789\t", "A123456789"),
        ("ı123456789", "ı123456789"),  # dotless i is not an ASCII letter: left alone
    ],
)
def test_normalize(text: str, normalized: str) -> None:
    assert national_id.normalize(text) == normalized
