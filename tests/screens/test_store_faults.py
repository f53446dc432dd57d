"""The database failing under a running kiosk, as a candidate sees it (issue 10, items 2 and 8):
its file deleted under the kiosk, and another writer holding it locked."""

from __future__ import annotations

import html
import os
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from textual.pilot import Pilot

from kiosk.ui.kiosk.app import KioskApp
from tests.screens.conftest import screen_name, wait_for
from tests.screens.test_login import login
from tests.screens.test_registration import fill_form, registration, submit_and_confirm

UNAVAILABLE = "系統暫時無法連線資料庫"
BUSY = "系統忙碌中，正在重新嘗試存取資料庫"


def visible(app: Any) -> str:
    """The text a person sees: the screenshot of the visible region only."""
    svg = app.export_screenshot()
    text = html.unescape("".join(re.findall(r"<text[^>]*>(.*?)</text>", svg)))
    return text.replace("\xa0", " ")


async def shows(pilot: Pilot[Any], text: str) -> None:
    await wait_for(pilot, lambda: text in visible(pilot.app))


async def test_a_database_deleted_under_the_kiosk_answers_unavailable(
    app_factory: Callable[..., KioskApp], tmp_path: Path
) -> None:
    app = app_factory()
    path = tmp_path / "kiosk.db"
    async with app.run_test(size=(100, 32)) as pilot:
        os.remove(path)  # the kiosk's pool has it open (the demo was seeded through it)
        await login(pilot, "wang2026", "王小明", "Kiosk#Demo2026")
        await shows(pilot, UNAVAILABLE)
        assert screen_name(pilot) == "LoginScreen" and app.candidate is None

        screen = registration(app)
        await wait_for(pilot, lambda: screen_name(pilot) == "RegistrationScreen")
        await fill_form(pilot)
        await submit_and_confirm(pilot)
        await wait_for(pilot, lambda: app.screen is screen)
        await shows(pilot, UNAVAILABLE)
        assert app.candidate is None
    # nothing was written anywhere: no new (empty) database in place of the deleted one
    assert not path.exists()
    assert [p.name for p in tmp_path.rglob("*.db")] == []


async def test_a_locked_database_says_busy_then_unavailable(
    app_factory: Callable[..., KioskApp], tmp_path: Path
) -> None:
    app = app_factory(store_busy_seconds=4)
    holder = sqlite3.connect(tmp_path / "kiosk.db", isolation_level=None)
    try:
        async with app.run_test(size=(100, 32)) as pilot:
            holder.execute("BEGIN IMMEDIATE")  # another terminal's long write
            await login(pilot, "wang2026", "王小明", "Kiosk#Demo2026")
            await shows(pilot, BUSY)
            await shows(pilot, UNAVAILABLE)
            assert BUSY not in visible(app)  # the busy line went with the answer
            assert screen_name(pilot) == "LoginScreen" and app.candidate is None
    finally:
        holder.close()


class _AnyCode:
    def verify(self, text: str) -> bool:
        return True


def _kiosk(tmp_path: Path, **overrides: Any) -> KioskApp:
    from tests.screens.conftest import build_app

    return build_app(tmp_path, **overrides)


def test_both_apps_open_their_store_with_the_busy_bound_of_the_settings(tmp_path: Path) -> None:
    from kiosk.ui.staff.app import StaffApp
    from tests.conftest import make_settings

    settings = make_settings(
        tmp_path, database_url=f"sqlite:///{tmp_path / 'site.db'}", store_busy_seconds=2.5
    )
    for app in (KioskApp(settings), StaffApp(settings)):
        with app.store.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 2500
        app.store.dispose()


def test_a_use_case_on_a_deleted_database_is_unavailable(tmp_path: Path) -> None:
    from kiosk.core import accounts
    from kiosk.ui.kiosk.app import StoreUnavailable

    app = _kiosk(tmp_path)
    os.remove(tmp_path / "kiosk.db")
    with pytest.raises(StoreUnavailable):
        app.use(
            accounts.login,
            captcha=_AnyCode(),
            captcha_answer="12345",
            account="wang2026",
            chinese_name="王小明",
            password="Kiosk#Demo2026",
            settings=app.settings,
            clock=app.clock,
        )
    assert not (tmp_path / "kiosk.db").exists()
    app.store.dispose()


def test_a_use_case_that_commits_inside_sends_nothing_once_the_file_is_gone(
    tmp_path: Path,
) -> None:
    """The credential query commits the temporary password itself, then sends it: a commit into
    a deleted file would mail a password that exists nowhere."""
    from kiosk.core import accounts
    from kiosk.ui.kiosk.app import StoreUnavailable

    app = _kiosk(tmp_path)
    path = tmp_path / "kiosk.db"
    sent: list[dict[str, Any]] = []

    def delete_after_the_lookup(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "FROM candidate" in statement and path.exists():
            os.remove(path)  # under the transaction, between its reads and its COMMIT

    event.listen(app.store.engine, "after_cursor_execute", delete_after_the_lookup)
    with pytest.raises(StoreUnavailable):
        app.use(
            accounts.query_credentials,
            captcha=_AnyCode(),
            captcha_answer="12345",
            channel="email",
            national_id_text="F222333444",
            chinese_name="林美華",
            email="meihua.lin@example.com",
            send=lambda *args, **values: sent.append(values),
            settings=app.settings,
            clock=app.clock,
        )
    assert sent == []
    assert not path.exists()
    app.store.dispose()
