"""學校名稱 / 系所名稱 suggestions as a person sees them (issue 12, item 2): the rows are drawn
under the box at 80x24 and 100x32 in both languages, chosen by keys and by a click, and the
abbreviations people type (台大, 清大, 北科) find the school."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, OptionList

from kiosk.ui.kiosk.app import KioskApp
from kiosk.ui.kiosk.registration import RegistrationScreen
from tests.screens.conftest import deliver_paste, page_built, visible_text, wait_for

SIZES = [(80, 24), (100, 32)]
LANGUAGES = ["zh-TW", "en"]


async def open_registration(pilot: Pilot[Any], language: str) -> RegistrationScreen:
    app = pilot.app
    app.language = language  # type: ignore[attr-defined]
    screen = RegistrationScreen()
    app.push_screen(screen)
    await wait_for(pilot, lambda: app.screen is screen)
    await page_built(pilot)
    return screen


async def type_school(pilot: Pilot[Any], text: str, selector: str = "#school") -> OptionList:
    """Type into the picker's box as an IME does, and wait until its rows are laid out."""
    box = pilot.app.screen.query_one(selector, Input)
    box.focus()
    await wait_for(pilot, lambda: pilot.app.focused is box)
    box.value = ""
    await deliver_paste(pilot, box, text)
    options = pilot.app.screen.query_one(f"{selector}-options", OptionList)
    await wait_for(pilot, lambda: options.display and options.option_count > 0)
    await wait_for(pilot, lambda: options.region.width > 0 and options.region.height > 0)
    await pilot.pause()
    return options


def row_below(text: str, above: str, wanted: str) -> bool:
    """``wanted`` is drawn on a line after the line that shows ``above``."""
    lines = text.splitlines()
    starts = [n for n, line in enumerate(lines) if above in line]
    return bool(starts) and any(wanted in line for line in lines[starts[0] + 1 :])


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("language", LANGUAGES)
async def test_suggestions_are_drawn_and_chosen_by_keys(
    app_factory: Callable[..., KioskApp], size: tuple[int, int], language: str
) -> None:
    app = app_factory()
    async with app.run_test(size=size) as pilot:
        screen = await open_registration(pilot, language)
        await type_school(pilot, "清華")
        assert row_below(visible_text(app), "清華", "國立清華大學")
        if language == "en":
            assert "National Tsing Hua University" in visible_text(app)
        await pilot.press("down", "enter")
        await pilot.pause()
        assert screen.query_one("#school", Input).value == "國立清華大學"
        assert not screen.query_one("#school-options", OptionList).display
        assert "國立清華大學" in visible_text(app)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_click_on_a_drawn_suggestion_fills_the_box(
    app_factory: Callable[..., KioskApp], size: tuple[int, int], language: str
) -> None:
    app = app_factory()
    async with app.run_test(size=size) as pilot:
        screen = await open_registration(pilot, language)
        options = await type_school(pilot, "資訊工程", "#department")
        shown = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert row_below(visible_text(app), "資訊工程", shown[0].split("  ")[0])
        assert await pilot.click(options, offset=(2, 0))
        await wait_for(pilot, lambda: not options.display)
        value = screen.query_one("#department", Input).value
        assert value == shown[0].split("  ")[0]
        assert value in visible_text(app)


@pytest.mark.parametrize(
    ("typed", "school"),
    [("台大", "國立臺灣大學"), ("清大", "國立清華大學"), ("北科", "國立臺北科技大學")],
)
async def test_abbreviations_find_the_school(
    app_factory: Callable[..., KioskApp], typed: str, school: str
) -> None:
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_registration(pilot, "zh-TW")
        options = await type_school(pilot, typed)
        first = str(options.get_option_at_index(0).prompt)
        assert first == school
        assert row_below(visible_text(app), typed, school)
        await pilot.press("down", "enter")
        await pilot.pause()
        assert screen.query_one("#school", Input).value == school


@pytest.mark.parametrize("size", [*SIZES, (100, 60)])
async def test_a_click_below_an_open_list_lands_where_it_was_aimed(
    app_factory: Callable[..., KioskApp], size: tuple[int, int]
) -> None:
    """The list closes when the focus leaves the picker; the rows below must not move up under
    the pointer meanwhile (issue 12, item 1): one click on 回登入頁面 goes back to login."""
    from tests.screens.conftest import click, screen_name

    app = app_factory()
    async with app.run_test(size=size) as pilot:
        await open_registration(pilot, "zh-TW")
        await type_school(pilot, "大學")
        await click(pilot, "#cancel")
        await wait_for(pilot, lambda: screen_name(pilot) == "LoginScreen")
