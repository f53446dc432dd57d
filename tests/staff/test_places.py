"""The help desk sees and clears the failed-sign-in budget of a terminal or browser source
(issue 10, item 4): in the domain, in the console (what is on screen) and from the command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlmodel import select

from kiosk.core.accounts import login_budget
from kiosk.core.helpdesk import actions as helpdesk_actions
from kiosk.infra.config import Settings
from kiosk.infra.store import Store
from kiosk.infra.tables import AuditEvent, utcnow
from kiosk.ui.staff.app import StaffApp
from tests.conftest import make_settings
from tests.screens.conftest import screen_name, visible_text, wait_for
from tests.staff.conftest import add_staff
from tests.staff.test_console import audit_rows, signed_in, type_into


def lock_place(store: Store, settings: Settings, failures: int = 25) -> None:
    with store.session() as session:
        for _ in range(failures):
            login_budget.count_failure(session, settings, now=utcnow())


def test_list_and_clear_are_audited(store: Store, tmp_path: Path) -> None:
    kiosk = make_settings(tmp_path, terminal_id="venue-07", place_failure_threshold=20)
    lock_place(store, kiosk)
    desk, _ = add_staff(store, kiosk)
    with store.session() as session:
        (place,) = helpdesk_actions.list_places(session, staff=desk, settings=kiosk) or []
    assert (place.key, place.failures) == ("terminal:venue-07", 25)
    assert place.locked_until is not None
    with store.session() as session:
        refused = helpdesk_actions.clear_place(
            session, staff=desk, key=place.key, reason="  ", settings=kiosk
        )
        assert not refused.ok
        done = helpdesk_actions.clear_place(
            session, staff=desk, key=place.key, reason="checked the terminal", settings=kiosk
        )
    assert done.ok and done.message_key == "staff.places.cleared"
    with store.session() as session:
        assert login_budget.blocked_seconds(session, kiosk, now=utcnow()) == 0
        (event,) = session.exec(select(AuditEvent).where(AuditEvent.kind == "staff_place_clear"))
    assert event.staff == desk.account
    assert "place=terminal:venue-07" in event.detail and "failures=25" in event.detail


async def test_the_console_shows_and_clears_a_locked_terminal(
    staff_app_factory: Any,
) -> None:
    app: StaffApp = staff_app_factory()
    kiosk = make_settings(Path(app.settings.outbox_dir).parent, terminal_id="venue-07")
    lock_place(app.store, kiosk)
    async with app.run_test(size=(100, 32)) as pilot:
        await signed_in(pilot)
        await pilot.press("f7")
        await wait_for(pilot, lambda: screen_name(pilot) == "PlacesScreen")
        await wait_for(pilot, lambda: "venue-07" in visible_text(app))
        shown = visible_text(app)
        assert "終端機登入限制" in shown and "25" in shown and "終端機" in shown
        await pilot.click("#clear-place")
        await wait_for(pilot, lambda: screen_name(pilot) == "ReasonScreen")
        await type_into(pilot, "#reason", "checked on site")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "已解除 terminal:venue-07 的登入限制" in visible_text(app))
        await wait_for(pilot, lambda: "目前沒有登入失敗的紀錄" in visible_text(app))
    (event,) = audit_rows(app, "staff_place_clear")
    assert event.outcome == "ok" and event.detail.endswith("reason=checked on site")


def test_the_command_line_lists_and_clears(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kiosk.db'}"
    store = Store(url)
    store.upgrade()
    kiosk = make_settings(tmp_path, terminal_id="venue-07")
    lock_place(store, kiosk)
    add_staff(store, kiosk)
    env = {
        "IPAS_KIOSK_DATABASE_URL": url,
        "IPAS_KIOSK_CONFIG_FILE": str(tmp_path / "none.toml"),
        "IPAS_KIOSK_LANGUAGE": "en",
        "PATH": "/usr/bin:/bin",
    }
    run = [sys.executable, "-m", "kiosk", "staff"]
    listed = subprocess.run([*run, "places"], env=env, capture_output=True, text=True)
    assert listed.returncode == 0 and "terminal:venue-07" in listed.stdout
    assert "(Taiwan)" in listed.stdout
    refused = subprocess.run(
        [*run, "clear-place", "terminal:venue-07", "--staff", "nobody", "--reason", "x"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert refused.returncode == 2
    cleared = subprocess.run(
        [*run, "clear-place", "terminal:venue-07", "--staff", "amy.desk", "--reason", "on site"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert cleared.returncode == 0, cleared.stderr
    assert "cleared" in cleared.stdout
    with store.session() as session:
        assert login_budget.blocked_seconds(session, kiosk, now=utcnow()) == 0
    store.dispose()
