"""What the help desk reads is Taiwan time: the console's times, the audit log's days, the CSV."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlmodel import select

from kiosk.core import audit, helpdesk
from kiosk.core.helpdesk import AuditFilter
from kiosk.core.helpdesk.staff_accounts import StaffView, get_staff
from kiosk.core.taiwan_time import iso, shown
from kiosk.infra.config import Settings
from kiosk.infra.store import Store
from kiosk.infra.tables import Candidate
from tests.screens.conftest import visible_text, wait_for
from tests.staff.conftest import DESK, FakeClock
from tests.staff.test_console import Factory, open_candidate


def desk(store: Store) -> StaffView:
    with store.session() as session:
        row = get_staff(session=session, account=DESK[0])
        assert row is not None
        return StaffView.of(row)


def add_event(store: Store, at: str, kind: str = "staff_unlock") -> None:
    with store.session() as session:
        audit.record(
            session,
            kind=kind,
            outcome="ok",
            terminal_id="desk-1",
            at=datetime.fromisoformat(at),
            staff=DESK[0],
        )


def test_iso_and_shown_are_taiwan_time() -> None:
    assert iso(datetime(2026, 11, 20, 16, 0)) == "2026-11-21T00:00:00+08:00"
    assert shown(datetime(2026, 11, 20, 16, 0)) == "2026-11-21 00:00"


def test_audit_log_days_start_at_midnight_in_taiwan(desk_store: Store, settings: Settings) -> None:
    """Naive UTC in the store: 15:59 UTC is 23:59 in Taiwan, 16:00 UTC is the next day there."""
    add_event(desk_store, "2026-11-20 15:59:00")  # 2026-11-20 23:59 Taiwan
    add_event(desk_store, "2026-11-20 16:00:00")  # 2026-11-21 00:00 Taiwan

    def times(**values: Any) -> list[str]:
        with desk_store.session() as session:
            log = helpdesk.audit_log(
                session,
                filters=AuditFilter(kind="staff_unlock", **values),
                staff=desk(desk_store),
                settings=settings,
            )
        return [shown(e.at) for e in log.rows]

    assert times(date_from=date(2026, 11, 21)) == ["2026-11-21 00:00"]
    assert times(date_to=date(2026, 11, 20)) == ["2026-11-20 23:59"]
    assert times(date_from=date(2026, 11, 20), date_to=date(2026, 11, 21)) == [
        "2026-11-21 00:00",
        "2026-11-20 23:59",
    ]


def test_the_csv_export_writes_iso_8601_with_the_taiwan_offset(
    desk_store: Store, settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    add_event(desk_store, "2026-11-20 10:00:00")
    clock.now = datetime(2026, 11, 24, 23, 30, 5)  # 2026-11-25 07:30:05 in Taiwan
    with desk_store.session() as session:
        result = helpdesk.export_audit_csv(
            session,
            filters=AuditFilter(kind="staff_unlock"),
            directory=tmp_path,
            staff=desk(desk_store),
            settings=settings,
            clock=clock,
        )
    assert result.ok and Path(result.path).name == f"audit-20261125-073005-{DESK[0]}.csv"
    with open(result.path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert [r[0] for r in rows[1:]] == ["2026-11-20T18:00:00+08:00"]


async def test_the_console_shows_taiwan_time(staff_app_factory: Factory) -> None:
    app = staff_app_factory()
    app.clock = lambda: datetime(2026, 11, 25, 1, 0)  # 09:00 in Taiwan
    with app.store.session() as session:
        row = session.exec(select(Candidate).where(Candidate.account_key == "wang2026")).one()
        row.failed_logins = 6
        row.locked_until = datetime(2026, 11, 25, 1, 30)  # 09:30 in Taiwan
        session.add(row)
        audit.record(
            session,
            kind="login",
            outcome="failed",
            terminal_id="kiosk-7",
            at=datetime(2026, 11, 25, 0, 55),  # 08:55 in Taiwan
            account="wang2026",
            candidate_id=row.id,
        )
    async with app.run_test(size=(100, 32)) as pilot:
        await open_candidate(pilot, "wang", "wang2026")
        await wait_for(pilot, lambda: "09:30" in visible_text(app))
        text = visible_text(app)
    assert "2026-11-25 09:30" in text and "01:30" not in text
    assert "UTC" not in text
