"""Audit trail and query throttles, both kept in the database so they survive restarts."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import case, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from kiosk.store import AuditEvent, Throttle


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
        terminal_id=terminal_id[:40],
        kind=kind[:40],
        account=account[:40],
        candidate_id=candidate_id,
        outcome=outcome[:40],
        detail=detail[:500],
        staff=staff[:40],
    )
    session.add(event)
    return event


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
