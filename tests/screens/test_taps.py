"""A tap lands on what was under the finger (issue 12, item 1).

From each page's initial state, after typing into its first box, one click on each button the
page shows does that button's action — asserted on what is on the screen afterwards. Leaving a box
used to hide most of its rule checklist: the page moved up under the pointer between the press
(which moves the focus) and the release, and the click was lost.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from kiosk.infra.i18n import t
from kiosk.ui.kiosk.app import KioskApp
from kiosk.ui.kiosk.base import KioskScreen
from kiosk.ui.widgets.rule_hints import RuleHints
from tests.screens.conftest import (
    click,
    page_built,
    screen_name,
    type_into,
    visible_text,
    wait_for,
)
from tests.screens.test_candidate_area import view_of

TYPED = "abcq"


def open_registration(app: KioskApp) -> KioskScreen:
    from kiosk.ui.kiosk.registration import RegistrationScreen

    return RegistrationScreen()


def open_credential_query(app: KioskApp) -> KioskScreen:
    from kiosk.ui.kiosk.credential_query import CredentialQueryScreen

    return CredentialQueryScreen()


def open_email_query(app: KioskApp) -> KioskScreen:
    from kiosk.ui.kiosk.email_query import EmailQueryScreen

    return EmailQueryScreen()


def open_change_password(app: KioskApp) -> KioskScreen:
    from kiosk.ui.kiosk.change_password import ChangePasswordScreen

    view = view_of(app, "wang2026")
    app.signed_in(view)
    return ChangePasswordScreen(view)


def open_basic_data(app: KioskApp) -> KioskScreen:
    from kiosk.ui.kiosk.basic_data import BasicDataScreen

    view = view_of(app, "wang2026")
    app.signed_in(view)
    return BasicDataScreen(view)


@dataclass(frozen=True)
class Page:
    name: str
    opener: Callable[[KioskApp], KioskScreen] | None  # None: the login page itself
    buttons: dict[str, str] = field(default_factory=dict)  # button id -> expected effect


TOP_BAR = {"language": "language", "end-session": "session ended"}
PAGES = [
    Page(
        "LoginScreen",
        None,
        {
            "login": "answer",
            "forgot": "CredentialQueryScreen",
            "email-query": "EmailQueryScreen",
            "captcha-refresh": "new captcha",
            **TOP_BAR,
        },
    ),
    Page(
        "RegistrationScreen",
        open_registration,
        {"submit": "confirm", "cancel": "LoginScreen", **TOP_BAR},
    ),
    Page(
        "CredentialQueryScreen",
        open_credential_query,
        {
            "submit": "answer",
            "to-login": "LoginScreen",
            "captcha-refresh": "new captcha",
            **TOP_BAR,
        },
    ),
    Page(
        "EmailQueryScreen",
        open_email_query,
        {
            "submit": "answer",
            "cancel": "wiped",
            "to-credential-query": "CredentialQueryScreen",
            "to-login": "LoginScreen",
            "captcha-refresh": "new captcha",
            **TOP_BAR,
        },
    ),
    Page(
        "ChangePasswordScreen",
        open_change_password,
        {"submit": "answer", "back": "LoginScreen", **TOP_BAR},
    ),
    Page(
        "BasicDataScreen",
        open_basic_data,
        {"submit": "answer", "back": "LoginScreen", **TOP_BAR},
    ),
]


async def open_page(pilot: Pilot[Any], page: Page, language: str) -> KioskScreen:
    """The page in its initial state: a fresh session, then the page opened on top of login."""
    app: KioskApp = pilot.app  # type: ignore[assignment]
    await app.reset_session()
    app.language = language
    await wait_for(pilot, lambda: screen_name(pilot) == "LoginScreen")
    if page.opener is not None:
        app.push_screen(page.opener(app))
        await wait_for(pilot, lambda: type(app.screen).__name__ == page.name)
    await page_built(pilot)
    return app.screen  # type: ignore[return-value]


def answers(screen: KioskScreen) -> list[str]:
    """The answers a page gave: its message line and the errors under its fields."""
    texts = [str(w.render()) for w in screen.query("#message") if not w.has_class("-empty")]
    texts += [str(w.render()) for w in screen.query(".field-error") if not w.has_class("-empty")]
    return [text for text in texts if text.strip()]


async def assert_effect(pilot: Pilot[Any], effect: str, page: Page, language: str) -> None:
    app: KioskApp = pilot.app  # type: ignore[assignment]
    if effect.endswith("Screen"):
        await wait_for(pilot, lambda: screen_name(pilot) == effect)
        await page_built(pilot)
        title = t(app.screen.TITLE_KEY, app.language)  # type: ignore[attr-defined]
        assert title in visible_text(app)
    elif effect == "answer":
        screen = app.screen
        await wait_for(pilot, lambda: bool(answers(screen)))  # type: ignore[arg-type]
        await pilot.pause()
        seen = visible_text(app)
        assert any(text[:6] in seen for text in answers(screen))  # type: ignore[arg-type]
    elif effect == "confirm":  # the save confirmation, showing the account typed
        await wait_for(pilot, lambda: screen_name(pilot) == "ConfirmScreen")
        await pilot.pause()
        assert TYPED in visible_text(app)
    elif effect == "new captcha":
        await wait_for(pilot, lambda: getattr(app.focused, "id", "") == "captcha-input")
    elif effect == "language":
        other = "en" if language == "zh-TW" else "zh-TW"
        await wait_for(pilot, lambda: app.language == other)
        await pilot.pause()
        assert t(app.screen.TITLE_KEY, other) in visible_text(app)  # type: ignore[attr-defined]
    elif effect == "session ended":
        await wait_for(
            pilot, lambda: screen_name(pilot) == "LoginScreen" and len(app.screen_stack) == 1
        )
        await pilot.pause()
        assert TYPED not in visible_text(app).lower()
    elif effect == "wiped":
        await wait_for(pilot, lambda: TYPED not in visible_text(app).lower())
        assert screen_name(pilot) == page.name
    else:
        raise AssertionError(effect)


@pytest.mark.parametrize("size", [(80, 24), (100, 32)], ids=["80x24", "100x32"])
@pytest.mark.parametrize("language", ["zh-TW", "en"])
@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
async def test_one_click_after_typing_does_what_the_button_says(
    app_factory: Callable[..., KioskApp], page: Page, size: tuple[int, int], language: str
) -> None:
    app = app_factory()
    async with app.run_test(size=size) as pilot:
        for button, effect in page.buttons.items():
            screen = await open_page(pilot, page, language)
            first = screen.query(Input).first()
            await type_into(pilot, f"#{first.id}", TYPED)
            # the rule lines follow after a pause in typing (RuleHints.DEBOUNCE)
            await wait_for(pilot, lambda s=screen: all(h.settled for h in s.query(RuleHints)))
            await pilot.pause()
            assert TYPED in visible_text(app).lower() or first.password
            await click(pilot, f"#{button}")
            try:
                await assert_effect(pilot, effect, page, language)
            except AssertionError as error:
                raise AssertionError(f"{page.name}: a click on #{button} did not act") from error


async def test_forgot_after_typing_an_account_at_100x40(
    app_factory: Callable[..., KioskApp],
) -> None:
    """The issue's own case: focus in the account box, one click on 忘記帳號或密碼."""
    app = app_factory()
    async with app.run_test(size=(100, 40)) as pilot:
        await type_into(pilot, "#account", TYPED)
        await wait_for(pilot, lambda: all(h.settled for h in app.screen.query(RuleHints)))
        await pilot.pause()
        await click(pilot, "#forgot")
        await assert_effect(pilot, "CredentialQueryScreen", PAGES[0], "zh-TW")
