"""Field rules of the portal's forms, as a checklist a screen can show line by line.

``check(field, value, **context)`` returns one :class:`RuleCheck` per rule of the field, always the
same rules in the same order, so a form can show every rule as a line under the field that turns
from pending to ok or error while the candidate types. ``is_valid`` says whether a value may be
submitted: no failed error (warnings allowed). Messages are i18n keys ``rules.<field>.<rule>`` in
``locales/*/rules.toml``; ``rules.<field>.label`` is the field's display name.

Hand-written because the rules are the portal's own (its 請注意 box, see
``docs/portal/SPEC.md``) and must be shown one by one as they pass, which a schema validator
(pydantic, cerberus) does not do: those stop at the first error and speak their own language.
Syntax that is a standard is delegated: e-mail to ``email_validator``, mobile number type to
``phonenumbers``, common passwords to the list bundled with ``zxcvbn`` (shipped folded in
``assets/common-passwords.txt``; zxcvbn itself is a test dependency). They are loaded on first
use, which would otherwise delay the kiosk's first paint.

Why this module is long: it is the portal's rules as one table (every field, every rule, in the
order a form shows them) with a small predicate per rule; split by field, the table and the
catalog keys it promises would no longer read as the one list the portal has.

Decisions beyond the portal's text (each documented where it is made):

- No rule trims: surrounding spaces fail the field's character rule; the caller normalizes. The
  exception is ``mobile``, where spaces and hyphens are separators (see :func:`normalize_mobile`).
- ``account``: 7–30 characters counted as code points; printable half-width ASCII except space.
  Full-width and Chinese characters fail only their own rules, not also ``ascii_only``, so one
  mistake lights one line. ``not_national_id`` rejects a string that is a *valid* ID number after
  ``national_id.normalize`` (so in any case, half- or full-width); a string that merely has the ID
  shape but a wrong check digit is nobody's ID, and calling it one would be a false message.
- ``password``: see :func:`_is_common` for the common-password criterion. The context checks
  (account, national ID, e-mail, name) pass when their context is missing or too short to mean
  anything.
- ``national_id``: strict, as stored (upper-case, no spaces): callers pass
  ``national_id.normalize(value)``. Nationality ``foreign`` (or ``外國籍``) needs a resident
  number, anything else means ``TW``.
- ``chinese_name``: 2–20 characters, Han ideographs plus a middle dot between parts of a
  transliterated foreign name (史蒂夫·賈伯斯); no spaces anywhere.
- ``english_*``: passport style; lower case is only a warning because it is stored upper-cased.
- ``email``: ``email_validator`` syntax without deliverability (no DNS at a kiosk) and without
  SMTPUTF8, so a full-width local part is refused; the free-mail warning covers subdomains and
  shows as soon as the domain is typed.
- ``mobile``: numbers that ``phonenumbers`` types as PERSONAL_NUMBER (099x) are refused: the field
  exists to receive SMS, which only a mobile number is sure to do.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Literal

from kiosk.core import national_id

__all__ = [
    "FIELDS",
    "FORBIDDEN_PASSWORD_SYMBOLS",
    "FREE_MAIL_DOMAINS",
    "RuleCheck",
    "Severity",
    "check",
    "is_valid",
    "normalize_mobile",
    "rules_for",
]

Severity = Literal["error", "warning"]

FORBIDDEN_PASSWORD_SYMBOLS = '_:%"*-=~<>&|!+'
"""Symbols the portal forbids in passwords (請勿使用 _ : % " * - = ~ < > & | ! 與 + 等特殊符號)."""

FREE_MAIL_DOMAINS: frozenset[str] = frozenset(
    {
        "gmail.com", "yahoo.com", "yahoo.com.tw", "hotmail.com", "outlook.com", "live.com",
        "msn.com", "icloud.com", "me.com", "aol.com", "gmx.com", "proton.me", "protonmail.com",
        "mail.com", "qq.com", "163.com", "126.com", "yandex.com", "zoho.com", "pchome.com.tw",
        "kimo.com",
    }
)  # fmt: skip
"""Free mail providers (portal rule 4: 免費信箱易將通知信件列為垃圾郵件); subdomains count too."""

ACCOUNT_MIN_LENGTH = 7
ACCOUNT_MAX_LENGTH = 30
PASSWORD_MIN_LENGTH = 12
CHINESE_NAME_MIN_LENGTH = 2
CHINESE_NAME_MAX_LENGTH = 20
ENGLISH_NAME_MAX_LENGTH = 40
EMAIL_MAX_LENGTH = 254

_CONTEXT_MIN_LENGTH = 4
"""Account, e-mail local part or name shorter than this is not looked for inside a password."""
_ID_DIGITS_MIN_LENGTH = 6
"""The digits of a national ID are looked for inside a password only when at least this long."""


@dataclass(frozen=True)
class RuleCheck:
    """The outcome of one rule for one value.

    Attributes:
        rule: Stable rule name, e.g. ``"length"``; see :func:`rules_for`.
        ok: Whether the value satisfies the rule.
        severity: ``"error"`` blocks submitting; ``"warning"`` only informs.
        message_key: i18n key of the one-line description of the rule, ``rules.<field>.<rule>``.
    """

    rule: str
    ok: bool
    severity: Severity
    message_key: str


# --- character classes ------------------------------------------------------------------------

_PRINTABLE_ASCII = frozenset(chr(c) for c in range(0x21, 0x7F))
"""Half-width printable ASCII without the space."""
_ASCII_SYMBOLS = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")

_HAN_RANGES: tuple[tuple[int, int], ...] = (
    (0x3007, 0x3007),  # 〇
    (0x3400, 0x4DBF),  # Extension A
    (0x4E00, 0x9FFF),  # Unified Ideographs
    (0xF900, 0xFAFF),  # Compatibility Ideographs
    (0x20000, 0x323AF),  # Extensions B–H and the compatibility supplement
)
"""Han ideographs: what a Chinese name is written with."""
_OTHER_CHINESE_RANGES: tuple[tuple[int, int], ...] = (
    (0x2E80, 0x2FDF),  # radicals
    (0x3005, 0x3006),  # 々 〆
    (0x3021, 0x3029),  # Hangzhou numerals
    (0x3038, 0x303B),
    (0x3100, 0x312F),  # Bopomofo (注音)
    (0x31A0, 0x31BF),  # Bopomofo extended
)
_NAME_DOTS = frozenset("·‧・")
"""Middle dots used between the parts of a transliterated foreign name."""


def _in_ranges(ch: str, ranges: tuple[tuple[int, int], ...]) -> bool:
    code = ord(ch)
    return any(low <= code <= high for low, high in ranges)


def _is_han(ch: str) -> bool:
    return _in_ranges(ch, _HAN_RANGES)


def _is_chinese(ch: str) -> bool:
    """Han ideographs and the other Chinese script characters (radicals, 注音)."""
    return _is_han(ch) or _in_ranges(ch, _OTHER_CHINESE_RANGES)


def _is_fullwidth(ch: str) -> bool:
    """Full-width or wide characters that are not Chinese: ａ ＃ ， 。 「 」, U+3000, emoji."""
    return unicodedata.east_asian_width(ch) in ("F", "W") and not _is_chinese(ch)


# --- rule predicates --------------------------------------------------------------------------

_Predicate = Callable[[str, Mapping[str, str]], bool]


def _required(value: str, _: Mapping[str, str]) -> bool:
    return value != ""


def _account_length(value: str, _: Mapping[str, str]) -> bool:
    return ACCOUNT_MIN_LENGTH <= len(value) <= ACCOUNT_MAX_LENGTH


def _no_fullwidth(value: str, _: Mapping[str, str]) -> bool:
    return not any(_is_fullwidth(ch) for ch in value)


def _no_chinese(value: str, _: Mapping[str, str]) -> bool:
    return not any(_is_chinese(ch) for ch in value)


def _account_ascii_only(value: str, _: Mapping[str, str]) -> bool:
    # Full-width and Chinese characters are the business of their own rules.
    return all(ch in _PRINTABLE_ASCII or _is_fullwidth(ch) or _is_chinese(ch) for ch in value)


def _not_national_id(value: str, _: Mapping[str, str]) -> bool:
    return not national_id.is_valid(national_id.normalize(value))


def _password_length(value: str, _: Mapping[str, str]) -> bool:
    return len(value) >= PASSWORD_MIN_LENGTH


def _has_upper(value: str, _: Mapping[str, str]) -> bool:
    return any("A" <= ch <= "Z" for ch in value)


def _has_lower(value: str, _: Mapping[str, str]) -> bool:
    return any("a" <= ch <= "z" for ch in value)


def _has_digit(value: str, _: Mapping[str, str]) -> bool:
    return any("0" <= ch <= "9" for ch in value)


def _has_symbol(value: str, _: Mapping[str, str]) -> bool:
    # A forbidden symbol still counts here: the next line says it is forbidden.
    return any(ch in _ASCII_SYMBOLS for ch in value)


def _no_forbidden_symbols(value: str, _: Mapping[str, str]) -> bool:
    return not any(ch in FORBIDDEN_PASSWORD_SYMBOLS for ch in value)


def _ascii_only(value: str, _: Mapping[str, str]) -> bool:
    return all(ch in _PRINTABLE_ASCII for ch in value)


# Look-alike characters folded to one letter before comparing with the common-password list. The
# list is folded the same way, so "1", "i" and "l" all meet as "l".
_LEET = str.maketrans(
    {"@": "a", "4": "a", "0": "o", "1": "l", "i": "l", "!": "l", "|": "l", "3": "e", "$": "s",
     "5": "s", "7": "t", "+": "t"}
)  # fmt: skip
_COMMON_MIN_LENGTH = 4


def _fold(text: str) -> str:
    return text.lower().translate(_LEET)


class _SortedWords:
    """A sorted word list as one string and the offsets where its words start (≈ 0.4 MiB for
    the 30,000 passwords; a frozenset of them held 4.4 MiB for the life of the kiosk)."""

    def __init__(self, text: str) -> None:
        self.text = text  # one word per line, sorted, ending with a newline
        self.starts = array("I", [0])
        at = text.find("\n")
        while at >= 0:
            self.starts.append(at + 1)
            at = text.find("\n", at + 1)
        self.longest = max(
            (self.starts[n + 1] - self.starts[n] - 1 for n in range(len(self.starts) - 1)),
            default=0,
        )

    def __contains__(self, word: str) -> bool:
        low, high = 0, len(self.starts) - 1  # words [low, high)
        while low < high:
            middle = (low + high) // 2
            listed = self.text[self.starts[middle] : self.starts[middle + 1] - 1]
            if listed == word:
                return True
            if listed < word:
                low = middle + 1
            else:
                high = middle
        return False


@cache
def _common_passwords() -> _SortedWords:
    """zxcvbn's 30,000 most common passwords, folded, sorted.

    Shipped folded in ``assets/common-passwords.txt`` (``tools/make_assets.py``; zxcvbn, whose
    module holds five more lists, is a test dependency that guards the file)."""
    from kiosk.infra.assets import ASSETS

    text = (ASSETS / "common-passwords.txt").read_text(encoding="utf-8")
    return _SortedWords(text[text.index("\n") + 1 :])  # after the header line


def _is_common(password: str) -> bool:
    """Whether a common password makes up at least half of ``password``.

    The criterion: fold ``password`` (lower case; @ 4 → a, 0 → o, 1 i ! | → l, 3 → e, $ 5 → s,
    7 + → t) and look for any substring of at least half its length (and at least 4 characters)
    in zxcvbn's list of the 30,000 most common passwords, folded the same way. Digits and symbols
    around the word therefore do not hide it: ``P@ssw0rd1234#`` folds to ``passwordl2e4#`` whose
    first 8 characters are ``password``, 8 of 13. A long password that merely contains a common
    word (``MyDragonFlies#2024``) passes.

    Cost: one fold and at most a few dozen look-ups (a bisection each), as substrings longer than
    the longest listed password (20) are never looked up.
    """
    common = _common_passwords()
    longest = common.longest
    folded = _fold(password)
    size = len(folded)
    shortest = max(_COMMON_MIN_LENGTH, (size + 1) // 2)
    for length in range(shortest, min(size, longest) + 1):
        for start in range(size - length + 1):
            if folded[start : start + length] in common:
                return True
    return False


def _not_common(value: str, _: Mapping[str, str]) -> bool:
    return not _is_common(value)


def _not_account(value: str, context: Mapping[str, str]) -> bool:
    account = context.get("account", "").strip().lower()
    return len(account) < _CONTEXT_MIN_LENGTH or account not in value.lower()


def _not_password_national_id(value: str, context: Mapping[str, str]) -> bool:
    id_number = national_id.normalize(context.get("national_id", "")).lower()
    lowered = value.lower()
    if len(id_number) >= _CONTEXT_MIN_LENGTH and id_number in lowered:
        return False
    digits = id_number[len(id_number.rstrip("0123456789")) :]  # A123456789 → 123456789
    return len(digits) < _ID_DIGITS_MIN_LENGTH or digits not in lowered


def _not_email(value: str, context: Mapping[str, str]) -> bool:
    email = context.get("email", "").strip().lower()
    local = email.rpartition("@")[0]
    return len(local) < _CONTEXT_MIN_LENGTH or local not in value.lower()


def _name_parts(context: Mapping[str, str]) -> list[str]:
    """Parts of the candidate's names worth looking for inside a password, lower-cased."""
    parts = [context.get("chinese_name", "").strip()]
    for key in ("english_surname", "english_given_name"):
        name = context.get(key, "").strip().lower()
        words = re.split(r"[\s'\-]+", name)
        parts += words
        parts.append("".join(words))  # JHIH-MING → jhihming
    return [part for part in parts if len(part) >= _CONTEXT_MIN_LENGTH or any(map(_is_han, part))]


def _not_name(value: str, context: Mapping[str, str]) -> bool:
    lowered = value.lower()
    return not any(part in lowered for part in _name_parts(context) if part)


def _not_current(value: str, context: Mapping[str, str]) -> bool:
    """A new password differs from the current one (given only when changing a password)."""
    current = context.get("current_password", "")
    return not current or value != current


def _matches_password(value: str, context: Mapping[str, str]) -> bool:
    return value != "" and value == context.get("password", "")


_NATIONAL_ID_SHAPE = re.compile(r"[A-Z][1289A-D][0-9]{8}")


def _id_format(value: str, _: Mapping[str, str]) -> bool:
    return _NATIONAL_ID_SHAPE.fullmatch(value) is not None


def _id_checksum(value: str, _: Mapping[str, str]) -> bool:
    return national_id.is_valid(value)


def _is_foreign(context: Mapping[str, str]) -> bool:
    return context.get("nationality", "TW").strip().lower() in ("foreign", "外國籍")


def _id_kind(value: str, context: Mapping[str, str]) -> bool:
    # Judged on the shape alone, so a wrong kind shows before the check digit is right.
    found = national_id.shape_kind(value)
    if _is_foreign(context):
        return found in (national_id.Kind.RESIDENT_NEW, national_id.Kind.RESIDENT_OLD)
    return found is national_id.Kind.CITIZEN


def _chinese_name_length(value: str, _: Mapping[str, str]) -> bool:
    return CHINESE_NAME_MIN_LENGTH <= len(value) <= CHINESE_NAME_MAX_LENGTH


def _has_han(value: str, _: Mapping[str, str]) -> bool:
    return any(_is_han(ch) for ch in value)


def _chinese_only(value: str, _: Mapping[str, str]) -> bool:
    # Han characters; a middle dot only between two of them (史蒂夫·賈伯斯). No spaces.
    previous_is_dot = True  # a dot may not come first
    for ch in value:
        if ch in _NAME_DOTS:
            if previous_is_dot:
                return False
            previous_is_dot = True
        elif _is_han(ch):
            previous_is_dot = False
        else:
            return False
    return value == "" or not previous_is_dot


_ENGLISH_NAME = re.compile(r"[A-Za-z]+(?:[ '\-][A-Za-z]+)*")


def _english_length(value: str, _: Mapping[str, str]) -> bool:
    return len(value) <= ENGLISH_NAME_MAX_LENGTH


def _letters_only(value: str, _: Mapping[str, str]) -> bool:
    return value == "" or _ENGLISH_NAME.fullmatch(value) is not None


def _upper_case(value: str, _: Mapping[str, str]) -> bool:
    return not any("a" <= ch <= "z" for ch in value)


def _email_length(value: str, _: Mapping[str, str]) -> bool:
    return len(value) <= EMAIL_MAX_LENGTH


@lru_cache(maxsize=64)
def _email_domain(value: str) -> str | None:
    """The ASCII domain of a syntactically valid address, or None.

    SMTPUTF8 (a non-ASCII local part) is refused: a full-width local part is almost always an IME
    accident, and delivery relays seldom support it. A full-width or internationalized *domain* is
    fine; it is normalized. Cached (a little) because every keystroke checks the same value twice.
    """
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(value, check_deliverability=False, allow_smtputf8=False).ascii_domain
    except (EmailNotValidError, ValueError, UnicodeError):
        return None


def _email_syntax(value: str, _: Mapping[str, str]) -> bool:
    return len(value) <= EMAIL_MAX_LENGTH and _email_domain(value) is not None


def _not_free_mail(value: str, _: Mapping[str, str]) -> bool:
    domain = _email_domain(value) if len(value) <= EMAIL_MAX_LENGTH else None
    if domain is None:
        # The raw domain, so the warning shows while the address is still being typed.
        domain = value.rpartition("@")[2].strip().lower().rstrip(".")
    return not any(domain == free or domain.endswith("." + free) for free in FREE_MAIL_DOMAINS)


_MOBILE = re.compile(r"(?:\+886|0)(9[0-9]{8})")
_MOBILE_SEPARATORS = str.maketrans(
    {
        **{chr(0xFF10 + i): str(i) for i in range(10)},  # full-width digits
        "＋": "+",
        **dict.fromkeys("-‐‑‒–—−－ \t\u3000", None),
    }
)


def _mobile_national(value: str) -> str | None:
    """The 9 national digits (``9xxxxxxxx``) when ``value`` has the mobile format, else None."""
    found = _MOBILE.fullmatch(value.translate(_MOBILE_SEPARATORS))
    return found.group(1) if found else None


def _mobile_format(value: str, _: Mapping[str, str]) -> bool:
    return _mobile_national(value) is not None


def _mobile_type(value: str, _: Mapping[str, str]) -> bool:
    national = _mobile_national(value)
    if national is None:
        return False
    import phonenumbers

    # MOBILE only: PERSONAL_NUMBER (099x) may not receive SMS; see the module docstring.
    number = phonenumbers.parse("0" + national, "TW")
    return phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE


def normalize_mobile(value: str) -> str:
    """The stored form of a Taiwan mobile number.

    Spaces and hyphens (half- or full-width) are removed and full-width digits converted; ``+886``
    becomes ``0``.

    Args:
        value: What the candidate typed, e.g. ``"0912-345-678"`` or ``"+886 912 345 678"``.

    Returns:
        ``"09xxxxxxxx"``, or ``""`` when the value does not pass the mobile rules.
    """
    if not _mobile_type(value, {}):
        return ""
    national = _mobile_national(value)
    return "0" + national if national else ""


# --- the table --------------------------------------------------------------------------------

_Rule = tuple[str, Severity, _Predicate]

_RULES: dict[str, tuple[_Rule, ...]] = {
    "account": (
        ("required", "error", _required),
        ("length", "error", _account_length),
        ("no_fullwidth", "error", _no_fullwidth),
        ("no_chinese", "error", _no_chinese),
        ("ascii_only", "error", _account_ascii_only),
        ("not_national_id", "error", _not_national_id),
    ),
    "password": (
        ("required", "error", _required),
        ("length", "error", _password_length),
        ("has_upper", "error", _has_upper),
        ("has_lower", "error", _has_lower),
        ("has_digit", "error", _has_digit),
        ("has_symbol", "error", _has_symbol),
        ("no_forbidden_symbols", "error", _no_forbidden_symbols),
        ("ascii_only", "error", _ascii_only),
        ("not_common", "error", _not_common),
        ("not_account", "error", _not_account),
        ("not_national_id", "error", _not_password_national_id),
        ("not_email", "error", _not_email),
        ("not_name", "error", _not_name),
    ),
    "password_confirm": (
        ("required", "error", _required),
        ("matches", "error", _matches_password),
    ),
    "national_id": (
        ("required", "error", _required),
        ("format", "error", _id_format),
        ("checksum", "error", _id_checksum),
        ("kind", "error", _id_kind),
    ),
    "chinese_name": (
        ("required", "error", _required),
        ("length", "error", _chinese_name_length),
        ("has_han", "error", _has_han),
        ("chinese_only", "error", _chinese_only),
    ),
    "english_surname": (
        ("required", "error", _required),
        ("length", "error", _english_length),
        ("letters_only", "error", _letters_only),
        ("upper_case", "warning", _upper_case),
    ),
    "english_given_name": (
        ("required", "error", _required),
        ("length", "error", _english_length),
        ("letters_only", "error", _letters_only),
        ("upper_case", "warning", _upper_case),
    ),
    "email": (
        ("required", "error", _required),
        ("length", "error", _email_length),
        ("syntax", "error", _email_syntax),
        ("not_free_mail", "warning", _not_free_mail),
    ),
    "mobile": (
        ("required", "error", _required),
        ("format", "error", _mobile_format),
        ("mobile_type", "error", _mobile_type),
    ),
}

# Changing a password: the password rules plus one of its own, listed only there (on login and
# registration there is no current password to differ from). Its lines are the password's.
_RULES["new_password"] = (*_RULES["password"], ("not_current", "error", _not_current))
_CATALOG_SECTION = {"new_password": "password"}

FIELDS: tuple[str, ...] = tuple(_RULES)
"""Every field that has rules, in the registration form's order of importance."""


def _rules(field: str) -> tuple[_Rule, ...]:
    try:
        return _RULES[field]
    except KeyError:
        raise ValueError(f"unknown field {field!r}; expected one of {FIELDS}") from None


def rules_for(field: str) -> list[str]:
    """The rule names of ``field``, in display order.

    Args:
        field: One of :data:`FIELDS`.

    Returns:
        The same names, in the same order, as the ``rule`` of every :func:`check` result.

    Raises:
        ValueError: ``field`` is not one of :data:`FIELDS` (a programming error).
    """
    return [name for name, _, _ in _rules(field)]


def check(field: str, value: str, **context: str) -> list[RuleCheck]:
    """Check ``value`` against every rule of ``field``.

    Fast enough for every keystroke (tens of microseconds; the first password check loads the
    common-password list, ≈ 60 ms).

    Args:
        field: One of :data:`FIELDS`.
        value: The value exactly as typed; any string.
        **context: Other values of the form some rules compare with: ``account``,
            ``chinese_name``, ``english_surname``, ``english_given_name``, ``email`` and
            ``national_id`` for ``password`` (and ``current_password`` when changing it);
            ``password`` for ``password_confirm``;
            ``nationality`` (``"TW"`` or ``"foreign"``) for ``national_id``. Unknown keys are
            ignored; a missing one makes its rule pass.

    Returns:
        One :class:`RuleCheck` per rule, in the order of :func:`rules_for`.

    Raises:
        ValueError: ``field`` is not one of :data:`FIELDS`. Never raised for any ``value``.
    """
    return [
        RuleCheck(
            rule=name,
            ok=predicate(value, context),
            severity=severity,
            message_key=message_key(field, name),
        )
        for name, severity, predicate in _rules(field)
    ]


def message_key(field: str, rule: str) -> str:
    """The catalog key of a rule's line (``new_password`` shares the ``password`` lines)."""
    return f"rules.{_CATALOG_SECTION.get(field, field)}.{rule}"


def forget_typed_values() -> None:
    """Drop what the rules cached of the values checked (the e-mail addresses a candidate typed,
    every prefix of them): called when a session ends, so none of it outlives the session."""
    _email_domain.cache_clear()


def is_valid(field: str, value: str, **context: str) -> bool:
    """Whether ``value`` may be submitted: no error rule fails (warnings are allowed).

    Args:
        field: One of :data:`FIELDS`.
        value: The value exactly as it will be stored.
        **context: As for :func:`check`.

    Returns:
        True when every rule of severity ``"error"`` is ok.

    Raises:
        ValueError: ``field`` is not one of :data:`FIELDS`.
    """
    return all(result.ok for result in check(field, value, **context) if result.severity == "error")
