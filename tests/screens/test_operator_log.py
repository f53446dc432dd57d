"""The operator log after a full run of the flows: it has lines, and none of the secrets typed
or sent in them; a worker that fails unexpectedly leaves its traceback there, masked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from kiosk.core import accounts, oplog
from kiosk.core.delivery import list_outbox, read_outbox
from kiosk.core.helpdesk import staff_accounts
from kiosk.infra.i18n import t
from kiosk.ui.staff.app import StaffApp
from tests.screens.conftest import CAPTCHA, build_app, screen_name, type_into, wait_for
from tests.screens.test_credential_query import (
    NEW_PASSWORD,
    log_in_and_change_password,
    temporary_password,
)
from tests.screens.test_credential_query import fill as fill_credential_query
from tests.screens.test_credential_query import open_page as open_credential_query
from tests.screens.test_email_query import fill as fill_email_query
from tests.screens.test_email_query import open_page as open_email_query
from tests.screens.test_registration import NEW_ID, fill_form, paste, submit_and_confirm
from tests.staff.conftest import DESK, add_staff
from tests.staff.test_console import give_reason, message, opened, sign_in

WANG = ("wang2026", "王小明", "Kiosk#Demo2026", "A123456789")
WRONG_PASSWORD = "Wrong#Guess2026"
NEW_ACCOUNT_PASSWORD = "Tq7#pLm2$Vx9"
MEIHUA_ID = "F222333444"
STAFF_WRONG_PASSWORD = "Desk#Wrong2026"


def log_text(folder: Path) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in sorted(folder.glob("ipas-kiosk.log*")))


async def log_in(pilot: Pilot[Any], account: str, name: str, password: str, captcha: str) -> None:
    for selector, value in (
        ("#account", account),
        ("#chinese-name", name),
        ("#password", password),
        ("#captcha-input", captcha),
    ):
        await paste(pilot, selector, value)  # replaces what a failed attempt left
    await pilot.press("enter")


async def end_session(pilot: Pilot[Any]) -> None:
    await pilot.press("f9")
    await wait_for(pilot, lambda: len(pilot.app.screen_stack) == 1)
    await wait_for(pilot, lambda: screen_name(pilot) == "LoginScreen")


def newest_temporary_password(settings: Any) -> str:
    newest = read_outbox(settings, list_outbox(settings)[0].key)
    assert newest is not None
    return temporary_password(newest.body)


def login_message(pilot: Pilot[Any]) -> str:
    return str(pilot.app.screen.query_one("#message", Static).render())


async def test_a_full_run_leaves_lines_and_no_secret(tmp_path: Path) -> None:
    folder = tmp_path / "logs"
    oplog.configure("run", directory=folder)
    app = build_app(tmp_path)
    secrets = [WANG[2], WANG[3], WRONG_PASSWORD, NEW_ACCOUNT_PASSWORD, NEW_ID, MEIHUA_ID]
    secrets += [NEW_PASSWORD, DESK[1], STAFF_WRONG_PASSWORD]
    async with app.run_test(size=(100, 32)) as pilot:
        # a wrong captcha, a wrong password, then the right one
        await log_in(pilot, *WANG[:3], captcha="00000")
        await wait_for(pilot, lambda: bool(login_message(pilot)))
        await log_in(pilot, *WANG[:2], WRONG_PASSWORD, CAPTCHA)
        await wait_for(pilot, lambda: t("accounts.login.failed") in login_message(pilot))
        await log_in(pilot, *WANG[:3], CAPTCHA)
        await wait_for(pilot, lambda: screen_name(pilot) == "CandidateHomeScreen")
        await end_session(pilot)

        # an unknown account: registration, carried over, with a national ID
        await log_in(pilot, "newuser2026", "張志明", NEW_ACCOUNT_PASSWORD, CAPTCHA)
        await wait_for(pilot, lambda: screen_name(pilot) == "RegistrationScreen")
        await fill_form(pilot, password=NEW_ACCOUNT_PASSWORD, password_confirm=NEW_ACCOUNT_PASSWORD)
        await submit_and_confirm(pilot)
        await wait_for(pilot, lambda: screen_name(pilot) == "CandidateHomeScreen")
        await end_session(pilot)

        # 忘記帳號或密碼 by e-mail, the temporary password from the outbox, the forced change
        await open_credential_query(pilot)
        await fill_credential_query(pilot, MEIHUA_ID, "林美華", "meihua.lin@example.com")
        await pilot.press("enter")
        await wait_for(pilot, lambda: login_message(pilot) == t("accounts.query.sent_email"))
        temporary = newest_temporary_password(app.settings)
        secrets.append(temporary)
        await pilot.press("enter")  # 回登入頁面
        await wait_for(pilot, lambda: screen_name(pilot) == "LoginScreen")
        await log_in_and_change_password(pilot, "linmeihua01", "林美華", temporary)
        await end_session(pilot)

        # 查詢信箱
        await open_email_query(pilot)
        await fill_email_query(pilot, "wang2026", "王小明", "0912345678")
        await pilot.press("enter")
        result = app.screen.query_one("#result", Static)
        await wait_for(pilot, lambda: "@example.com" in str(result.render()))

    # the help desk: a wrong password, the sign-in, a search by full ID, a resend by e-mail
    add_staff(app.store, app.settings)
    console = StaffApp(app.settings, store=app.store)
    async with console.run_test(size=(100, 32)) as pilot:
        await sign_in(pilot, DESK[0], STAFF_WRONG_PASSWORD)
        await wait_for(pilot, lambda: "密碼錯誤" in message(pilot))
        await type_into(pilot, "#staff-password", DESK[1])  # the account stays in its box
        await pilot.click("#staff-login")
        await wait_for(pilot, lambda: screen_name(pilot) == "SearchScreen")
        await type_into(pilot, "#search", WANG[3])
        await opened(pilot, WANG[0])  # the one hit opens by itself
        await give_reason(pilot, "#resend-email", f"caller verified with {WANG[3]}")
        await wait_for(pilot, lambda: "xi****@example.com" in message(pilot))
    secrets.append(newest_temporary_password(app.settings))
    app.store.dispose()
    oplog.unconfigure()  # closes the file

    text = log_text(folder)
    assert "run started: terminal test-01, database sqlite" in text
    assert "login: wrong captcha on test-01" in text
    assert "e-mail via maildir to me****@example.com sent (credentials)" in text
    assert "e-mail via maildir to xi****@example.com sent" in text
    assert len(text.splitlines()) >= 5
    leaked = [secret for secret in secrets if secret in text]
    assert leaked == []


@pytest.mark.parametrize("console", [False, True], ids=["kiosk", "staff"])
async def test_an_unexpected_worker_failure_is_logged_with_its_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, console: bool
) -> None:
    def broken(*args: Any, **values: Any) -> Any:
        raise RuntimeError(f"lookup failed for {WANG[3]}\x1b[2J")

    folder = tmp_path / "logs"
    oplog.configure("staff" if console else "run", directory=folder)
    app = build_app(tmp_path)
    if console:
        add_staff(app.store, app.settings)
        app = StaffApp(app.settings, store=app.store)
        monkeypatch.setattr(staff_accounts, "staff_login", broken)
    else:
        monkeypatch.setattr(accounts, "login", broken)
    async with app.run_test(size=(100, 32)) as pilot:
        if console:
            await sign_in(pilot, *DESK)
            await wait_for(pilot, lambda: t("staff.error.unexpected") in message(pilot))
        else:
            await log_in(pilot, *WANG[:3], CAPTCHA)
            await wait_for(pilot, lambda: t("ui.error.unexpected") in login_message(pilot))
    app.store.dispose()
    oplog.unconfigure()

    text = log_text(folder)
    assert "ERROR" in text and "worker" in text and "failed: RuntimeError" in text
    assert "Traceback (most recent call last):" in text and "in broken" in text
    assert "lookup failed for A12345****" in text
    assert WANG[3] not in text and "\x1b" not in text


async def test_a_failed_group_import_check_is_logged_with_its_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kiosk.core import group_import
    from tests.staff.test_import import good_file
    from tests.staff.test_import_screen import host, paste_into

    def broken(*args: Any, **values: Any) -> Any:
        raise RuntimeError(f"row for {MEIHUA_ID} unreadable")

    folder = tmp_path / "logs"
    oplog.configure("staff", directory=folder)
    monkeypatch.setattr(group_import, "preview_file", broken)
    app = host(tmp_path)
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for(pilot, lambda: bool(pilot.app.screen.query("#path")))
        await paste_into(pilot, "#path", str(good_file(tmp_path / "unit.csv", 3)))
        await paste_into(pilot, "#unit", "國立臺灣科技大學")
        await pilot.click("#preview")
        await wait_for(pilot, lambda: t("group_import.store_error") in message(pilot))
    app.store.dispose()
    oplog.unconfigure()

    text = log_text(folder)
    assert "group import preview failed: RuntimeError" in text
    assert "Traceback (most recent call last):" in text and "F22233****" in text
    assert MEIHUA_ID not in text
