"""查詢帳號/密碼 from the keys down to the database, a real SMTP server or the SMS spool, and back
through login, the forced password change and the basic data."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import Button, Input, RadioButton, Static

from kiosk.core.delivery import list_outbox
from kiosk.infra.i18n import t
from kiosk.infra.tables import AuditEvent, Candidate, Delivery
from kiosk.ui.kiosk.app import KioskApp
from kiosk.ui.widgets.captcha import CaptchaWidget
from tests.screens.conftest import (
    CAPTCHA,
    click,
    deliver_paste,
    screen_name,
    type_into,
    wait_for,
)
from tests.servers import SmtpServer

NEW_PASSWORD = "Hsinchu#Kiosk77"


async def paste_into(pilot: Pilot[Any], selector: str, text: str) -> None:
    """A value in one event, as an IME or a paste delivers it (Pilot costs ≈ 90 ms a key here, so
    the keys are kept for the page under test)."""
    widget = pilot.app.screen.query_one(selector, Input)
    widget.focus()
    await deliver_paste(pilot, widget, text)


async def open_page(pilot: Pilot[Any]) -> None:
    """From login, through 忘記帳號或密碼 (focus + Enter, as a keyboard user would)."""
    pilot.app.screen.query_one("#forgot", Button).focus()
    await pilot.press("enter")
    await wait_for(pilot, lambda: screen_name(pilot) == "CredentialQueryScreen")


async def fill(
    pilot: Pilot[Any],
    nid: str,
    name: str,
    address: str,
    *,
    sms: bool = False,
    captcha: str = CAPTCHA,
) -> None:
    if sms:
        await click(pilot, "#channel-sms")  # scrolled to, as a person would
        await pilot.pause()
    await paste_into(pilot, "#national-id", nid)
    await type_into(pilot, "#chinese-name", name)
    await paste_into(pilot, "#mobile" if sms else "#email", address)
    await paste_into(pilot, "#captcha-input", captcha)


def text(app: KioskApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def message(app: KioskApp) -> str:
    return text(app, "#message")


def temporary_password(text: str) -> str:
    # a temporary password has no comma (kiosk.core.passwords): one ends an English SMS clause
    for token in (
        text.replace("：", " ").replace(":", " ").replace("，", " ").replace(",", " ").split()
    ):
        if len(token) >= 12 and any(c.isupper() for c in token) and any(c.isdigit() for c in token):
            return token
    raise AssertionError(f"no temporary password in {text!r}")


def candidate(app: KioskApp, account: str) -> Candidate:
    with app.store.session() as session:
        return session.exec(select(Candidate).where(Candidate.account == account)).one()


def audit(app: KioskApp, kind: str) -> list[str]:
    with app.store.session() as session:
        return [e.outcome for e in session.exec(select(AuditEvent).where(AuditEvent.kind == kind))]


async def log_in_and_change_password(
    pilot: Pilot[Any], account: str, name: str, password: str
) -> None:
    for selector, value in (
        ("#account", account),
        ("#chinese-name", name),
        ("#password", password),
        ("#captcha-input", CAPTCHA),
    ):
        await paste_into(pilot, selector, value)
    await pilot.press("enter")
    await wait_for(pilot, lambda: screen_name(pilot) == "ChangePasswordScreen")
    await paste_into(pilot, "#password", NEW_PASSWORD)
    await paste_into(pilot, "#password-confirm", NEW_PASSWORD)
    await pilot.press("enter")
    await wait_for(pilot, lambda: screen_name(pilot) == "BasicDataScreen")


async def test_group_candidate_gets_a_password_by_email_and_logs_in(
    app_factory: Callable[..., KioskApp], smtp_factory: Callable[..., SmtpServer]
) -> None:
    server = smtp_factory()
    app = app_factory(smtp_host="127.0.0.1", smtp_port=server.port)
    async with app.run_test(size=(100, 32)) as pilot:
        await open_page(pilot)
        await fill(pilot, "f222333444", "林美華", "meihua.lin@example.com")
        assert app.screen.query_one("#national-id", Input).value == "F222333444"
        await pilot.press("enter")  # Enter in the last field submits
        await wait_for(pilot, lambda: bool(message(app)))
        assert message(app) == t("accounts.query.sent_email")
        assert all(not w.value for w in app.screen.query(Input))  # a public screen
        assert app.focused is not None and app.focused.id == "to-login"

        mail = server.collector.parsed()
        assert mail["To"] == "meihua.lin@example.com"
        body = mail.get_content()
        assert "linmeihua01" in body
        with app.store.session() as session:
            sent = session.exec(select(Delivery)).one()
        assert (sent.channel, sent.transport, sent.status) == ("email", "smtp", "sent")
        assert audit(app, "credential_query") == ["sent"]

        await pilot.press("enter")  # 回登入頁面
        await wait_for(pilot, lambda: screen_name(pilot) == "LoginScreen")
        await log_in_and_change_password(pilot, "linmeihua01", "林美華", temporary_password(body))
        assert app.candidate is not None and app.candidate.account == "linmeihua01"
    row = candidate(app, "linmeihua01")
    assert not row.must_change_password and row.temp_password_hash is None


async def test_legacy_candidate_gets_a_password_by_sms_and_logs_in(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await open_page(pilot)
        await fill(pilot, "H124680240", "陳志豪", "0933-555-777", sms=True)
        await click(pilot, "#submit")  # scrolled to, as a person would
        await wait_for(pilot, lambda: bool(message(app)))
        assert message(app) == t("accounts.query.sent_sms")
        [sms] = list_outbox(app.settings)
        assert (sms.channel, sms.to) == ("sms", "+886933555777")
        assert "ipas2023chen" in sms.body

        await click(pilot, "#to-login")  # scrolled to, as a person would
        await wait_for(pilot, lambda: screen_name(pilot) == "LoginScreen")
        await log_in_and_change_password(
            pilot, "ipas2023chen", "陳志豪", temporary_password(sms.body)
        )
        assert app.candidate is not None and app.candidate.account == "ipas2023chen"


async def test_unmatched_data_gets_the_same_answer_and_nothing_is_sent(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await open_page(pilot)
        await fill(pilot, "F222333444", "林美華", "someone.else@example.com")
        await pilot.press("enter")
        await wait_for(pilot, lambda: bool(message(app)))
        unmatched = message(app)
        assert list_outbox(app.settings) == []
        assert candidate(app, "linmeihua01").temp_password_hash is None

        await fill(pilot, "F222333444", "林美華", "meihua.lin@example.com")
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(list_outbox(app.settings)) == 1)
        await wait_for(pilot, lambda: not app.screen.query_one("#submit", Button).disabled)
        assert message(app) == unmatched
    assert audit(app, "credential_query") == ["unmatched", "sent"]


async def test_wrong_captcha_renews_it_and_touches_no_database(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory()
    answers = (f"{n:05d}" for n in itertools.count(10000))
    app.captcha_source = lambda: next(answers)
    async with app.run_test(size=(100, 32)) as pilot:
        await open_page(pilot)
        captcha = app.screen.query_one(CaptchaWidget).captcha
        first = captcha.challenge
        await fill(pilot, "F222333444", "林美華", "meihua.lin@example.com", captcha="99999")
        await pilot.press("enter")
        await wait_for(pilot, lambda: bool(message(app)))
        assert message(app) == t("accounts.captcha.wrong")
        renewed = captcha.challenge
        assert renewed is not first and renewed.answer != first.answer
        assert app.screen.query_one("#captcha-input", Input).value == ""
        assert app.focused is not None and app.focused.id == "captcha-input"
        assert app.screen.query_one("#national-id", Input).value == "F222333444"  # kept
        assert audit(app, "credential_query") == []
        assert list_outbox(app.settings) == []

        await type_into(pilot, "#captcha-input", renewed.answer)  # the new picture's digits
        await pilot.press("enter")
        await wait_for(pilot, lambda: message(app) == t("accounts.query.sent_email"))
    assert audit(app, "credential_query") == ["sent"]


async def test_channel_switch_shows_mobile_hides_email_and_sends_by_sms(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await open_page(pilot)
        screen = app.screen
        assert screen.query_one("#email-field").display
        assert not screen.query_one("#mobile-field").display
        await paste_into(pilot, "#email", "meihua.lin@example.com")
        await click(pilot, "#channel-sms")  # scrolled to, as a person would
        await pilot.pause()
        assert screen.query_one("#mobile-field").display
        assert not screen.query_one("#email-field").display
        await paste_into(pilot, "#national-id", "F222333444")
        await type_into(pilot, "#chinese-name", "林美華")
        await paste_into(pilot, "#mobile", "0922333444")
        await paste_into(pilot, "#captcha-input", CAPTCHA)
        await pilot.press("enter")
        await wait_for(pilot, lambda: bool(message(app)))
        assert message(app) == t("accounts.query.sent_sms")
        assert [m.channel for m in list_outbox(app.settings)] == ["sms"]  # the e-mail: not sent
        await click(pilot, "#channel-email")  # scrolled to, as a person would
        await pilot.pause()
        assert screen.query_one("#email-field").display
        assert not screen.query_one("#mobile-field").display


async def test_invalid_values_are_answered_under_their_fields(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await open_page(pilot)
        await fill(pilot, "F222333445", "林美華", "not-an-address")
        await pilot.press("enter")
        await wait_for(pilot, lambda: bool(message(app)))
        assert message(app) == t("accounts.query.invalid")
        assert text(app, "#national-id-error") == t("accounts.query.national_id")
        assert text(app, "#email-error")
        assert app.focused is not None and app.focused.id == "national-id"

        await pilot.press("f2")  # English: labels, the validity note and the answers follow
        assert str(app.screen.query_one("#channel-sms", RadioButton).label) == "SMS"
        assert "24 hours" in text(app, "#temporary-note")
        assert message(app) == t("accounts.query.invalid", "en")
        assert text(app, "#national-id-error") == t("accounts.query.national_id", "en")
    assert audit(app, "credential_query") == []


async def test_submit_is_reachable_and_works_at_80x24(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_page(pilot)
        await fill(pilot, "F222333444", "林美華", "meihua.lin@example.com", captcha="")
        await type_into(pilot, "#captcha-input", CAPTCHA)
        await pilot.press("tab")
        assert app.focused is not None and app.focused.id == "submit"
        await pilot.pause()
        assert app.screen.query_one("#submit", Button).region.bottom <= 23
        await click(pilot, "#submit")  # scrolled to, as a person would
        await wait_for(pilot, lambda: message(app) == t("accounts.query.sent_email"))
        assert app.screen.query_one("#message").region.height > 0  # the answer is in view
