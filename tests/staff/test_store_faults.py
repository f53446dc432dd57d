"""The help-desk console when the database fails under it (issue 10, items 2 and 8): a file
deleted under the console, and another writer holding the database locked."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

from kiosk.ui.staff.app import StaffApp
from tests.screens.conftest import screen_name
from tests.screens.test_store_faults import shows, visible
from tests.staff.conftest import DESK
from tests.staff.test_console import sign_in

Factory = Callable[..., StaffApp]
UNAVAILABLE = "無法連線資料庫"
BUSY = "資料庫忙碌中，正在重試"


async def test_a_database_deleted_under_the_console_answers_unavailable(
    staff_app_factory: Factory, tmp_path: Path
) -> None:
    app = staff_app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        os.remove(tmp_path / "kiosk.db")
        await sign_in(pilot, *DESK)
        await shows(pilot, UNAVAILABLE)
        assert app.staff is None and screen_name(pilot) == "StaffLoginScreen"
    assert not (tmp_path / "kiosk.db").exists()


async def test_a_locked_database_says_busy_then_unavailable(
    staff_app_factory: Factory, tmp_path: Path
) -> None:
    app = staff_app_factory(store_busy_seconds=4)
    holder = sqlite3.connect(tmp_path / "kiosk.db", isolation_level=None)
    try:
        async with app.run_test(size=(100, 32)) as pilot:
            holder.execute("BEGIN IMMEDIATE")
            await sign_in(pilot, *DESK)
            await shows(pilot, BUSY)
            await shows(pilot, UNAVAILABLE)
            assert BUSY not in visible(app)
            assert app.staff is None
    finally:
        holder.close()
