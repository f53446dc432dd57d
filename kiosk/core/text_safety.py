"""What typed or imported text may hold before it is stored, and how long it may be before any
per-character rule looks at it.

A kiosk's text ends up on other people's screens (the help desk's console, the candidate's own
pages), in the audit log and in exported CSV files. A character that changes how the rest is shown
— a terminal escape (ESC, OSC 52 clipboard writes), a bidi override (U+202E, U+2066…), a zero-width
joiner, a NUL, a lone surrogate — is never something a person meant to register, so every writer
refuses it with a field message (:func:`has_unsafe`), and the audit keeps a visible stand-in
(:func:`scrub`) for what it must record anyway.

Written by hand: the rule is Unicode's general categories, which ``unicodedata`` gives; no library
packages this particular cut.
"""

from __future__ import annotations

import unicodedata

MAX_INPUT = 1000
"""No field of the portal is longer than 254 characters (an e-mail); anything longer than this is
refused whole before a per-character rule runs (a million-character account once cost 2 s)."""

UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
"""Controls (ESC, NUL, tab, newline…), format characters (bidi overrides and isolates, zero-width
joiners, the BOM), lone surrogates, and the line and paragraph separators."""

STAND_IN = "\ufffd"
UNSAFE_KEY = "accounts.unsafe_chars"
TOO_LONG_KEY = "accounts.too_long"


def is_unsafe(ch: str) -> bool:
    """Whether one character may not be stored (see :data:`UNSAFE_CATEGORIES`)."""
    return unicodedata.category(ch) in UNSAFE_CATEGORIES


def has_unsafe(text: str) -> bool:
    """Whether ``text`` holds a character that may not be stored."""
    return not text.isprintable() and any(is_unsafe(ch) for ch in text)


def scrub(text: str) -> str:
    """``text`` with every unsafe character replaced by U+FFFD: for what must be recorded even
    when it is hostile (an audit detail, a log line). Fast for the common, clean case."""
    if text.isprintable():
        return text
    return "".join(STAND_IN if is_unsafe(ch) else ch for ch in text)


def problem(text: str, *, limit: int = MAX_INPUT) -> str | None:
    """The catalog key of what is wrong with ``text`` as a whole (too long, unsafe characters),
    or None. Checked before any per-field rule."""
    if len(text) > limit:
        return TOO_LONG_KEY
    if has_unsafe(text):
        return UNSAFE_KEY
    return None
