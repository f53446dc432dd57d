"""考試報名 by Enter, as the page says (issue 12, item 4): once a subject is chosen its session list
has the focus with the first open session highlighted, and Enter (then the confirmation) registers.
At 80x24 and 100x32, both languages, by keys and by clicks; asserted on the visible region."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from textual.widgets import OptionList, Select
from textual.widgets._select import SelectOverlay

from kiosk.infra.i18n import t
from kiosk.infra.tables import ExamSession
from kiosk.ui.kiosk.app import KioskApp
from tests.screens.conftest import click, screen_name, visible_text, wait_for
from tests.screens.test_candidate_area import (
    at_home,
    open_menu,
    registrations_of,
    session_row,
    subject_value,
)
from tests.screens.test_registration import choose

SIZES = pytest.mark.parametrize("size", [(80, 24), (100, 32)], ids=["80x24", "100x32"])
LANGUAGES = pytest.mark.parametrize("language", ["zh-TW", "en"])


def add_full_session_first(app: KioskApp) -> None:
    """資訊安全工程師 中級 gets a full session a day before the demo's open one."""
    open_one = session_row(app, "資訊安全工程師", "中級")
    with app.store.session() as session:
        session.add(
            ExamSession(
                subject=open_one.subject,
                level=open_one.level,
                starts_at=open_one.starts_at - timedelta(days=1),
                ends_at=open_one.ends_at - timedelta(days=1),
                venue=f"{open_one.venue} 額滿場",
                address=open_one.address,
                seats=1,
                seats_taken=1,
                registration_opens_at=open_one.registration_opens_at,
                registration_closes_at=open_one.registration_closes_at,
            )
        )


def line_of(overlay: OptionList, name: str, level: str) -> int:
    """The overlay's line where the option ``name level`` starts, as a person finds it by eye: in
    English a name with its rendering wraps, and the level may be on the option's second line."""
    lines = [overlay.render_line(y).text for y in range(overlay.size.height)]
    for y, text in enumerate(lines):
        if name in text:
            rest = text if level in text else text + (lines[y + 1] if y + 1 < len(lines) else "")
            if level in rest and rest.count(name) == 1:
                return y
    raise AssertionError(f"{name} {level} is not in the open list: {lines!r}")


def registered_text(app: KioskApp) -> str:
    return t("exams.register.registered", app.language)[:8]


@SIZES
@LANGUAGES
async def test_enter_registers_the_first_open_session_after_choosing_a_subject(
    app_factory: Callable[..., KioskApp], size: tuple[int, int], language: str
) -> None:
    app = app_factory()
    add_full_session_first(app)
    async with app.run_test(size=size) as pilot:
        app.language = language
        await at_home(pilot)
        await open_menu(pilot, "exam-registration", "ExamRegistrationScreen")
        await choose(pilot, "#subject", subject_value("資訊安全工程師", "中級"))
        listing = app.screen.query_one("#sessions", OptionList)
        await wait_for(pilot, lambda: app.focused is listing)
        assert listing.option_count == 2 and listing.highlighted == 1  # the full one is first
        await pilot.pause()
        assert "第六試場" in visible_text(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_name(pilot) == "ConfirmScreen")
        assert getattr(app.focused, "id", "") == "confirm-no"  # a stray Enter registers nothing
        await pilot.press("shift+tab", "enter")  # to 確定報名, and press it
        await wait_for(pilot, lambda: registered_text(app) in visible_text(app))
        assert app.focused is listing  # the action keeps the focus
    assert registrations_of(app, "wang2026")["資訊安全工程師 中級"] == "registered"


@SIZES
@LANGUAGES
async def test_registering_by_clicks(
    app_factory: Callable[..., KioskApp], size: tuple[int, int], language: str
) -> None:
    app = app_factory()
    async with app.run_test(size=size) as pilot:
        app.language = language
        await at_home(pilot)
        await click(pilot, "#exam-registration")
        await wait_for(pilot, lambda: screen_name(pilot) == "ExamRegistrationScreen")
        select = app.screen.query_one("#subject", Select)
        await click(pilot, select)
        await wait_for(pilot, lambda: select.expanded)
        overlay = select.query_one(SelectOverlay)
        row = int(subject_value("資訊安全工程師", "中級")) + 1  # below the prompt's row
        overlay.highlighted = row  # scrolls the row into the overlay (a swipe would)
        await pilot.pause()
        await click(pilot, overlay, offset=(2, line_of(overlay, "資訊安全工程師", "中級")))
        await wait_for(pilot, lambda: not select.expanded)
        assert select.value == subject_value("資訊安全工程師", "中級")
        listing = app.screen.query_one("#sessions", OptionList)
        await wait_for(pilot, lambda: listing.option_count == 1 and listing.display)
        await click(pilot, listing, offset=(2, 1))  # inside its border
        await wait_for(pilot, lambda: screen_name(pilot) == "ConfirmScreen")
        await click(pilot, "#confirm-yes")
        await wait_for(pilot, lambda: registered_text(app) in visible_text(app))
    assert registrations_of(app, "wang2026")["資訊安全工程師 中級"] == "registered"
