"""Taiwan national ID numbers and resident certificate (UI) numbers: checksum, kind, mask.

Hand-written because no maintained PyPI package validates Taiwan ID numbers (see the field notes),
and the algorithm is twenty lines: a table of letter values and one weighted sum. Three kinds share
the layout "letter + 9 characters" and the same checksum:

- ``citizen``: national ID card, second character ``1`` or ``2`` (e.g. ``A123456789``);
- ``resident_new``: resident certificate UI number issued since 2021-01-02, second character
  ``8`` or ``9``;
- ``resident_old``: old resident certificate, letter + ``A``–``D`` + 8 digits (valid until
  2031-01-01); the units digit of the second letter's value takes a digit's place in the sum.

Checksum: the first letter's value gives two digits (tens ×1, units ×9), the 8 middle characters
are weighted 8…1 and the check digit 1; the total is a multiple of 10.

Every function takes any string and never raises. :func:`is_valid` is strict (upper-case, no
spaces); callers pass user input through :func:`normalize` first.
"""

from __future__ import annotations

import re
from enum import StrEnum

__all__ = [
    "LETTER_VALUES",
    "Kind",
    "is_valid",
    "kind",
    "mask",
    "mask_national_ids",
    "normalize",
    "shape_kind",
]

LETTER_VALUES: dict[str, int] = {
    "A": 10, "B": 11, "C": 12, "D": 13, "E": 14, "F": 15, "G": 16, "H": 17, "I": 34,
    "J": 18, "K": 19, "L": 20, "M": 21, "N": 22, "O": 35, "P": 23, "Q": 24, "R": 25,
    "S": 26, "T": 27, "U": 28, "V": 29, "W": 32, "X": 30, "Y": 31, "Z": 33,
}  # fmt: skip
"""Value of the first letter (the issuing place) in the checksum."""

# [0-9], not \d: \d also matches Arabic-Indic and full-width digits.
_SHAPE = re.compile(r"[A-Z][1289A-D][0-9]{8}")
_WEIGHTS = (1, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1)

_MASK_KEEP_HIDDEN = 4

# Full-width letters and digits (U+FF10… U+FF5A) to half-width upper case, and a–z to A–Z. Only
# ASCII is upper-cased: str.upper() would turn the dotless ı into I and the long ſ into S.
_NORMALIZE = str.maketrans(
    {
        **{chr(0xFF10 + i): str(i) for i in range(10)},
        **{chr(0xFF21 + i): chr(0x41 + i) for i in range(26)},
        **{chr(0xFF41 + i): chr(0x41 + i) for i in range(26)},
        **{chr(0x61 + i): chr(0x41 + i) for i in range(26)},
    }
)


class Kind(StrEnum):
    """Which document an ID number belongs to."""

    CITIZEN = "citizen"
    """National ID card of a Taiwanese citizen (second character 1 or 2)."""
    RESIDENT_NEW = "resident_new"
    """Resident certificate UI number, new style (second character 8 or 9)."""
    RESIDENT_OLD = "resident_old"
    """Resident certificate, old style (second character A–D)."""


def _digits(text: str) -> list[int]:
    """The 11 checksum digits of a string that already has the ID shape."""
    first = LETTER_VALUES[text[0]]
    second = text[1]
    second_digit = LETTER_VALUES[second] % 10 if second.isalpha() else int(second)
    return [first // 10, first % 10, second_digit, *(int(ch) for ch in text[2:])]


def is_valid(text: str) -> bool:
    """Whether ``text`` is a valid ID number of any :class:`Kind`.

    Args:
        text: The candidate string, exactly as it will be stored: upper-case, no spaces. Lower-case
            letters, full-width characters and surrounding spaces make it invalid; use
            :func:`normalize` first on user input.

    Returns:
        True when the shape is right and the checksum is a multiple of 10.
    """
    if _SHAPE.fullmatch(text) is None:
        return False
    total = sum(w * d for w, d in zip(_WEIGHTS, _digits(text), strict=True))
    return total % 10 == 0


def shape_kind(text: str) -> Kind | None:
    """The kind the format of ``text`` claims, without verifying the checksum.

    Lets a form say "this is a resident number, but you chose Taiwanese" before the last digit is
    right.

    Args:
        text: The candidate string (strict, as for :func:`is_valid`).

    Returns:
        The kind given by the second character, or None when the shape is wrong.
    """
    if _SHAPE.fullmatch(text) is None:
        return None
    second = text[1]
    if second in "12":
        return Kind.CITIZEN
    if second in "89":
        return Kind.RESIDENT_NEW
    return Kind.RESIDENT_OLD


def kind(text: str) -> Kind | None:
    """The kind of a valid ID number.

    Args:
        text: The candidate string (strict, as for :func:`is_valid`).

    Returns:
        The :class:`Kind`, or None when ``text`` is not a valid ID number.
    """
    return shape_kind(text) if is_valid(text) else None


def mask(text: str) -> str:
    """Hide the last 4 characters with ``*``, as Taiwan government guidance asks for screens.

    Args:
        text: Any string; normally a normalized ID number.

    Returns:
        ``text`` with its last 4 characters replaced (``A123456789`` -> ``A12345****``); a string of
        4 characters or fewer is masked entirely.
    """
    hidden = min(len(text), _MASK_KEEP_HIDDEN)
    return text[: len(text) - hidden] + "*" * hidden


def normalize(text: str) -> str:
    """Turn what a candidate typed into the stored form of an ID number.

    Removes every whitespace character, inside or around (ID numbers never contain one; this
    includes the full-width space U+3000 an IME inserts), converts full-width letters and digits to
    half-width and upper-cases ASCII letters. Anything else is left alone, so the result of odd
    input is still odd and :func:`is_valid` rejects it.

    Args:
        text: Any string.

    Returns:
        The normalized string; not necessarily a valid ID number.
    """
    return "".join(ch for ch in text if not ch.isspace()).translate(_NORMALIZE)


# Anything a person might type for an ID number: a letter, then 1/2/8/9/A-D, then 8 digits, in
# either case, half- or full-width, with an optional space or hyphen between characters.
_ID_TYPED = re.compile(
    r"[A-Za-z\uff21-\uff3a\uff41-\uff5a][\s-]?"
    r"[1289A-Da-d\uff11\uff12\uff18\uff19\uff21-\uff24\uff41-\uff44]"
    r"(?:[\s-]?[0-9\uff10-\uff19]){8}"
)
_ID_OVERLAPPING = re.compile(f"(?=({_ID_TYPED.pattern}))")


def mask_national_ids(text: str) -> str:
    """``text`` with every ID-number-shaped token masked (``A12345****``), checksum or not.

    For free text a staff member or a unit's file supplies (an action's reason, a unit name, a
    file name) before it reaches an audit row: the log never holds a full ID number. Tokens may
    overlap ("card A123456789": "dA12345678" has the shape too), so every placement is found and
    the likeliest win: a valid checksum first, then one that starts a word, then the earliest.
    It lives here, in a module that imports nothing, so the operator log (``kiosk.core.oplog``) can
    use it on the kiosk's first-paint path; ``kiosk.core.helpdesk.staff_accounts`` re-exports it.
    """
    found = []
    for match in _ID_OVERLAPPING.finditer(text):
        start, raw = match.start(), match.group(1)
        token = normalize(raw).replace("-", "")
        if shape_kind(token) is None:
            continue
        word_start = start == 0 or not text[start - 1].isalnum()
        rank = (not is_valid(token), not word_start, start)
        found.append((rank, start, start + len(raw), mask(token)))
    chosen: list[tuple[int, int, str]] = []
    for _rank, start, end, masked in sorted(found):
        if all(end <= s or start >= e for s, e, _ in chosen):
            chosen.append((start, end, masked))
    for start, end, masked in sorted(chosen, reverse=True):
        text = text[:start] + masked + text[end:]
    return text
