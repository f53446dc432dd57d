"""Audit trail and query throttles, both kept in the database so they survive restarts.

What a person typed is recorded only when it is safe to: an account that exists is named; any
other text typed into the account box (a password typed in the wrong box passes the account
rules) is recorded as :func:`unknown_account`, a keyed hash that lets the help desk see the same
unknown text come back without the text itself. Every field of an event is scrubbed of control,
bidi and other invisible characters (``kiosk.text_safety``) as a last line of defence.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import secrets
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import case, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from kiosk.store import AuditEvent, Throttle
from kiosk.text_safety import scrub

if TYPE_CHECKING:
    from kiosk.config import Settings

UNKNOWN_MARK = "？"
"""Starts an unknown account's keyed hash: full-width, so no real account can look like one."""
UNKNOWN_DIGITS = 8
"""32 bits: enough to tell repeats apart in a venue's log, too few to confirm a guessed text."""


def record(
    session: Session,
    *,
    kind: str,
    outcome: str,
    terminal_id: str,
    at: datetime,
    account: str = "",
    candidate_id: int | None = None,
    detail: str = "",
    staff: str = "",
) -> AuditEvent:
    """Add an audit event to the session's transaction. Callers never pass secrets or full IDs.

    ``staff`` is the help-desk account that acted (empty for the candidate's own actions)."""
    event = AuditEvent(
        at=at,
        terminal_id=scrub(terminal_id[:40]),
        kind=scrub(kind[:40]),
        account=scrub(account[:40]),
        candidate_id=candidate_id,
        outcome=scrub(outcome[:40]),
        detail=scrub(detail[:500]),
        staff=scrub(staff[:40]),
    )
    session.add(event)
    return event


def unknown_account(typed: str, settings: Settings) -> str:
    """What the audit says of an account that names nobody: ``？`` and a keyed hash of the text.

    The same text (in any case, with surrounding spaces) gives the same value on every terminal
    that shares the key, so repeated attempts can be told apart; the text itself — perhaps a
    password typed into the account box — is not stored, and without the key it cannot be checked
    against a guess. Empty text is recorded as empty.
    """
    text = typed.strip().lower()
    if not text:
        return ""
    digest = hmac.new(
        correlation_key(settings), text.encode("utf-8", "surrogatepass"), hashlib.sha256
    )
    return UNKNOWN_MARK + digest.hexdigest()[:UNKNOWN_DIGITS]


def correlation_key(settings: Settings) -> bytes:
    """The site's key for :func:`unknown_account`: ``audit_key`` when set (terminals on several
    hosts sharing one database set the same one), else a random key kept in ``audit_key_file``
    (made on first use, readable by its owner only). Never stored in the database: whoever reads
    the audit must not be able to test guesses against it."""
    if settings.audit_key is not None:
        return settings.audit_key.get_secret_value().encode("utf-8")
    return _key_from_file(settings.audit_key_file)


@functools.cache
def _key_from_file(path: Path) -> bytes:
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another terminal made it first: use theirs
        return _read_key(path)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    return bytes.fromhex(key)


def _read_key(path: Path) -> bytes:
    raw = path.read_bytes()
    try:
        return bytes.fromhex(raw.decode("ascii").strip())
    except ValueError:  # edited by hand: still one stable key for everyone who reads the file
        return hashlib.sha256(raw).digest()


def throttle_key(*parts: str) -> str:
    """Hash the parts: a throttle row must not hold a national ID or account in the clear."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def hit(session: Session, key: str, *, limit: int, window_seconds: int, now: datetime) -> bool:
    """Count one attempt against ``key``; True while the window holds at most ``limit`` attempts.

    A fixed window: the row's counter restarts when its window is older than ``window_seconds``.
    The UPDATE takes the row lock, so concurrent terminals cannot both slip under the limit.
    """
    cutoff = now - timedelta(seconds=window_seconds)
    for _ in range(3):
        expired = col(Throttle.window_start) < cutoff
        result = session.execute(
            update(Throttle)
            .where(Throttle.key == key)  # type: ignore[arg-type]
            .values(
                count=case((expired, 1), else_=Throttle.count + 1),
                window_start=case((expired, now), else_=Throttle.window_start),
            )
        )
        if result.rowcount:  # type: ignore[attr-defined]
            break
        try:
            with session.begin_nested():
                session.add(Throttle(key=key, window_start=now, count=1))
            break
        except IntegrityError:
            continue
    count = session.exec(select(Throttle.count).where(Throttle.key == key)).one()
    return count <= limit
