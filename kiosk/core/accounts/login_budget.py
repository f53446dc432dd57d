"""Failed sign-ins counted per place — the terminal, and for ``serve`` the browser's address — so a
password sprayed over many accounts from one place is stopped even though no account reaches its
own lock.

The rule is the accounts' one (``kiosk.core.accounts.lockout``), after Keycloak's brute-force
detection: past ``place_failure_threshold`` failures the place waits ``lockout_base_seconds *
2^(failures - threshold)`` seconds, capped at ``lockout_max_seconds``; the count starts over after
``place_quiet_seconds`` without a failure. The counters live in the database (``login_budget``),
so they hold across restarts and, on a shared database, across the terminals of a site. The help
desk lists them and clears one (``kiosk.core.helpdesk.actions.clear_place``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from kiosk.infra.config import Settings
from kiosk.infra.tables import LoginBudget


def places(settings: Settings) -> tuple[str, ...]:
    """The budgets an attempt on this app counts against: its terminal, and its browser source
    when it was started by ``serve`` for a visitor."""
    keys = [f"terminal:{settings.terminal_id}"]
    if settings.source:
        keys.append(f"source:{settings.source}")
    return tuple(key[:120] for key in keys)


def blocked_seconds(session: Session, settings: Settings, *, now: datetime) -> int:
    """How long (whole seconds, rounded up) this place must still wait; 0 when it may try."""
    rows = session.exec(
        select(LoginBudget.locked_until).where(col(LoginBudget.key).in_(places(settings)))
    ).all()
    waits = [(until - now).total_seconds() for until in rows if until is not None and until > now]
    return math.ceil(max(waits)) if waits else 0


def count_failure(session: Session, settings: Settings, *, now: datetime) -> None:
    """Count one failed sign-in against every budget of this place, in UPDATEs that take the row
    lock (no lost counts between terminals); past the threshold, lock the place."""
    quiet_since = now - timedelta(seconds=settings.place_quiet_seconds)
    quiet = col(LoginBudget.last_failure_at) < quiet_since  # NULL (never failed): not quiet
    for key in places(settings):
        row = _row(session, key, now)
        session.execute(
            update(LoginBudget)
            .where(col(LoginBudget.key) == key)
            .values(
                failures=case((quiet, 1), else_=LoginBudget.failures + 1),
                window_start=case((quiet, now), else_=LoginBudget.window_start),
                locked_until=case((quiet, None), else_=LoginBudget.locked_until),
                last_failure_at=now,
            )
        )
        session.refresh(row)
        over = row.failures - settings.place_failure_threshold
        if over >= 0:
            wait = min(settings.lockout_max_seconds, settings.lockout_base_seconds * (2**over))
            row.locked_until = now + timedelta(seconds=wait)
            session.add(row)


def _row(session: Session, key: str, now: datetime) -> LoginBudget:
    row = session.get(LoginBudget, key)
    if row is not None:
        return row
    try:
        with session.begin_nested():
            session.add(LoginBudget(key=key, failures=0, window_start=now))
    except IntegrityError:  # another terminal of the same place made it first
        pass
    found = session.get(LoginBudget, key)
    assert found is not None
    return found


@dataclass(frozen=True)
class PlaceView:
    """One place's budget as the help desk sees it (times naive UTC, as stored)."""

    key: str
    failures: int
    last_failure_at: datetime | None
    locked_until: datetime | None

    @property
    def kind(self) -> str:
        return self.key.partition(":")[0]

    @property
    def name(self) -> str:
        return self.key.partition(":")[2]


def list_places(session: Session, *, limit: int = 200) -> list[PlaceView]:
    """Every place with failures on record, the locked and most recent first."""
    rows = session.exec(
        select(LoginBudget)
        .where(col(LoginBudget.failures) > 0)
        .order_by(
            col(LoginBudget.locked_until).desc().nulls_last(),
            col(LoginBudget.last_failure_at).desc().nulls_last(),
        )
        .limit(limit)
    ).all()
    return [PlaceView(r.key, r.failures, r.last_failure_at, r.locked_until) for r in rows]


def clear(session: Session, key: str) -> bool:
    """Forget a place's failures and lift its wait; False when there was nothing to clear."""
    result = session.execute(
        update(LoginBudget)
        .where(col(LoginBudget.key) == key)
        .where(col(LoginBudget.failures) > 0)
        .values(failures=0, locked_until=None)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
