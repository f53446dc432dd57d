"""Every answer shows where the eye is and stays in view; the focus goes to the field to fix or
stays on the action, never to the top bar (issue 12, item 3). Asserted on the visible region at
80x24 and 100x32, in both languages, by a click and by keys."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Input, RadioButton

from kiosk.infra.i18n import t
from kiosk.ui.kiosk.app import KioskApp
from kiosk.ui.kiosk.base import KioskScreen
from kiosk.ui.widgets.chrome import TopBar
from tests.screens.conftest import (
    click,
    deliver_paste,
    page_built,
    screen_name,
    visible_text,
    wait_for,
)
from tests.screens.test_candidate_area import at_home, open_menu

SIZES = pytest.mark.parametrize("size", [(80, 24), (100, 32)], ids=["80x24", "100x32"])
LANGUAGES = pytest.mark.parametrize("language", ["zh-TW", "en"])
HOW = pytest.mark.parametrize("how", ["click", "keys"])


def shows(app: KioskApp, key: str) -> bool:
    """The catalog text ``key`` is on the screen (its first words: a long one wraps)."""
    return t(key, app.language)[:10] in visible_text(app)


def focus_on_page(app: KioskApp) -> bool:
    focused = app.focused
    return focused is not None and not any(isinstance(a, TopBar) for a in focused.ancestors)


async def open_page(pilot: Pilot[Any], screen: KioskScreen, language: str) -> KioskScreen:
    app: KioskApp = pilot.app  # type: ignore[assignment]
    app.language = language
    app.push_screen(screen)
    await wait_for(pilot, lambda: app.screen is screen)
    await page_built(pilot)
    return screen


async def fill(pilot: Pilot[Any], **values: str) -> None:
    for name, text in values.items():
        box = pilot.app.screen.query_one(f"#{name.replace('_', '-')}", Input)
        box.focus()
        await wait_for(pilot, lambda b=box: pilot.app.focused is b)
        box.value = ""
        await deliver_paste(pilot, box, text)


async def press(pilot: Pilot[Any], button_id: str, how: str) -> None:
    """Press a page's button the way a person does: a click, or Tab to it and Enter."""
    if how == "click":
        await click(pilot, f"#{button_id}")
        return
    button = pilot.app.screen.query_one(f"#{button_id}", Button)
    for _ in range(40):
        if pilot.app.focused is button:
            break
        await pilot.press("tab")
    assert pilot.app.focused is button
    await pilot.press("enter")


@SIZES
@LANGUAGES
@HOW
async def test_wrong_captcha_on_the_sms_query_is_seen_at_the_code_box(
    app_factory: Callable[..., KioskApp], size: tuple[int, int], language: str, how: str
) -> None:
    from kiosk.ui.kiosk.credential_query import CredentialQueryScreen

    app = app_factory()
    async with app.run_test(size=size) as pilot:
        screen = await open_page(pilot, CredentialQueryScreen(), language)
        screen.query_one("#channel-sms", RadioButton).value = True
        await fill(pilot, national_id="H124680240", chinese_name="陳志豪", mobile="0933555777")
        await fill(pilot, captcha_input="99999")
        await press(pilot, "submit", how)
        await wait_for(pilot, lambda: shows(app, "accounts.captcha.wrong"))
        assert getattr(app.focused, "id", "") == "captcha-input"  # the field to fix
        await pilot.pause()
        assert shows(app, "accounts.captcha.wrong")  # and it stays in view


@SIZES
@LANGUAGES
@HOW
async def test_wrong_captcha_on_the_email_query_is_seen_at_the_code_box(
    app_factory: Callable[..., KioskApp], size: tuple[int, int], language: str, how: str
) -> None:
    from kiosk.ui.kiosk.email_query import EmailQueryScreen

    app = app_factory()
    async with app.run_test(size=size) as pilot:
        await open_page(pilot, EmailQueryScreen(), language)
        await fill(pilot, account="ipas2023chen", chinese_name="陳志豪", mobile="0933555777")
        await fill(pilot, captcha_input="99999")
        await press(pilot, "submit", how)
        await wait_for(pilot, lambda: shows(app, "accounts.captcha.wrong"))
        assert getattr(app.focused, "id", "") == "captcha-input"


@SIZES
@LANGUAGES
@HOW
async def test_saved_basic_data_is_seen_and_the_focus_stays_on_save(
    app_factory: Callable[..., KioskApp], size: tuple[int, int], language: str, how: str
) -> None:
    from tests.screens.test_taps import open_basic_data

    app = app_factory()
    async with app.run_test(size=size) as pilot:
        screen = await open_page(pilot, open_basic_data(app), language)
        await fill(pilot, mobile="0912987654")
        await press(pilot, "submit", how)
        await wait_for(pilot, lambda: shows(app, "accounts.profile.ok"))
        assert app.focused is screen.query_one("#submit", Button)
        await pilot.press("tab")  # the next key goes on from the action, not from the top bar
        assert focus_on_page(app)


@SIZES
@LANGUAGES
async def test_after_cancelling_a_registration_the_focus_stays_on_the_page(
    app_factory: Callable[..., KioskApp], size: tuple[int, int], language: str
) -> None:
    app = app_factory()
    async with app.run_test(size=size) as pilot:
        app.language = language
        await at_home(pilot)
        await open_menu(pilot, "progress", "RegistrationProgressScreen")
        cancel = app.screen.query("#registrations Button").first(Button)
        await click(pilot, cancel)
        await wait_for(pilot, lambda: screen_name(pilot) == "ConfirmScreen")
        await click(pilot, "#confirm-yes")
        await wait_for(pilot, lambda: shows(app, "exams.cancel.cancelled"))
        await wait_for(pilot, lambda: app.focused is not None)
        assert focus_on_page(app), app.focused
        await pilot.press("enter")  # whatever it does, it is no language switch
        assert app.language == language
