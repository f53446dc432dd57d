"""SVG snapshots of the help-desk console: sign-in, search with results, candidate view, audit
log, staff administration — zh-TW and English, at 100x32 and at 80x24.

Deterministic: a fixed clock for the console, every stored timestamp set to one moment after the
seed, the cursor does not blink. Update after an intended change with
``.venv/bin/python -m pytest tests/snapshots/test_staff_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from textual.pilot import Pilot
from textual.widgets import DataTable

from kiosk.infra.tables import AuditEvent, Candidate, StaffUser
from kiosk.ui.staff.app import StaffApp
from tests.screens.conftest import type_into, wait_for
from tests.staff.conftest import ADMIN, DESK, build_staff_app

LANGUAGES = ("zh-TW", "en")
SIZES = ((100, 32), (80, 24))
MOMENT = datetime(2026, 11, 25, 9, 0, 0)
Before = Callable[[Pilot[Any]], Awaitable[None]]


def fixed_app(tmp_path: Path, language: str) -> StaffApp:
    app = build_staff_app(tmp_path, now=MOMENT, language=language)
    app.clock = lambda: MOMENT
    with app.store.session() as session:
        session.execute(update(AuditEvent).values(at=MOMENT))
        session.execute(update(Candidate).values(created_at=MOMENT, updated_at=MOMENT))
        session.execute(update(StaffUser).values(created_at=MOMENT, updated_at=MOMENT))
    return app


async def settle(pilot: Pilot[Any]) -> None:
    # every worker ended (a search superseded by the next key ends cancelled, which
    # workers.wait_for_complete would raise for), and every DataTable has sized its columns
    # (it does so on its own idle event, some time after the rows arrive)
    await wait_for(pilot, lambda: all(worker.is_finished for worker in pilot.app.workers))

    def tables_sized() -> bool:
        tables = pilot.app.screen.query(DataTable)
        return not any(t._updated_cells or t._require_update_dimensions for t in tables)

    await wait_for(pilot, tables_sized)
    await pilot.pause()


async def login_page(pilot: Pilot[Any]) -> None:
    await wait_for(pilot, lambda: bool(pilot.app.screen.query("#staff-account")))
    await type_into(pilot, "#staff-account", DESK[0])
    await settle(pilot)


async def _signed_in(pilot: Pilot[Any]) -> None:
    await login_page(pilot)
    await type_into(pilot, "#staff-password", DESK[1])
    await pilot.press("enter")
    await wait_for(pilot, lambda: type(pilot.app.screen).__name__ == "SearchScreen")


async def search_page(pilot: Pilot[Any]) -> None:
    await _signed_in(pilot)
    await type_into(pilot, "#search", "09")
    table = pilot.app.screen.query_one("#results", DataTable)
    await wait_for(pilot, lambda: table.row_count == 4)
    await settle(pilot)


async def candidate_page(pilot: Pilot[Any]) -> None:
    await _signed_in(pilot)
    await type_into(pilot, "#search", "wang")  # the one hit opens by itself
    await wait_for(pilot, lambda: getattr(pilot.app.screen, "detail", None) is not None)
    await settle(pilot)


async def audit_page(pilot: Pilot[Any]) -> None:
    await _signed_in(pilot)
    await pilot.press("f5")
    await wait_for(pilot, lambda: type(pilot.app.screen).__name__ == "AuditLogScreen")
    await type_into(pilot, "#audit-filter-staff", DESK[0])  # only this test's own events
    await pilot.press("enter")
    table = pilot.app.screen.query_one("#audit-table", DataTable)
    await wait_for(pilot, lambda: table.row_count == 2)
    await settle(pilot)


async def staff_admin_page(pilot: Pilot[Any]) -> None:
    await wait_for(pilot, lambda: bool(pilot.app.screen.query("#staff-account")))
    await type_into(pilot, "#staff-account", ADMIN[0])
    await type_into(pilot, "#staff-password", ADMIN[1])
    await pilot.press("enter")
    await wait_for(pilot, lambda: type(pilot.app.screen).__name__ == "SearchScreen")
    await pilot.press("f10")
    await wait_for(pilot, lambda: type(pilot.app.screen).__name__ == "StaffAdminScreen")
    table = pilot.app.screen.query_one("#staff-table", DataTable)
    await wait_for(pilot, lambda: table.row_count == 2)
    await settle(pilot)


SCREENS: dict[str, Before] = {
    "login": login_page,
    "search": search_page,
    "candidate": candidate_page,
    "audit_log": audit_page,
    "staff_admin": staff_admin_page,
}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("screen", sorted(SCREENS))
def test_staff_screen(
    snap_compare: Any, tmp_path: Path, screen: str, language: str, size: tuple[int, int]
) -> None:
    app = fixed_app(tmp_path, language)
    try:
        assert snap_compare(app, terminal_size=size, run_before=SCREENS[screen])
    finally:
        app.store.dispose()
