"""Sign-in lockout shared by candidates (kiosk) and staff (console): the failure counter and the
lock live in the account's row, so they hold across terminals and restarts."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session

from kiosk.infra.config import Settings
from kiosk.infra.tables import Candidate, StaffUser


def count_failure(
    session: Session, row: Candidate | StaffUser, *, settings: Settings, now: datetime
) -> int:
    """Add a failure in one UPDATE (no lost counts between terminals); past the threshold, lock
    for base * 2^(failures - threshold) seconds, capped. Returns the failures counted so far."""
    model = type(row)
    session.execute(
        update(model)
        .where(model.id == row.id)  # type: ignore[arg-type]
        .values(failed_logins=model.failed_logins + 1)
    )
    session.refresh(row)
    over = row.failed_logins - settings.lockout_threshold
    if over >= 0:
        wait = min(settings.lockout_max_seconds, settings.lockout_base_seconds * (2**over))
        row.locked_until = now + timedelta(seconds=wait)
        session.add(row)
    return row.failed_logins
