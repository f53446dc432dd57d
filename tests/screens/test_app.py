"""The shell: idle wipe, end session, language switch, lockdown, captcha renewal, live rules."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

import pytest
from sqlmodel import select
from textual.widgets import Button, Input, Static

from kiosk.infra.store import Store
from kiosk.infra.tables import AuditEvent
from kiosk.ui.kiosk.app import KioskApp
from kiosk.ui.kiosk.modals import IdleScreen
from kiosk.ui.widgets.captcha import CaptchaWidget
from kiosk.ui.widgets.rule_hints import RuleHints
from tests.screens.conftest import CAPTCHA, screen_name, type_into, wait_for, workers_ended
from tests.screens.test_login import login


def inputs_with_values(app: KioskApp) -> list[str]:
    return [f"{w.id}={w.value}" for s in app.screen_stack for w in s.query(Input) if w.value]


async def test_idle_countdown_wipes_every_value(app_factory: Callable[..., KioskApp]) -> None:
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await type_into(pilot, "#account", "someone01")
        await type_into(pilot, "#chinese-name", "王小明")
        await type_into(pilot, "#password", "Secret#Pass2026")
        old_challenge = app.screen.query_one(CaptchaWidget).captcha.challenge
        app.last_input = time.monotonic() - app.settings.idle_seconds - 1
        await wait_for(pilot, lambda: isinstance(app.screen, IdleScreen))
        app.screen.remaining = 1  # type: ignore[attr-defined]  # don't wait the whole countdown
        await wait_for(pilot, lambda: screen_name(pilot) == "LoginScreen", timeout=5)
        await pilot.pause()
        assert inputs_with_values(app) == []
        assert app.screen.query_one(CaptchaWidget).captcha.challenge is not old_challenge
        assert str(app.screen.query_one("#message", Static).render()) == ""


async def test_answering_the_idle_question_keeps_the_values(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await type_into(pilot, "#account", "someone01")
        app.last_input = time.monotonic() - app.settings.idle_seconds - 1
        await wait_for(pilot, lambda: isinstance(app.screen, IdleScreen))
        await wait_for(pilot, lambda: bool(app.screen.query("#idle-continue")))
        await pilot.pause()
        await pilot.click("#idle-continue")
        await wait_for(pilot, lambda: screen_name(pilot) == "LoginScreen")
        assert app.screen.query_one("#account", Input).value == "someone01"


async def test_an_untouched_login_is_refreshed_without_a_modal(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        old = app.screen.query_one(CaptchaWidget).captcha.challenge
        app.last_input = time.monotonic() - app.settings.idle_seconds - 1
        await wait_for(
            pilot, lambda: app.screen.query_one(CaptchaWidget).captcha.challenge is not old
        )
        assert screen_name(pilot) == "LoginScreen"


async def test_end_session_key_signs_out_from_anywhere(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await login(pilot, "wang2026", "王小明", "Kiosk#Demo2026")
        await wait_for(pilot, lambda: screen_name(pilot) == "CandidateHomeScreen")
        full = gc.get_stats()[2]["collections"]
        await pilot.press("f9")
        await wait_for(pilot, lambda: screen_name(pilot) == "LoginScreen")
        assert app.candidate is None and len(app.screen_stack) == 1
        assert inputs_with_values(app) == []
        # the garbage of the session is collected in full now, not during the next one
        await wait_for(pilot, lambda: gc.get_stats()[2]["collections"] > full)


async def test_language_switch_keeps_what_was_typed(app_factory: Callable[..., KioskApp]) -> None:
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await type_into(pilot, "#account", "abc")
        await type_into(pilot, "#chinese-name", "蕭心恬")
        title = app.screen.query_one("#page-title", Static)
        assert "考生登入" in str(title.render())
        await pilot.press("f2")
        await pilot.pause()
        assert app.language == "en"
        assert "Login" in str(title.render())
        assert "Log in" in str(app.screen.query_one("#login", Button).label)
        assert app.screen.query_one("#account", Input).value == "abc"
        assert app.screen.query_one("#chinese-name", Input).value == "蕭心恬"
        hints = app.screen.query_one("#account-rules", RuleHints).shown
        assert any("7 to 30" in line for line in hints)
        await pilot.click("#language")
        await pilot.pause()
        assert app.language == "zh-TW"


async def test_rules_change_as_keys_arrive(app_factory: Callable[..., KioskApp]) -> None:
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        hints = app.screen.query_one("#account-rules", RuleHints)

        def length() -> str:
            found = [hints.state_of(c) for c in hints.checks if c.rule == "length"]
            return found[0] if found else "pending"

        assert length() == "pending"
        await type_into(pilot, "#account", "abc")
        await wait_for(pilot, lambda: length() == "error")
        await pilot.press(*"defg")
        await wait_for(pilot, lambda: length() == "ok")


async def test_wrong_captcha_renews_it_and_touches_no_database(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        with app.store.session() as session:
            before = len(list(session.exec(select(AuditEvent))))
        first = app.screen.query_one(CaptchaWidget).captcha.challenge
        await login(pilot, "wang2026", "王小明", "Kiosk#Demo2026", captcha="99999")
        await wait_for(
            pilot, lambda: app.screen.query_one(CaptchaWidget).captcha.challenge is not first
        )
        message = str(app.screen.query_one("#message", Static).render())
        assert "驗證碼" in message
        assert app.screen.query_one("#captcha-input", Input).value == ""
        assert screen_name(pilot) == "LoginScreen" and app.candidate is None
        with app.store.session() as session:
            assert len(list(session.exec(select(AuditEvent)))) == before


async def test_wrong_password_gets_the_generic_answer(app_factory: Callable[..., KioskApp]) -> None:
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await login(pilot, "wang2026", "王小明", "Wrong#Pass2026")
        message = app.screen.query_one("#message", Static)
        await wait_for(pilot, lambda: "錯誤" in str(message.render()))
        assert app.screen.query_one("#password", Input).value == ""
        assert app.screen.query_one("#login", Button).disabled is False


async def test_an_unreachable_database_gives_a_message_not_a_traceback(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory()
    app.store.dispose()
    app._store = Store("postgresql://nobody@127.0.0.1:1/none")
    async with app.run_test(size=(100, 32)) as pilot:
        await login(pilot, "wang2026", "王小明", "Kiosk#Demo2026")
        message = app.screen.query_one("#message", Static)
        await wait_for(pilot, lambda: "資料庫" in str(message.render()), timeout=20)
        assert app.is_running and screen_name(pilot) == "LoginScreen"


async def test_kiosk_mode_cannot_be_quit_without_the_operator_pin(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory(operator_pin="2468")
    app.kiosk_mode = True
    async with app.run_test(size=(100, 32)) as pilot:
        for key in ("ctrl+q", "ctrl+c", "ctrl+z", "ctrl+p", "escape"):
            await pilot.press(key)
        await pilot.pause()
        assert app.is_running and screen_name(pilot) == "LoginScreen"
        await pilot.press("f12")
        await pilot.pause()
        await pilot.press(*"1111", "enter")
        await pilot.pause()
        assert app.is_running
        await pilot.press(*"2468", "enter")
        await wait_for(pilot, lambda: not app.is_running or app._exit_renderables is not None)
    assert app.return_code == 0


async def test_outside_kiosk_mode_ctrl_q_quits(app_factory: Callable[..., KioskApp]) -> None:
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_code == 0


async def test_login_is_usable_at_80x24(app_factory: Callable[..., KioskApp]) -> None:
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await type_into(pilot, "#account", "wang2026")
        await type_into(pilot, "#chinese-name", "王小明")
        await type_into(pilot, "#password", "Kiosk#Demo2026")
        await type_into(pilot, "#captcha-input", CAPTCHA)
        button = app.screen.query_one("#login", Button)
        button.scroll_visible(animate=False)
        await pilot.pause()
        await pilot.click("#login")
        await wait_for(pilot, lambda: screen_name(pilot) == "CandidateHomeScreen")


async def test_a_login_still_running_when_the_session_ends_signs_nobody_in(
    app_factory: Callable[..., KioskApp], monkeypatch: pytest.MonkeyPatch
) -> None:
    from kiosk.core import accounts

    real_login = accounts.login

    def slow_login(*args: object, **kwargs: object) -> object:
        time.sleep(0.8)
        return real_login(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(accounts, "login", slow_login)
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await login(pilot, "wang2026", "王小明", "Kiosk#Demo2026")
        await pilot.press("f9")
        await workers_ended(pilot)  # the login's worker too: its late answer has been handed on
        await pilot.pause()
        assert app.candidate is None
        assert screen_name(pilot) == "LoginScreen" and len(app.screen_stack) == 1


async def test_a_password_cannot_be_copied_for_the_next_candidate(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await type_into(pilot, "#password", "Secret#Pass2026")
        await pilot.press("shift+home", "ctrl+c")
        await pilot.press("f9")
        await pilot.pause()
        await type_into(pilot, "#account", "")
        await pilot.press("ctrl+v")
        await pilot.pause()
        assert "Secret" not in app.screen.query_one("#account", Input).value
        assert "Secret" not in app.clipboard


async def test_end_session_restores_the_default_language(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("f2")
        await pilot.pause()
        assert app.language == "en"
        await pilot.press("f9")
        await pilot.pause()
        assert app.language == "zh-TW"


async def test_values_from_the_database_are_never_markup_or_escapes(
    app_factory: Callable[..., KioskApp],
) -> None:
    from kiosk.core.accounts import CandidateView
    from kiosk.ui.kiosk.home import CandidateHomeScreen

    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        hostile = "[red]王[/red][link=x]明\x1b[31m"
        app.signed_in(
            CandidateView(
                id=1,
                account="x",
                chinese_name=hostile,
                english_surname="",
                english_given_name="",
                nationality="TW",
                national_id_masked="A12345****",
                email="",
                mobile="",
                gender="",
                education="",
                school="",
                department="",
                origin="legacy",
                group_unit="",
                profile_complete=True,
            )
        )
        await app.push_screen(CandidateHomeScreen())
        await pilot.pause()
        shown = str(app.screen.query_one("#greeting", Static).render())
        assert "[red]王[/red][link=x]明" in shown
        assert "\x1b" not in shown
