"""kiosk.core.passwords with real bcrypt: cost 4 for speed, plus the default cost once."""

from __future__ import annotations

import importlib
from collections.abc import Callable

import bcrypt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.core import passwords
from kiosk.core.passwords import (
    DEFAULT_ROUNDS,
    DUMMY_HASH,
    burn_dummy,
    dummy_hash,
    hash_password,
    hash_rounds,
    needs_rehash,
    temporary_password,
    verify_password,
)

FAST = 4
FORBIDDEN_SYMBOLS = set('_:%"*-=~<>&|!+')
LOOK_ALIKES = set("0Oo1lI")
ALLOWED_SYMBOLS = set("#$@?")


def _rules_check() -> Callable[[str], bool] | None:
    """``rules.is_valid("password", …)`` when kiosk.core.rules exists and imports, else None."""
    try:
        rules = importlib.import_module("kiosk.core.rules")
        is_valid = rules.is_valid
    except Exception:
        return None

    def check(password: str) -> bool:
        return bool(is_valid("password", password))

    return check


def test_round_trip() -> None:
    stored = hash_password("Secret#Pass2024", rounds=FAST)
    assert stored.startswith("$2b$04$") and len(stored) == 60
    assert verify_password("Secret#Pass2024", stored)
    assert not verify_password("secret#Pass2024", stored)
    assert not verify_password("", stored)


def test_default_cost_and_dummy_hash() -> None:
    stored = hash_password("Secret#Pass2024")
    assert hash_rounds(stored) == DEFAULT_ROUNDS == 12
    assert verify_password("Secret#Pass2024", stored)
    # The dummy hash of unknown accounts costs what a real one does, and matches nothing typed.
    assert hash_rounds(DUMMY_HASH) == DEFAULT_ROUNDS
    assert dummy_hash() == DUMMY_HASH
    assert not verify_password("Secret#Pass2024", DUMMY_HASH)


def test_dummy_hash_is_made_once_per_cost() -> None:
    made = dummy_hash(FAST)
    assert hash_rounds(made) == FAST
    assert dummy_hash(FAST) is made
    burn_dummy("anything", FAST)
    burn_dummy("長" * 40, FAST)  # pre-hashed like a real check: no ValueError


def test_salted() -> None:
    assert hash_password("same", rounds=FAST) != hash_password("same", rounds=FAST)


def test_short_passwords_stay_plain_bcrypt() -> None:
    seventy_two = "密碼" * 12  # 72 bytes in UTF-8: the most bcrypt takes
    stored = hash_password(seventy_two, rounds=FAST)
    assert bcrypt.checkpw(seventy_two.encode(), stored.encode())


def test_long_passwords_are_not_truncated() -> None:
    long = "長" * 25  # 75 bytes: bcrypt 5 raises, older bcrypt truncated silently
    stored = hash_password(long, rounds=FAST)
    assert verify_password(long, stored)
    assert not verify_password("長" * 24, stored)  # its first 72 bytes
    assert not verify_password(long + "x", stored)
    same_start = "a" * 72
    stored = hash_password(same_start + "1", rounds=FAST)
    assert not verify_password(same_start + "2", stored)
    assert not verify_password(same_start, stored)


def test_nul_does_not_end_the_password() -> None:
    # Plain bcrypt stops at NUL, so "a" and "a\0a" would verify against each other.
    stored = hash_password("a", rounds=FAST)
    assert not verify_password("a\0a", stored)
    stored = hash_password("", rounds=FAST)
    assert not verify_password("\0", stored)
    stored = hash_password("a\0b", rounds=FAST)
    assert verify_password("a\0b", stored)
    assert not verify_password("a\0c", stored)


def test_lone_surrogates_hash_and_verify() -> None:
    stored = hash_password("pw\ud800", rounds=FAST)
    assert verify_password("pw\ud800", stored)
    assert not verify_password("pw\ud801", stored)


@pytest.mark.parametrize(
    "stored",
    [None, "", "garbage", "$2b$04$short", "$2b$04$" + "a" * 53, "密碼", "$2b$99$" + "." * 53],
)
def test_verify_refuses_bad_hashes_without_raising(stored: str | None) -> None:
    assert verify_password("Secret#Pass2024", stored) is False


@settings(max_examples=60, deadline=None)
@given(st.text())
def test_any_password_hashes_and_verifies(password: str) -> None:
    stored = hash_password(password, rounds=FAST)
    assert verify_password(password, stored)
    assert not verify_password(password + "x", stored)


@settings(max_examples=200, deadline=None)
@given(st.text(), st.one_of(st.none(), st.text()))
def test_verify_never_raises(password: str, stored: str | None) -> None:
    assert verify_password(password, stored) in (True, False)


def test_needs_rehash() -> None:
    stored = hash_password("Secret#Pass2024", rounds=FAST)
    assert not needs_rehash(stored, FAST)
    assert needs_rehash(stored, FAST + 1)
    assert not needs_rehash(DUMMY_HASH)
    assert needs_rehash("garbage", FAST)
    assert needs_rehash(None, FAST)
    assert hash_rounds("garbage") is None


def test_temporary_passwords_meet_the_rules() -> None:
    rules_check = _rules_check()
    generated = [temporary_password(accept=rules_check) for _ in range(2_000)]
    assert len(set(generated)) == len(generated)
    for password in generated:
        assert len(password) == 14
        assert any(ch.isupper() for ch in password)
        assert any(ch.islower() for ch in password)
        assert any(ch.isdigit() for ch in password)
        assert any(ch in ALLOWED_SYMBOLS for ch in password)
        assert password.isascii() and password.isprintable() and " " not in password
        assert not set(password) & FORBIDDEN_SYMBOLS
        assert not set(password) & LOOK_ALIKES
        if rules_check is not None:
            assert rules_check(password)


def test_temporary_password_without_accept_has_every_class() -> None:
    for _ in range(2_000):
        password = temporary_password(12)
        assert len(password) == 12
        assert set(password) & set(passwords.TEMPORARY_UPPER)
        assert set(password) & set(passwords.TEMPORARY_LOWER)
        assert set(password) & set(passwords.TEMPORARY_DIGITS)
        assert set(password) & ALLOWED_SYMBOLS
        assert not set(password) & (FORBIDDEN_SYMBOLS | LOOK_ALIKES)


def test_temporary_password_length() -> None:
    assert len(temporary_password(30)) == 30
    with pytest.raises(ValueError):
        temporary_password(11)


def test_temporary_password_accept_is_retried_then_gives_up() -> None:
    seen: list[str] = []

    def second_one(password: str) -> bool:
        seen.append(password)
        return len(seen) == 2

    assert temporary_password(accept=second_one) == seen[1]
    with pytest.raises(RuntimeError):
        temporary_password(accept=lambda _: False)


def test_temporary_password_verifies_after_hashing() -> None:
    password = temporary_password()
    assert verify_password(password, hash_password(password, rounds=FAST))
