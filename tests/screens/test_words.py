"""Words that misled a first-time candidate (issue 12, item 6), asserted on what the screen
shows: the legacy holder's banner, change password's answers and live rule, rules phrased as
requirements, the free-mail advice, the 31st account character, the whole ID on the save
confirmation, the service desks' separators, and Taiwan time in the outbox."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from typer.testing import CliRunner

from kiosk.ui.kiosk.app import KioskApp
from kiosk.ui.kiosk.basic_data import BasicDataScreen
from tests.screens.conftest import page_built, screen_name, type_into, visible_text, wait_for
from tests.screens.test_candidate_area import at_home, view_of
from tests.screens.test_registration import press_button, registration

SIZES = [(80, 24), (100, 32)]


async def on_page(pilot: Pilot[Any], name: str) -> None:
    await wait_for(pilot, lambda: screen_name(pilot) == name)
    await page_built(pilot)


def seen(app: Any) -> str:
    """The visible text with a rule's glyph next to its words (a styled line keeps no space)."""
    return glyphs_tight(visible_text(app))


def glyphs_tight(text: str) -> str:
    return text.replace("✗ ", "✗").replace("✓ ", "✓").replace("! ", "!")


async def shows(pilot: Pilot[Any], text: str) -> None:
    text = glyphs_tight(text)
    try:
        await wait_for(pilot, lambda: text in seen(pilot.app), timeout=10)
    except AssertionError:
        raise AssertionError(f"{text!r} not in view:\n{visible_text(pilot.app)}") from None


@pytest.mark.parametrize(
    ("language", "legacy", "group"),
    [("zh-TW", "已獲檢定之考生", "團報考生"), ("en", "Certificate holders", "by a group")],
)
async def test_a_legacy_certificate_holder_gets_their_own_words_not_the_group_banner(
    app_factory: Callable[..., KioskApp], language: str, legacy: str, group: str
) -> None:
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        app.language = language
        for account, says, never in (
            ("ipas2023chen", legacy, group),
            ("linmeihua01", group, legacy),
        ):
            app.signed_in(view_of(app, account))
            await app.push_screen(BasicDataScreen(view_of(app, account), required=True))
            await on_page(pilot, "BasicDataScreen")
            shown = visible_text(app)
            assert says in shown and never not in shown, shown
            app.pop_screen()
            await on_page(pilot, "LoginScreen")


@pytest.mark.parametrize("size", SIZES)
async def test_change_password_says_what_is_wrong(
    app_factory: Callable[..., KioskApp], size: tuple[int, int]
) -> None:
    app = app_factory()
    async with app.run_test(size=size) as pilot:
        await at_home(pilot)
        await pilot.click("#change-password")
        await on_page(pilot, "ChangePasswordScreen")
        await type_into(pilot, "#current-password", "Kiosk#Demo2026")
        await type_into(pilot, "#password", "Kiosk#Demo2026")  # every other rule is met
        await shows(pilot, "✗ 須與目前密碼不同")  # a live rule, seen while typing
        assert seen(app).count("✗") == 1
        await type_into(pilot, "#current-password", "x")  # now Kiosk#Demo2026x: wrong
        await type_into(pilot, "#password", "2")
        await type_into(pilot, "#password-confirm", "Kiosk#Demo20262")
        await press_button(pilot, "#submit")
        await shows(pilot, "目前密碼不正確")
        assert "重新登入" not in visible_text(app)  # a typo is no reason to log in again


@pytest.mark.parametrize(
    ("language", "unmet"),
    [("zh-TW", "✗ 檢查碼須正確"), ("en", "✗ The check digit must be right")],
)
async def test_a_broken_rule_reads_as_a_requirement_not_met(
    app_factory: Callable[..., KioskApp], language: str, unmet: str
) -> None:
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        app.language = language
        await press_button(pilot, "#forgot")
        await on_page(pilot, "CredentialQueryScreen")
        await type_into(pilot, "#national-id", "A123456788")  # the check digit is wrong
        await shows(pilot, unmet)


@pytest.mark.parametrize("size", SIZES)
async def test_the_free_mail_advice_is_never_ticked_for_a_free_mail_address(
    app_factory: Callable[..., KioskApp], size: tuple[int, int]
) -> None:
    app = app_factory()
    async with app.run_test(size=size) as pilot:
        registration(app)
        await on_page(pilot, "RegistrationScreen")
        await type_into(pilot, "#email", "someone@gmail.com")
        await shows(pilot, "! 免費信箱易將通知信件")
        await type_into(pilot, "#email", "\b" * 9 + "ipas.tw")  # someone@ipas.tw
        await shows(pilot, "✓ 須為有效的電子郵件地址")
        shown = seen(app)
        assert "免費信箱易將通知信件" in shown  # still said, as a note
        assert "✓免費信箱" not in shown and "!免費信箱" not in shown


@pytest.mark.parametrize("size", SIZES)
async def test_a_31st_account_character_shows_with_the_length_rule_broken(
    app_factory: Callable[..., KioskApp], size: tuple[int, int]
) -> None:
    app = app_factory()
    async with app.run_test(size=size) as pilot:
        await type_into(pilot, "#account", "a" * 31)
        await shows(pilot, "a" * 31)
        await shows(pilot, "✗ 帳號長度")


async def test_the_save_confirmation_shows_the_whole_id_to_check(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        registration(app)
        await on_page(pilot, "RegistrationScreen")
        await type_into(pilot, "#account", "newcomer2026")
        await type_into(pilot, "#national-id", "A123456789")
        await press_button(pilot, "#submit")
        await wait_for(pilot, lambda: screen_name(pilot) == "ConfirmScreen")
        await shows(pilot, "身分證號：A123456789")


@pytest.mark.parametrize("size", SIZES)
async def test_service_desks_keep_phone_and_e_mail_apart_in_chinese(
    app_factory: Callable[..., KioskApp], size: tuple[int, int]
) -> None:
    app = app_factory()
    async with app.run_test(size=size) as pilot:
        await at_home(pilot)
        await pilot.click("#service-desks")
        await on_page(pilot, "ServiceDesksScreen")
        shown = visible_text(app)
        assert "5917544信箱" not in shown
        assert "03-5917544\u3000信箱 iPAS@itri.org.tw" in shown


def test_the_outbox_lists_taiwan_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kiosk.cli import app as cli
    from kiosk.core import delivery
    from tests.conftest import make_settings

    settings = make_settings(tmp_path)
    monkeypatch.setenv("IPAS_KIOSK_OUTBOX_DIR", str(settings.outbox_dir))
    monkeypatch.setenv("IPAS_KIOSK_CONFIG_FILE", str(tmp_path / "none.toml"))
    delivery.send_credentials(
        settings,
        channel="sms",
        to="0912345678",
        account="wang2026",
        temporary_password="Temp#Pass2026x",
        valid_minutes=10,
        language="zh-TW",
    )
    [item] = delivery.list_outbox(settings)
    taiwan = item.at.astimezone(UTC).replace(tzinfo=None) + (
        datetime(2000, 1, 1, 8) - datetime(2000, 1, 1)
    )
    listed = CliRunner().invoke(cli, ["outbox"]).output
    assert f"{taiwan:%Y-%m-%d %H:%M:%S} (Taiwan)" in listed, listed
    shown = CliRunner().invoke(cli, ["outbox", "--latest"]).output
    assert f"at: {taiwan:%Y-%m-%d %H:%M:%S} (Taiwan)" in shown
