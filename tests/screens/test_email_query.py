"""查詢信箱 from the keys down to the database and back: the masked e-mail, not found, 取消 and the
two ways out."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import Button, Input, Static

from kiosk.infra.i18n import t
from kiosk.infra.tables import AuditEvent
from kiosk.ui.kiosk.app import KioskApp
from kiosk.ui.widgets.captcha import CaptchaWidget
from tests.screens.conftest import CAPTCHA, screen_name, type_into, wait_for
from tests.screens.test_credential_query import paste_into


async def open_page(pilot: Pilot[Any]) -> None:
    pilot.app.screen.query_one("#email-query", Button).focus()
    await pilot.press("enter")
    await wait_for(pilot, lambda: screen_name(pilot) == "EmailQueryScreen")


async def fill(
    pilot: Pilot[Any], account: str, name: str, mobile: str, captcha: str = CAPTCHA
) -> None:
    await paste_into(pilot, "#account", account)
    await paste_into(pilot, "#chinese-name", name)
    await paste_into(pilot, "#mobile", mobile)
    await paste_into(pilot, "#captcha-input", captcha)


async def click(pilot: Pilot[Any], selector: str) -> None:
    """Scroll a button into view as a candidate would, then click it."""
    pilot.app.screen.query_one(selector).scroll_visible(animate=False)
    await pilot.pause()
    await pilot.click(selector)


def text(app: KioskApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def audit(app: KioskApp) -> list[str]:
    with app.store.session() as session:
        query = select(AuditEvent).where(AuditEvent.kind == "email_query")
        return [e.outcome for e in session.exec(query)]


async def test_registered_email_is_shown_masked(app_factory: Callable[..., KioskApp]) -> None:
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await open_page(pilot)
        await fill(pilot, "wang2026", "王小明", "0912-345-678")
        await pilot.press("enter")  # Enter in the last field submits
        await wait_for(pilot, lambda: bool(text(app, "#result")))
        shown = text(app, "#result")
        assert shown == t("accounts.email_query.found", email="xi****@example.com")
        assert "@example.com" in shown and "xiaoming.wang" not in shown
        assert app.screen.query_one("#result").display
        assert all(not w.value for w in app.screen.query(Input))  # a public screen
        assert text(app, "#message") == ""
    assert audit(app) == ["found"]


async def test_no_match_says_so_and_keeps_the_values(app_factory: Callable[..., KioskApp]) -> None:
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await open_page(pilot)
        await fill(pilot, "wang2026", "王小明", "0987654321")
        await pilot.press("enter")
        await wait_for(pilot, lambda: bool(text(app, "#message")))
        assert text(app, "#message") == t("accounts.email_query.not_found")
        assert not app.screen.query_one("#result").display
        assert app.screen.query_one("#account", Input).value == "wang2026"
        assert app.screen.query_one("#captcha-input", Input).value == ""
    assert audit(app) == ["not_found"]


async def test_wrong_captcha_renews_it_and_touches_no_database(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory()
    answers = (f"{n:05d}" for n in itertools.count(20000))
    app.captcha_source = lambda: next(answers)
    async with app.run_test(size=(100, 32)) as pilot:
        await open_page(pilot)
        captcha = app.screen.query_one(CaptchaWidget).captcha
        first = captcha.challenge
        await fill(pilot, "wang2026", "王小明", "0912345678", captcha="99999")
        await pilot.press("enter")
        await wait_for(pilot, lambda: bool(text(app, "#message")))
        assert text(app, "#message") == t("accounts.captcha.wrong")
        assert captcha.challenge is not first and captcha.challenge.answer != first.answer
        assert app.focused is not None and app.focused.id == "captcha-input"
        assert audit(app) == []


async def test_cancel_clears_the_form(app_factory: Callable[..., KioskApp]) -> None:
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await open_page(pilot)
        captcha = app.screen.query_one(CaptchaWidget).captcha
        first = captcha.challenge
        await fill(pilot, "wang2026", "王小明", "0987654321")
        await pilot.press("enter")
        await wait_for(pilot, lambda: bool(text(app, "#message")))
        await click(pilot, "#cancel")
        await pilot.pause()
        assert all(not w.value for w in app.screen.query(Input))
        assert text(app, "#message") == "" and not app.screen.query_one("#result").display
        assert captcha.challenge is not first
        assert app.focused is not None and app.focused.id == "account"


async def test_buttons_lead_to_the_credential_query_and_to_login(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await open_page(pilot)
        await click(pilot, "#to-credential-query")
        await wait_for(pilot, lambda: screen_name(pilot) == "CredentialQueryScreen")
        assert [type(s).__name__ for s in app.screen_stack] == [
            "LoginScreen",
            "CredentialQueryScreen",
        ]
        await click(pilot, "#to-login")
        await wait_for(pilot, lambda: screen_name(pilot) == "LoginScreen")
        assert len(app.screen_stack) == 1

        await open_page(pilot)
        await click(pilot, "#to-login")
        await wait_for(pilot, lambda: screen_name(pilot) == "LoginScreen")
        assert len(app.screen_stack) == 1


async def test_submit_is_reachable_and_works_at_80x24(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_page(pilot)
        await fill(pilot, "wang2026", "王小明", "0912345678", captcha="")
        await type_into(pilot, "#captcha-input", CAPTCHA)
        await pilot.press("tab")
        assert app.focused is not None and app.focused.id == "submit"
        await pilot.pause()
        assert app.screen.query_one("#submit", Button).region.bottom <= 23
        await pilot.press("enter")
        await wait_for(pilot, lambda: bool(text(app, "#result")))
        assert app.screen.query_one("#result").region.height > 0  # the answer is in view
