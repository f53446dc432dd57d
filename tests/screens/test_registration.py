"""Registration (註冊) from the login's hand-over down to the database and the candidate home."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlmodel import func, select
from textual import events
from textual.pilot import Pilot
from textual.widgets import Button, Input, OptionList, RadioButton, Select, Static

from kiosk.core import passwords, rules
from kiosk.infra.i18n import t
from kiosk.infra.store import Store, get_candidate_by_account
from kiosk.infra.tables import Candidate
from kiosk.ui.kiosk.app import KioskApp
from kiosk.ui.kiosk.modals import ConfirmScreen
from kiosk.ui.kiosk.registration import RegistrationScreen
from kiosk.ui.textual_private import select_values
from kiosk.ui.widgets.profile_form import ProfileForm
from kiosk.ui.widgets.rule_hints import RuleHints
from tests.screens.conftest import (
    CAPTCHA,
    deliver_paste,
    page_ready,
    screen_name,
    type_into,
    visible_text,
    wait_for,
)

PASSWORD = "Tq7#pLm2$Vx9"
NEW_ID = "A234567893"  # a valid citizen number nobody in the demo data has
DESIGN_IDS = [
    "account",
    "nationality",
    "national-id",
    "chinese-name",
    "english-surname",
    "english-given-name",
    "email",
    "password",
    "password-confirm",
    "mobile",
    "gender",
    "education",
    "school",
    "department",
    "submit",
]
RULED = [
    "account",
    "national-id",
    "chinese-name",
    "english-surname",
    "english-given-name",
    "email",
    "password",
    "password-confirm",
    "mobile",
]


async def paste(pilot: Pilot[Any], selector: str, text: str, *, replace: bool = True) -> None:
    """Put ``text`` into a box the way an IME or a paste does (fast; any script)."""
    await wait_for(pilot, lambda: bool(pilot.app.screen.query(selector)))  # page still composing
    box = pilot.app.screen.query_one(selector, Input)
    box.focus()
    await wait_for(pilot, lambda: pilot.app.focused is box)
    if replace:
        box.value = ""
    await deliver_paste(pilot, box, text)


async def choose(pilot: Pilot[Any], selector: str, value: str) -> None:
    """Open a Select with the keyboard, go to the first option, then down to ``value``."""
    widget = pilot.app.screen.query_one(selector, Select)
    widget.focus()
    await wait_for(pilot, lambda: pilot.app.focused is widget)
    index = select_values(widget).index(value)
    await pilot.press("enter", "home", *["down"] * index, "enter")
    await pilot.pause()
    assert widget.value == value


async def press_button(pilot: Pilot[Any], selector: str) -> None:
    button = pilot.app.screen.query_one(selector, Button)
    # a worker may still hold it; and for 0.2 s after a press a Button shows its "-active" effect
    # and ignores the next one (Textual's Button.action_press), which a fast first attempt at
    # bcrypt cost 4 ended well within: the second press of a test was lost
    await wait_for(pilot, lambda: not button.disabled and not button.has_class("-active"))
    button.focus()
    await wait_for(pilot, lambda: pilot.app.focused is button)  # focus moves on a later tick
    await pilot.press("enter")


def registration(app: KioskApp, **prefill: str) -> RegistrationScreen:
    screen = RegistrationScreen(prefill or None)
    app.push_screen(screen)
    return screen


async def fill_form(pilot: Pilot[Any], **values: str) -> None:
    """Fill every field not carried over, as pastes without moving the focus (fast; typing and
    the keyboard on each kind of control are tested on their own)."""
    form = {
        "#account": "newuser2026",
        "#national-id": NEW_ID,
        "#chinese-name": "張志明",
        "#email": "zhiming.zhang@example.com.tw",
        "#password": PASSWORD,
        "#password-confirm": PASSWORD,
        "#mobile": "0912987654",
        "#school": "國立清華大學",
        "#department": "資訊工程學系",
    }
    form.update({f"#{k.replace('_', '-')}": v for k, v in values.items()})
    screen = pilot.app.screen
    for selector, text in form.items():
        box = screen.query_one(selector, Input)
        if box.value != text:
            box.value = ""
            await deliver_paste(pilot, box, text)
    screen.query_one("#gender-m", RadioButton).value = True
    screen.query_one("#education", Select).value = "04"
    await pilot.pause()


def count(app: KioskApp) -> int:
    with app.store.session() as session:
        return session.exec(select(func.count()).select_from(Candidate)).one()


def modal_text(app: KioskApp) -> str:
    return "\n".join(str(w.render()) for w in app.screen.query(Static))


async def submit_and_confirm(pilot: Pilot[Any], *, confirm: bool = True) -> str:
    await press_button(pilot, "#submit")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen))
    text = modal_text(pilot.app)  # type: ignore[arg-type]
    await pilot.click("#confirm-yes" if confirm else "#confirm-no")
    return text


async def test_first_login_registers_saves_and_greets(app_factory: Callable[..., KioskApp]) -> None:
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await paste(pilot, "#account", "newuser2026")
        await type_into(pilot, "#chinese-name", "張志明")
        await paste(pilot, "#password", PASSWORD)
        await paste(pilot, "#captcha-input", CAPTCHA)
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_name(pilot) == "RegistrationScreen")
        screen = app.screen
        for input_id in DESIGN_IDS:
            assert screen.query(f"#{input_id}"), input_id
        for input_id in RULED:
            assert screen.query_one(f"#{input_id}-rules", RuleHints)
        carried = {i: screen.query_one(f"#{i}", Input).value for i in ("account", "chinese-name")}
        assert carried == {"account": "newuser2026", "chinese-name": "張志明"}
        assert screen.query_one("#password", Input).value == PASSWORD
        assert screen.query_one("#password-confirm", Input).value == ""
        # 註4: the Tongyong default appears without typing anything in the English boxes
        surname, given = (
            screen.query_one(f"#english-{n}", Input) for n in ("surname", "given-name")
        )
        await wait_for(pilot, lambda: (surname.value, given.value) == ("JHANG", "JHIH-MING"))

        await fill_form(pilot)
        shown = await submit_and_confirm(pilot)
        assert NEW_ID in shown  # in full: the candidate checks their own ID (issue 12)
        assert "newuser2026" in shown
        await wait_for(pilot, lambda: screen_name(pilot) == "CandidateHomeScreen")
        assert "張志明" in str(app.screen.query_one("#greeting", Static).render())
        assert app.candidate is not None and app.candidate.account == "newuser2026"
    with app.store.session() as session:
        row = get_candidate_by_account(session=session, account="newuser2026")
        assert row is not None and row.password_hash is not None
        assert row.password_hash.startswith("$2") and PASSWORD not in row.password_hash
        assert passwords.verify_password(PASSWORD, row.password_hash)
        assert (row.english_surname, row.english_given_name) == ("JHANG", "JHIH-MING")
        assert (row.national_id, row.nationality, row.gender, row.education) == (
            NEW_ID, "TW", "M", "04",
        )  # fmt: skip
        assert (row.school, row.department) == ("國立清華大學", "資訊工程學系")
        assert (row.mobile, row.origin, row.profile_complete) == ("0912987654", "self", True)


async def test_english_name_follows_the_chinese_name_until_edited(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        screen = registration(app, chinese_name="張志明")
        await wait_for(pilot, lambda: app.screen is screen and page_ready(app))
        surname = screen.query_one("#english-surname", Input)
        given = screen.query_one("#english-given-name", Input)
        await wait_for(pilot, lambda: (surname.value, given.value) == ("JHANG", "JHIH-MING"))
        await paste(pilot, "#chinese-name", "歐陽娜娜")  # a compound surname goes in box 1 (註5)
        await wait_for(pilot, lambda: (surname.value, given.value) == ("OUYANG", "NA-NA"))
        await type_into(pilot, "#english-surname", "X")  # the candidate's own spelling now
        await pilot.press("backspace")
        await type_into(pilot, "#english-given-name", "NANA")
        given_now = given.value
        await paste(pilot, "#chinese-name", "李大同")
        form = screen.query_one(ProfileForm)
        await wait_for(pilot, lambda: "李大同" in form.settled_names)  # its answer came…
        assert (surname.value, given.value) == ("OUYANG", given_now)  # …and changed nothing


async def test_nationality_switches_the_id_rule_and_label(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        screen = registration(app)
        await wait_for(pilot, lambda: app.screen is screen and page_ready(app))
        hints = screen.query_one("#national-id-rules", RuleHints)
        label = screen.query_one("#national-id-field .field-label", Static)

        def kind_ok() -> bool | None:
            checks = {c.rule: c.ok for c in hints.checks}
            return checks.get("kind") if hints.value == screen.value("national-id") else None

        box = screen.query_one("#national-id", Input)
        box.focus()
        await pilot.pause()
        for ch in "a 234567893":  # keys typed ahead of the screen: normalized, none lost
            box.post_message(events.Key(ch if ch != " " else "space", ch))
        await pilot.pause()
        assert box.value == NEW_ID and box.cursor_position == len(NEW_ID)
        await wait_for(pilot, lambda: kind_ok() is True)
        assert "身分證號" in str(label.render())
        await choose(pilot, "#nationality", "foreign")
        await wait_for(pilot, lambda: kind_ok() is False)
        assert hints.state_of(next(c for c in hints.checks if c.rule == "kind")) == "error"
        assert "居留證號" in str(label.render())
        await paste(pilot, "#national-id", "B812345672")
        await wait_for(pilot, lambda: kind_ok() is True and all(c.ok for c in hints.checks))


async def test_duplicate_account_then_duplicate_id_are_answered_per_field(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory()
    before = count(app)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = registration(app)
        await wait_for(pilot, lambda: app.screen is screen and page_ready(app))
        await fill_form(pilot, account="WANG2026")
        await submit_and_confirm(pilot)
        error = screen.query_one("#account-error", Static)
        await wait_for(pilot, lambda: "此帳號已有人使用" in str(error.render()))
        assert not screen.query_one("#submit", Button).disabled
        await paste(pilot, "#account", "newuser2026")
        assert str(error.render()) == ""  # typing clears the server's answer
        await paste(pilot, "#national-id", "A123456789")
        await submit_and_confirm(pilot)
        id_error = screen.query_one("#national-id-error", Static)
        await wait_for(pilot, lambda: "身分證號已註冊" in str(id_error.render()))
        assert str(error.render()) == ""
        assert screen_name(pilot) == "RegistrationScreen"
    assert count(app) == before


async def test_cancel_in_the_confirmation_saves_nothing(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory()
    before = count(app)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = registration(app)
        await wait_for(pilot, lambda: app.screen is screen and page_ready(app))
        await fill_form(pilot)
        await submit_and_confirm(pilot, confirm=False)
        await wait_for(pilot, lambda: app.screen is screen)
        await wait_for(pilot, lambda: not screen.query_one("#submit", Button).disabled)
        assert screen.value("account") == "newuser2026"  # nothing lost either
        await press_button(pilot, "#cancel")
        await wait_for(pilot, lambda: screen_name(pilot) == "LoginScreen")
    assert count(app) == before


async def test_account_rules_change_with_every_key(app_factory: Callable[..., KioskApp]) -> None:
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        screen = registration(app)
        await wait_for(pilot, lambda: app.screen is screen and page_ready(app))
        hints = screen.query_one("#account-rules", RuleHints)

        def states() -> dict[str, str]:
            checks = hints.checks or tuple(rules.check("account", ""))
            return {c.rule: hints.state_of(c) for c in checks}

        assert set(states().values()) == {"pending"}  # nothing typed yet
        await type_into(pilot, "#account", "ab")
        await wait_for(pilot, lambda: states().get("length") == "error")
        assert states()["required"] == "ok" and not hints.has_class("-empty")
        await type_into(pilot, "#account", "c2026")
        await wait_for(pilot, lambda: set(states().values()) == {"ok"})
        await type_into(pilot, "#account", "中")
        await wait_for(pilot, lambda: states().get("no_chinese") == "error")
        assert states()["length"] == "ok"


async def test_school_picker_suggests_fills_and_accepts_free_text(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        screen = registration(app)
        await wait_for(pilot, lambda: app.screen is screen and page_ready(app))
        school = screen.query_one("#school", Input)
        options = screen.query_one("#school-options", OptionList)
        await paste(pilot, "#school", "臺灣")
        await wait_for(pilot, lambda: options.display and options.option_count > 0)
        shown = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert 0 < len(shown) <= 6 and all("臺灣" in name for name in shown)
        await pilot.press("down")
        assert app.focused is options
        await pilot.press("down", "enter")
        await pilot.pause()
        assert school.value == shown[1] and app.focused is school
        assert not options.display
        await paste(pilot, "#school", "台北")  # 台 and 臺 alike
        await wait_for(pilot, lambda: options.display and options.option_count > 0)
        await pilot.press("tab")  # leaves past the list
        await pilot.pause()
        assert app.focused is screen.query_one("#department", Input) and not options.display
        await paste(pilot, "#school", "不在名單上的補習學校")
        await pilot.pause()
        assert not options.display and school.value == "不在名單上的補習學校"
        await choose(pilot, "#education", "01")  # 國中(含)以下: no school asked
        await pilot.pause()
        assert not screen.query_one("#school-field").display


async def test_every_field_and_the_save_button_reachable_at_80x24(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = registration(app, account="newuser2026", chinese_name="張志明", password=PASSWORD)
        await wait_for(pilot, lambda: app.screen is screen and page_ready(app))
        body = screen.query_one("#body")
        assert body.max_scroll_x == 0  # nothing wider than 80 columns
        for widget_id in [*DESIGN_IDS, "cancel"]:
            widget = screen.query_one(f"#{widget_id}")
            widget.focus()
            # Focus scrolls the body; under load that takes more than one frame.
            await wait_for(pilot, lambda w=widget: body.region.contains_region(w.region))
        await fill_form(pilot)
        await pilot.click("#submit")  # only works on a button that is on screen
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.click("#confirm-yes")
        await wait_for(pilot, lambda: screen_name(pilot) == "CandidateHomeScreen")
    assert count(app) == 5


async def test_an_unreachable_database_gives_a_message_and_keeps_the_form(
    app_factory: Callable[..., KioskApp], tmp_path: Path
) -> None:
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        screen = registration(app)
        await wait_for(pilot, lambda: app.screen is screen and page_ready(app))
        await fill_form(pilot)
        app.store.dispose()
        app._store = Store(f"sqlite:///{tmp_path / 'missing' / 'kiosk.db'}")
        await submit_and_confirm(pilot)
        message = screen.query_one("#message", Static)
        await wait_for(pilot, lambda: "資料庫" in str(message.render()))
        assert app.screen is screen and screen.value("account") == "newuser2026"
        assert not screen.query_one("#submit", Button).disabled


async def test_tab_through_the_form_moves_nothing(app_factory: Callable[..., KioskApp]) -> None:
    """Nothing on the page moves when the focus moves: every checklist is on screen from the
    start (the rules of a field not yet visited are read before it is), so a Tab only moves the
    focus and, below the fold, scrolls."""
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        screen = registration(app, account="newuser2026", chinese_name="張志明", password=PASSWORD)
        await wait_for(pilot, lambda: app.screen is screen and page_ready(app))
        await pilot.pause()
        body = screen.query_one("#body")
        email_rule = t(rules.message_key("email", "syntax"), "zh-TW")
        body.scroll_to_widget(screen.query_one("#email-rules"), animate=False)
        await wait_for(pilot, lambda: email_rule in visible_text(app))
        assert app.focused is not screen.query_one("#email", Input)
        body.scroll_home(animate=False)
        await pilot.pause()

        def places() -> dict[str, int]:  # where each row sits on the page (not on the screen)
            return {f"#{i}": screen.query_one(f"#{i}").virtual_region.y for i in DESIGN_IDS}

        before = places()
        visited = set()
        for _ in range(12):
            await pilot.press("tab")
            await pilot.pause()
            focused = app.focused
            assert focused is not None and focused.id is not None
            visited.add(focused.id)
            assert places() == before, focused.id
        assert {"chinese-name", "email", "password-confirm", "mobile"} <= visited
