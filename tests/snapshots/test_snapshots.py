"""SVG snapshots of every screen, zh-TW and English, at 100x32 and at 80x24.

Deterministic: the captcha answer and its drawing are fixed (source + seed), the cursor does not
blink, and every value comes from the seeded demo database. Update after an intended change with
``make test PYTEST_ARGS="tests/snapshots --snapshot-update"``, then look at the SVGs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import Input, Static

from kiosk.core.accounts import CandidateView
from kiosk.infra.tables import Candidate
from kiosk.ui.kiosk.app import KioskApp
from kiosk.ui.kiosk.basic_data import BasicDataScreen
from kiosk.ui.kiosk.change_password import ChangePasswordScreen
from kiosk.ui.kiosk.credential_query import CredentialQueryScreen
from kiosk.ui.kiosk.email_query import EmailQueryScreen
from kiosk.ui.kiosk.home import CandidateHomeScreen
from kiosk.ui.kiosk.modals import IdleScreen
from kiosk.ui.kiosk.registration import RegistrationScreen
from tests.screens.conftest import (
    build_app,
    deliver_paste,
    page_built,
    type_into,
    wait_for,
    workers_ended,
)

LANGUAGES = ("zh-TW", "en")
SIZES = ((100, 32), (80, 24))
Before = Callable[[Pilot[Any]], Awaitable[None]]


@pytest.fixture(autouse=True)
def _still_countdown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(IdleScreen, "_tick", lambda self: None)  # the countdown holds still


def view(app: KioskApp, account: str) -> CandidateView:
    with app.store.session() as session:
        row = session.exec(select(Candidate).where(Candidate.account_key == account)).one()
        return CandidateView.of(row)


async def settle(pilot: Pilot[Any]) -> None:
    """Captcha drawn (it is drawn in a thread), debounced hints evaluated, workers idle."""
    app = pilot.app

    def drawn() -> bool:
        images = app.screen.query("#captcha-image")
        return not images or bool(str(images.first(Static).render()).strip())

    await page_built(pilot)
    await wait_for(pilot, drawn)
    await workers_ended(pilot)
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


def login_page() -> Before:
    async def run(pilot: Pilot[Any]) -> None:
        await wait_for(pilot, lambda: bool(pilot.app.screen.query("#account")))
        await type_into(pilot, "#account", "abc")
        await type_into(pilot, "#chinese-name", "王小明")
        await settle(pilot)

    return run


def pushed(make: Callable[[KioskApp], Any], then: Before | None = None) -> Before:
    async def run(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, KioskApp)
        await app.push_screen(make(app))
        await page_built(pilot)  # some rows mount after the paint
        if then is not None:
            await then(pilot)
        await settle(pilot)

    return run


def signed_in(
    account: str, make: Callable[[KioskApp, CandidateView], Any]
) -> Callable[[KioskApp], Any]:
    def build(app: KioskApp) -> Any:
        candidate = view(app, account)
        app.signed_in(candidate)
        return make(app, candidate)

    return build


async def fill_registration(pilot: Pilot[Any]) -> None:
    surname = pilot.app.screen.query_one("#english-surname", Input)
    await wait_for(pilot, lambda: surname.value == "JHANG")  # debounced, filled by a worker
    # Each box gets its text in one piece, as an IME or a paste delivers it: keys typed one by
    # one are checked after each pause in typing (80 ms), and on a loaded machine a pause between
    # two keys showed a passing state whose checklist was a line taller and scrolled the page.
    for selector, text in (("#national-id", "A223456781"), ("#email", "someone@gmail.com")):
        box = pilot.app.screen.query_one(selector, Input)
        box.focus()
        await wait_for(pilot, lambda: pilot.app.focused is box)  # noqa: B023 - awaited here
        await deliver_paste(pilot, box, text)


SCREENS: dict[str, Before] = {
    "login": login_page(),
    "registration": pushed(
        lambda app: RegistrationScreen(
            {"account": "newuser2026", "chinese_name": "張志明", "password": "Tq7#pLm2$Vx9"}
        ),
        fill_registration,
    ),
    "credential_query": pushed(lambda app: CredentialQueryScreen()),
    "email_query": pushed(lambda app: EmailQueryScreen()),
    "change_password": pushed(
        signed_in("linmeihua01", lambda app, c: ChangePasswordScreen(c, change_ticket="t"))
    ),
    "home": pushed(signed_in("wang2026", lambda app, c: CandidateHomeScreen())),
    "basic_data": pushed(
        signed_in("linmeihua01", lambda app, c: BasicDataScreen(c, required=True))
    ),
    "idle": pushed(lambda app: IdleScreen(20)),
}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("screen", sorted(SCREENS))
def test_screen(
    snap_compare: Any, tmp_path: Path, screen: str, language: str, size: tuple[int, int]
) -> None:
    app = build_app(tmp_path, language=language)
    try:
        assert snap_compare(app, terminal_size=size, run_before=SCREENS[screen])
    finally:
        app.store.dispose()
