"""SVG snapshots of the group import screen at 80x24 in both languages: empty, a checked file with
bad rows, and the summary after an import.

The file is pasted as a relative path (the test runs in its temporary folder), so no temporary
path shows in the pictures. Update with
``.venv/bin/python -m pytest tests/snapshots/test_import_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from kiosk.ui.staff.import_screen import GroupImportScreen
from kiosk.ui.textual_private import table_is_sized
from tests.screens.conftest import wait_for, workers_ended
from tests.staff.test_import import BAD_ROWS, write_csv
from tests.staff.test_import_screen import host, paste_into, screen

Before = Callable[[Pilot[Any]], Awaitable[None]]
MOMENT = datetime(2026, 11, 25, 1, 0, 0)


async def opened(pilot: Pilot[Any]) -> None:
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, GroupImportScreen))
    await pilot.pause()


async def table_sized(pilot: Pilot[Any]) -> None:
    """DataTable renders rows added since its last idle event later: wait until it has."""
    table = screen(pilot).table
    await wait_for(pilot, lambda: table_is_sized(table))
    await pilot.pause()


async def checked(pilot: Pilot[Any]) -> None:
    await opened(pilot)
    await paste_into(pilot, "#path", "bad.csv")
    await paste_into(pilot, "#unit", "國立臺灣科技大學")
    await pilot.click("#preview")
    await wait_for(pilot, lambda: screen(pilot).preview is not None)
    await workers_ended(pilot)
    await table_sized(pilot)
    # a check with good rows hands the focus to the Import button (a later tick)
    button = screen(pilot).import_button
    await wait_for(pilot, lambda: button.disabled or pilot.app.focused is button)
    await pilot.pause()


async def imported(pilot: Pilot[Any]) -> None:
    await checked(pilot)
    await pilot.click("#import")
    await wait_for(pilot, lambda: screen(pilot).result is not None)
    await workers_ended(pilot)
    await table_sized(pilot)  # the import refills the table


STATES: dict[str, Before] = {"empty": opened, "checked": checked, "imported": imported}


@pytest.mark.parametrize("language", ("zh-TW", "en"))
@pytest.mark.parametrize("state", sorted(STATES))
def test_import_screen(
    snap_compare: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    state: str,
    language: str,
) -> None:
    write_csv(tmp_path / "bad.csv", BAD_ROWS)
    monkeypatch.chdir(tmp_path)
    app = host(tmp_path, language)
    # the report is named by the time and lands beside the outbox: both fixed, the path relative
    app.clock = lambda: MOMENT  # type: ignore[attr-defined]
    app.settings.outbox_dir = Path("outbox")
    try:
        assert snap_compare(app, terminal_size=(80, 24), run_before=STATES[state])
    finally:
        app.store.dispose()
