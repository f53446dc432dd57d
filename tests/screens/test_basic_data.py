"""考生基本資料維護: a group candidate completes the profile; a candidate corrects it from home."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import Button, Input, Static

from kiosk.core import passwords
from kiosk.infra.store import get_candidate_by_account
from kiosk.ui.kiosk.app import KioskApp
from kiosk.ui.kiosk.basic_data import BasicDataScreen
from kiosk.ui.widgets.profile_form import ProfileForm
from tests.screens.conftest import CAPTCHA, screen_name, type_into, wait_for
from tests.screens.test_candidate_area import view_of
from tests.screens.test_registration import choose, paste, press_button

GROUP_PASSWORD = "Kq3#vWn8$Lp2"


def open_basic_data(app: KioskApp, account: str, *, required: bool = False) -> BasicDataScreen:
    view = view_of(app, account)
    app.signed_in(view)
    screen = BasicDataScreen(view, required=required)
    app.push_screen(screen)
    return screen


def all_text(app: KioskApp) -> str:
    return "\n".join(str(w.render()) for w in app.screen.query(Static))


async def test_group_candidate_completes_the_profile_after_first_login(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory()
    with app.store.session() as session:  # as if the credential query had been used
        row = get_candidate_by_account(session=session, account="linmeihua01")
        assert row is not None
        row.password_hash = passwords.hash_password(GROUP_PASSWORD, app.settings.bcrypt_rounds)
        session.add(row)
    async with app.run_test(size=(100, 32)) as pilot:
        await paste(pilot, "#account", "linmeihua01")
        await type_into(pilot, "#chinese-name", "林美華")
        await paste(pilot, "#password", GROUP_PASSWORD)
        await paste(pilot, "#captcha-input", CAPTCHA)
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_name(pilot) == "BasicDataScreen")
        screen = app.screen
        assert not screen.query("#back")  # required: no way around it but end session
        ids = {box.id for box in screen.query(Input)}
        assert not ids & {"account", "national-id", "nationality"}  # 註2: never editable
        assert str(screen.query_one("#account-text", Static).render()) == "linmeihua01"
        assert str(screen.query_one("#national-id-text", Static).render()) == "F22233****"
        assert "F222333444" not in all_text(app)
        surname = screen.query_one("#english-surname", Input)
        given = screen.query_one("#english-given-name", Input)
        await wait_for(pilot, lambda: (surname.value, given.value) == ("LIN", "MEI-HUA"))

        await press_button(pilot, "#submit")  # gender, education still missing
        gender_error = screen.query_one("#gender-error", Static)
        await wait_for(pilot, lambda: "必填" in str(gender_error.render()))
        assert app.focused is screen.query_one("#gender")  # the first broken field
        await pilot.press("down", "enter")  # 女
        assert str(gender_error.render()) == ""
        await choose(pilot, "#education", "05")
        await paste(pilot, "#school", "國立臺灣科技大學")
        await paste(pilot, "#department", "色彩與照明科技研究所")
        await press_button(pilot, "#submit")
        await wait_for(pilot, lambda: screen_name(pilot) == "CandidateHomeScreen")
        assert "林美華" in str(app.screen.query_one("#greeting", Static).render())
        assert app.candidate is not None and app.candidate.profile_complete
    with app.store.session() as session:
        row = get_candidate_by_account(session=session, account="linmeihua01")
        assert row is not None and row.profile_complete
        assert (row.gender, row.education, row.english_surname, row.english_given_name) == (
            "F", "05", "LIN", "MEI-HUA",
        )  # fmt: skip
        assert (row.school, row.department) == ("國立臺灣科技大學", "色彩與照明科技研究所")


async def test_correcting_the_profile_from_home_stays_and_says_saved(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        screen = open_basic_data(app, "wang2026")
        await pilot.pause()
        assert screen.value("english-surname") == "WANG"  # the stored name, not recomputed
        await paste(pilot, "#chinese-name", "王曉明")
        form = screen.query_one(ProfileForm)
        await wait_for(pilot, lambda: "王曉明" in form.settled_names)  # its answer came…
        assert screen.value("english-given-name") == "SIAO-MING"  # …and left the candidate's own
        await paste(pilot, "#mobile", "0912-000-111")
        await press_button(pilot, "#submit")
        message = screen.query_one("#message", Static)
        await wait_for(pilot, lambda: "已儲存" in str(message.render()))
        assert message.has_class("-ok") and app.screen is screen
        assert screen.value("mobile") == "0912000111"  # shown as stored
        assert app.candidate is not None and app.candidate.chinese_name == "王曉明"
        await press_button(pilot, "#back")
        await wait_for(pilot, lambda: screen_name(pilot) == "LoginScreen")
    with app.store.session() as session:
        row = get_candidate_by_account(session=session, account="wang2026")
        assert row is not None and (row.chinese_name, row.mobile) == ("王曉明", "0912000111")


async def test_broken_values_are_answered_under_their_fields_and_not_saved(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        screen = open_basic_data(app, "wang2026")
        await pilot.pause()
        await paste(pilot, "#email", "not-an-address")
        await press_button(pilot, "#submit")
        error = screen.query_one("#email-error", Static)
        await wait_for(pilot, lambda: str(error.render()) != "")
        assert not screen.query_one("#submit", Button).disabled
    with app.store.session() as session:
        row = get_candidate_by_account(session=session, account="wang2026")
        assert row is not None and row.email == "xiaoming.wang@example.com"


async def test_basic_data_usable_at_80x24(app_factory: Callable[..., KioskApp]) -> None:
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = open_basic_data(app, "ipas2023chen", required=True)
        await pilot.pause()
        body = screen.query_one("#body")
        assert body.max_scroll_x == 0
        for widget_id in ("chinese-name", "mobile", "gender", "education", "school", "submit"):
            widget = screen.query_one(f"#{widget_id}")
            widget.focus()
            await wait_for(pilot, lambda w=widget: body.region.contains_region(w.region))
        await paste(pilot, "#email", "chen.zhihao@example.com.tw")
        await choose(pilot, "#education", "01")  # no school asked at this level
        assert not screen.query_one("#school-field").display
        gender = screen.query_one("#gender")
        gender.focus()
        await pilot.pause()
        await pilot.press("enter")
        await pilot.click("#submit")
        await wait_for(pilot, lambda: screen_name(pilot) == "CandidateHomeScreen")
    with app.store.session() as session:
        row = get_candidate_by_account(session=session, account="ipas2023chen")
        assert row is not None and row.profile_complete and row.education == "01"
        assert (row.school, row.department, row.english_surname) == ("", "", "CHEN")
