"""Password hashing (bcrypt) and temporary passwords.

Hand-written on top of the ``bcrypt`` package because passlib breaks with bcrypt 5, and bcrypt 5
itself needs three things it does not do:

* It raises ``ValueError`` for passwords over 72 bytes (25 CJK characters are 75 bytes in UTF-8),
  and bcrypt treats a NUL byte as a terminator, so ``"a"`` and ``"a\\0a"`` verify against each
  other. Such passwords are *pre-hashed*: the bcrypt input is the base64 of their SHA-256 (44
  bytes, no NUL). The choice depends only on the password's own bytes (over 72 bytes, or any NUL),
  so verification makes the same choice and needs no flag stored with the hash. Every password of
  72 bytes or fewer without NUL is hashed as is, so the hashes stay plain bcrypt.
* Verification must never raise: a ``None``, empty or corrupt stored hash is simply ``False``.
* Unknown accounts must cost the same bcrypt time as known ones: :func:`burn_dummy` checks the
  password against a dummy hash made at the same cost (as the FastAPI full-stack template's
  ``authenticate()`` does).

``str`` passwords are encoded as UTF-8 with ``surrogatepass``, so even lone surrogates (which a
paste can deliver) hash and verify instead of raising.

bcrypt is slow on purpose (cost 12 ≈ 230 ms here): call these functions from a worker thread.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
import secrets
from collections.abc import Callable

import bcrypt

DEFAULT_ROUNDS = 12
"""bcrypt cost of new hashes; the kiosk takes it from ``Settings.bcrypt_rounds``."""

BCRYPT_MAX_BYTES = 72

DUMMY_HASH = "$2b$12$gouQRaZInFhtK4Lw0U30rOSNjPjAB3oelDiI1Kf5hw7T6RBj.zsKG"
"""A bcrypt hash at :data:`DEFAULT_ROUNDS` of a random password that was thrown away.

A literal, so importing this module costs no bcrypt time; :func:`dummy_hash` makes one for any
other cost on first use.
"""

TEMPORARY_PASSWORD_MIN_LENGTH = 12
"""The portal's password rule: at least 12 characters."""

# Look-alikes (0 O o 1 l I) are left out: temporary passwords are read off an SMS or an e-mail and
# typed on a kiosk keyboard.
TEMPORARY_UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ"
TEMPORARY_LOWER = "abcdefghijkmnpqrstuvwxyz"
TEMPORARY_DIGITS = "23456789"
# The portal forbids _ : % " * - = ~ < > & | ! +; these four are allowed and survive SMS and e-mail.
TEMPORARY_SYMBOLS = "#$@?"

_HASH_RE = re.compile(r"\$2[abxy]\$(\d{2})\$[./A-Za-z0-9]{53}")
_system_random = secrets.SystemRandom()
_TEMPORARY_ATTEMPTS = 100


def _password_bytes(password: str) -> bytes:
    """The bytes bcrypt sees: UTF-8, pre-hashed when bcrypt cannot take them as they are."""
    raw = password.encode("utf-8", "surrogatepass")
    if len(raw) > BCRYPT_MAX_BYTES or b"\0" in raw:
        return base64.b64encode(hashlib.sha256(raw).digest())
    return raw


def hash_password(password: str, rounds: int = DEFAULT_ROUNDS) -> str:
    """Hash a password with bcrypt.

    Args:
        password: Any string; long, NUL-containing and surrogate-containing ones included.
        rounds: bcrypt cost (4–31); each step doubles the time.

    Returns:
        The bcrypt hash as ASCII text (``$2b$<cost>$…``, 60 characters).

    Raises:
        ValueError: ``rounds`` is outside bcrypt's range.
    """
    return bcrypt.hashpw(_password_bytes(password), bcrypt.gensalt(rounds)).decode("ascii")


def verify_password(password: str, password_hash: str | None) -> bool:
    """Check a password against a stored hash; never raises.

    For an account that does not exist, call :func:`burn_dummy` instead, so the answer takes as long
    as a real check: returning ``False`` for a ``None`` hash is immediate.

    Args:
        password: What the candidate typed.
        password_hash: The stored hash; ``None``, empty or corrupt gives ``False``.

    Returns:
        Whether the password matches.
    """
    if not isinstance(password, str) or not isinstance(password_hash, str) or not password_hash:
        return False
    try:
        return bcrypt.checkpw(_password_bytes(password), password_hash.encode("ascii"))
    except (ValueError, TypeError, UnicodeError):
        return False


@functools.cache
def dummy_hash(rounds: int = DEFAULT_ROUNDS) -> str:
    """A hash of a random, discarded password at cost ``rounds``, made once per cost.

    The first call for a cost other than :data:`DEFAULT_ROUNDS` spends one extra bcrypt run: warm it
    up (in a worker) at start-up when the kiosk runs at another cost.
    """
    if rounds == DEFAULT_ROUNDS:
        return DUMMY_HASH
    return hash_password(secrets.token_urlsafe(24), rounds)


def burn_dummy(password: str, rounds: int = DEFAULT_ROUNDS) -> None:
    """Spend the time of one real check, for an account that does not exist.

    Args:
        password: What the candidate typed (hashed like a real check, so long ones cost the same).
        rounds: The cost real hashes are made at.
    """
    verify_password(password, dummy_hash(rounds))


def hash_rounds(password_hash: str | None) -> int | None:
    """The bcrypt cost recorded in a hash, or ``None`` when it is not a bcrypt hash."""
    if not isinstance(password_hash, str):
        return None
    match = _HASH_RE.fullmatch(password_hash)
    return int(match.group(1)) if match else None


def needs_rehash(password_hash: str | None, rounds: int = DEFAULT_ROUNDS) -> bool:
    """Whether a stored hash should be replaced after the next successful login.

    Args:
        password_hash: The stored hash.
        rounds: The cost new hashes are made at.

    Returns:
        ``True`` when the hash's cost differs from ``rounds`` or it is not a bcrypt hash at all.
    """
    return hash_rounds(password_hash) != rounds


def temporary_password(length: int = 14, accept: Callable[[str], bool] | None = None) -> str:
    """A random password that meets the portal's password rules, for the credential query.

    It holds at least one upper-case letter, one lower-case letter, one digit and one of ``#$@?``,
    no look-alike characters (``0 O o 1 l I``) and none of the portal's forbidden symbols. Rules
    this module does not know (the common-password list) are the caller's ``accept``: about one
    random 14-character password in 150,000 contains a common password of half its length.

    Args:
        length: Number of characters, at least 12.
        accept: Draw again until this returns ``True`` (e.g.
            ``lambda pw: rules.is_valid("password", pw)``).

    Returns:
        The password; the caller sends it and stores only its hash.

    Raises:
        ValueError: ``length`` is under 12.
        RuntimeError: ``accept`` refused 100 passwords in a row (it cannot be meant for these).
    """
    if length < TEMPORARY_PASSWORD_MIN_LENGTH:
        raise ValueError(f"temporary passwords have at least {TEMPORARY_PASSWORD_MIN_LENGTH} chars")
    classes = (TEMPORARY_UPPER, TEMPORARY_LOWER, TEMPORARY_DIGITS, TEMPORARY_SYMBOLS)
    alphabet = "".join(classes)
    for _ in range(_TEMPORARY_ATTEMPTS):
        chars = [secrets.choice(group) for group in classes]
        chars += [secrets.choice(alphabet) for _ in range(length - len(chars))]
        _system_random.shuffle(chars)
        password = "".join(chars)
        if accept is None or accept(password):
            return password
    raise RuntimeError(f"accept() refused {_TEMPORARY_ATTEMPTS} temporary passwords in a row")
