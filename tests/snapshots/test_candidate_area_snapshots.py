"""SVG snapshots of the candidate area's screens at 80x24, zh-TW and English.

Deterministic: the demo data is seeded for a fixed moment and the app's clock stands still there,
so dates, seats and windows never move. Update after an intended change with
``.venv/bin/python -m pytest tests/snapshots/test_candidate_area_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import OptionList

from kiosk.core import exams
from kiosk.core.demo import SAMPLE_PDF, seed_demo
from kiosk.ui.kiosk.app import KioskApp
from kiosk.ui.kiosk.documents import DocumentsScreen
from kiosk.ui.kiosk.exam_notice import ExamNoticeScreen
from kiosk.ui.kiosk.exam_progress import RegistrationProgressScreen
from kiosk.ui.kiosk.exam_registration import ExamRegistrationScreen
from kiosk.ui.kiosk.group_registration import GroupRegistrationScreen
from kiosk.ui.kiosk.home import CandidateHomeScreen
from kiosk.ui.kiosk.recheck import RecheckScreen
from kiosk.ui.kiosk.scores import ScoresScreen
from kiosk.ui.kiosk.service_desks import ServiceDesksScreen
from tests.screens.conftest import build_app, page_ready, wait_for, workers_ended
from tests.screens.test_registration import choose
from tests.snapshots.test_snapshots import view

NOW = datetime(2026, 11, 25, 2, 0, 0)
LANGUAGES = ("zh-TW", "en")
Before = Callable[[Pilot[Any]], Awaitable[None]]


def signed_in(make: Callable[[], Any], then: Before | None = None) -> Before:
    async def run(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, KioskApp)
        app.signed_in(view(app, "wang2026"))
        await app.push_screen(make())
        await pilot.pause()
        if then is not None:
            await then(pilot)
        await workers_ended(pilot)
        # whole: no part mounted after the paint (the top bar's touch buttons) still waiting
        await wait_for(pilot, lambda: page_ready(app))
        await workers_ended(pilot)
        await pilot.pause()
        await pilot.pause()

    return run


async def sessions_listed(pilot: Pilot[Any]) -> None:
    index = exams.subject_choices().index(exams.SubjectChoice("AI應用規劃師", "初級"))
    await choose(pilot, "#subject", str(index))
    listing = pilot.app.screen.query_one("#sessions", OptionList)
    await wait_for(pilot, lambda: listing.option_count == 1 and listing.display)
    listing.focus()
    listing.highlighted = 0


async def confirm_open(pilot: Pilot[Any]) -> None:
    await sessions_listed(pilot)
    await pilot.press("enter")
    await wait_for(pilot, lambda: type(pilot.app.screen).__name__ == "ConfirmScreen")


async def registrations_shown(pilot: Pilot[Any]) -> None:
    await wait_for(pilot, lambda: len(pilot.app.screen.query(".reg-status")) == 7)
    # The page is taller than 24 rows: show its top, not wherever a focus scroll got to.
    await pilot.pause()
    body = pilot.app.screen.query_one("#body")
    body.scroll_home(animate=False)
    await wait_for(pilot, lambda: body.scroll_y == 0 and body.scroll_target_y == 0)


async def notice_shown(pilot: Pilot[Any]) -> None:
    await wait_for(pilot, lambda: len(pilot.app.screen.query(".notice")) == 1)


async def page_loaded(pilot: Pilot[Any]) -> None:
    """The page's list arrived (scores, re-check, documents say so with ``loaded``)."""
    await wait_for(pilot, lambda: bool(getattr(pilot.app.screen, "loaded", True)))
    await pilot.pause()
    body = pilot.app.screen.query_one("#body")
    body.scroll_home(animate=False)
    await wait_for(pilot, lambda: body.scroll_y == 0 and body.scroll_target_y == 0)


async def recheck_ticked(pilot: Pilot[Any]) -> None:
    """One part ticked: the fee line counts it."""
    await page_loaded(pilot)
    first = pilot.app.screen.query("#recheck Checkbox").first()
    first.focus()
    await pilot.press("space")
    await wait_for(pilot, lambda: bool(getattr(first, "value", False)))
    await page_loaded(pilot)


async def picker_open(pilot: Pilot[Any]) -> None:
    await page_loaded(pilot)
    button = pilot.app.screen.query("#documents Button").first()
    button.focus()
    await pilot.press("enter")
    await wait_for(pilot, lambda: type(pilot.app.screen).__name__ == "FilePickerScreen")
    await wait_for(pilot, lambda: bool(getattr(pilot.app.screen, "loaded", False)))


SCREENS: dict[str, Before] = {
    "home": signed_in(CandidateHomeScreen),
    "exam_registration": signed_in(ExamRegistrationScreen, sessions_listed),
    "exam_registration_confirm": signed_in(ExamRegistrationScreen, confirm_open),
    "progress": signed_in(RegistrationProgressScreen, registrations_shown),
    "exam_notice": signed_in(ExamNoticeScreen, notice_shown),
    "service_desks": signed_in(ServiceDesksScreen),
    "scores": signed_in(ScoresScreen, page_loaded),
    "recheck": signed_in(RecheckScreen, recheck_ticked),
    "documents": signed_in(DocumentsScreen, page_loaded),
    "documents_picker": signed_in(DocumentsScreen, picker_open),
    "group_registration": signed_in(GroupRegistrationScreen),
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("screen", sorted(SCREENS))
def test_candidate_area_80x24(
    snap_compare: Any, tmp_path: Path, screen: str, language: str
) -> None:
    app = build_app(tmp_path, seed=False, language=language)
    with app.store.session() as session:
        seed_demo(session, settings=app.settings, now=NOW)
    sample = Path(app.settings.document_sources[0]) / SAMPLE_PDF
    os.utime(sample, (NOW.replace(tzinfo=UTC).timestamp(),) * 2)  # listed with its time
    app.clock = lambda: NOW
    try:
        assert snap_compare(app, terminal_size=(80, 24), run_before=SCREENS[screen])
    finally:
        app.store.dispose()
