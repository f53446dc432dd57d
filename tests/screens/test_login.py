"""Login from keys and clicks down to the database and back."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import select
from textual.widgets import Input, Static

from kiosk.infra.tables import AuditEvent
from kiosk.ui.kiosk.app import KioskApp
from kiosk.ui.widgets.captcha import CaptchaWidget
from tests.screens.conftest import CAPTCHA, screen_name, type_into, wait_for


async def login(pilot, account: str, name: str, password: str, captcha: str = CAPTCHA) -> None:  # type: ignore[no-untyped-def]
    await type_into(pilot, "#account", account)
    await type_into(pilot, "#chinese-name", name)
    await type_into(pilot, "#password", password)
    await type_into(pilot, "#captcha-input", captcha)
    await pilot.press("enter")


async def test_existing_candidate_logs_in_and_is_greeted(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await login(pilot, "wang2026", "王小明", "Kiosk#Demo2026")
        await wait_for(pilot, lambda: screen_name(pilot) == "CandidateHomeScreen")
        greeting = str(app.screen.query_one("#greeting", Static).render())
        assert "王小明" in greeting
        assert app.candidate is not None and app.candidate.account == "wang2026"
        # the login page below was wiped: nothing of the candidate's remains there
        assert all(not w.value for w in app.screen_stack[0].query(Input))
    with app.store.session() as session:
        kinds = [(e.kind, e.outcome) for e in session.exec(select(AuditEvent))]
    assert ("login", "ok") in kinds


async def test_the_captcha_picture_is_on_screen_while_its_code_is_typed_at_80x24(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await type_into(pilot, "#account", "newperson2026")
        for _ in range(4):  # name, password, show-password, code box: as a keyboard user goes
            await pilot.press("tab")
        await wait_for(pilot, lambda: getattr(app.focused, "id", None) == "captcha-input")
        picture = app.screen.query_one(CaptchaWidget)
        body = app.screen.query_one("#body")

        def both_seen() -> bool:
            seen = body.content_region
            box = app.screen.query_one("#captcha-input").region
            return seen.contains_region(picture.region) and seen.contains_region(box)

        await wait_for(pilot, both_seen)
