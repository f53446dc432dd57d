"""The README's demo, walked as people walk it: every flow of the demo table at 80x24 and 100x32,
in 中文 and in English, once by keys only and once by clicks only — and checked on what the
screen shows, not on what a widget holds.

By keys, a field or button is reached with Tab (never by focusing it from the test) and pressed
with Enter; by clicks, the page is scrolled with the mouse wheel until the target is wholly on the
screen and tapped in its middle, and the tap must land on it. After every step the answer must be
in the visible region."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import pytest
from textual import events
from textual.errors import NoWidget
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Button, Input, OptionList, RadioButton, RadioSet, Select
from textual.widgets._select import SelectOverlay

from kiosk.core.delivery import list_outbox
from kiosk.core.demo import SAMPLE_PDF
from kiosk.infra.i18n import t
from kiosk.ui.kiosk.app import KioskApp
from tests.screens.conftest import CAPTCHA, deliver_paste, page_built, visible_text, wait_for
from tests.screens.test_candidate_area import registrations_of, subject_value
from tests.screens.test_credential_query import temporary_password
from tests.screens.test_registration import NEW_ID, PASSWORD

SIZES = [(80, 24), (100, 32)]
LANGUAGES = ["zh-TW", "en"]
MODES = ["keys", "clicks"]
NEW_PASSWORD = "Hsinchu#Kiosk77"
MAX_TABS = 60
SCROLLBAR = "▁▂▃▄▅▆▇█▔▕▏"


def squeezed(text: str) -> str:
    """Text as read across line wraps: no spaces or line ends, no scrollbar glyphs beside it."""
    return "".join(ch for ch in text if not ch.isspace() and ch not in SCROLLBAR)


def ways() -> list[Any]:
    return [
        pytest.param(size, language, mode, id=f"{size[0]}x{size[1]}-{language}-{mode}")
        for size in SIZES
        for language in LANGUAGES
        for mode in MODES
    ]


class Person:
    """A candidate at the terminal, by keys only or by clicks only."""

    def __init__(self, pilot: Pilot[Any], mode: str, language: str) -> None:
        self.pilot = pilot
        self.app = pilot.app
        self.mode = mode
        self.language = language

    # ------------------------------------------------------------------ what the screen shows

    def shows(self, *texts: str) -> bool:
        shown = squeezed(visible_text(self.app))
        return all(squeezed(text) in shown for text in texts)

    def sees(self, *texts: str) -> None:
        shown = visible_text(self.app)
        missing = [text for text in texts if squeezed(text) not in squeezed(shown)]
        assert not missing, f"not on the screen: {missing!r}\n--- screen ---\n{shown}"

    async def waits_to_see(self, *texts: str) -> None:
        try:
            await wait_for(self.pilot, lambda: self.shows(*texts), 30)
        except AssertionError:
            self.sees(*texts)  # says what is missing and what the screen shows
            raise

    async def on_page(self, name: str) -> None:
        await wait_for(self.pilot, lambda: type(self.app.screen).__name__ == name)
        await page_built(self.pilot)

    # ------------------------------------------------------------------ hands

    def _target(self, selector: str) -> Widget:
        return self.app.screen.query_one(selector)

    async def _tab_to(self, widget: Widget) -> None:
        for _ in range(MAX_TABS):
            if self.app.focused is widget:
                break
            await self.pilot.press("tab")
        assert self.app.focused is widget, f"Tab never reached #{widget.id}"
        try:  # the page scrolls to the focused widget after its next refresh
            await wait_for(self.pilot, lambda: self._wholly_visible(widget), 5)
        except AssertionError:
            raise AssertionError(
                f"#{widget.id} has focus but is out of sight:\n{visible_text(self.app)}"
            ) from None

    def _wholly_visible(self, widget: Widget) -> bool:
        """On the screen and not clipped by its container (the page body ends above the
        footer: a box below it has a region on the screen, hidden under the footer)."""
        try:
            where = self.app.screen.find_widget(widget)
        except NoWidget:
            return False
        return bool(where.region) and where.visible_region == where.region

    async def _scroll_into_view(self, widget: Widget) -> None:
        """The mouse wheel over the page, as a person scrolls to what they want to tap."""
        screen = self.app.screen
        x, y = screen.region.width // 2, screen.region.height // 2
        for _ in range(40):
            if self._wholly_visible(widget):
                return
            below = widget.region.y >= screen.region.height // 2 or not widget.region
            event = events.MouseScrollDown if below else events.MouseScrollUp
            self.app.post_message(
                event(None, x, y, 0, 0, 0, False, False, False, screen_x=x, screen_y=y)
            )
            await self.pilot.pause()
        assert self._wholly_visible(widget), f"#{widget.id} cannot be scrolled into view"

    async def _tap(self, widget: Widget) -> None:
        await self._scroll_into_view(widget)
        x = widget.region.x + widget.region.width // 2
        y = widget.region.y + widget.region.height // 2
        under, _ = self.app.get_widget_at(x, y)  # a control's own part (a drop-down's label)
        landed = under is widget or widget in under.ancestors
        assert landed, f"the tap on #{widget.id} would land on {under!r}"
        await self.pilot.click(offset=(x, y))

    async def fill(self, selector: str, text: str) -> None:
        box = self.app.screen.query_one(selector, Input)
        if self.mode == "keys":
            await self._tab_to(box)
        else:
            await self._tap(box)
            await wait_for(self.pilot, lambda: self.app.focused is box)
        await deliver_paste(self.pilot, box, text)  # as an IME delivers composed text

    async def press(self, selector: str) -> None:
        widget = self._target(selector)
        await wait_for(
            self.pilot,
            lambda: not widget.disabled and not widget.has_class("-active"),
        )
        if self.mode == "clicks":
            await self._tap(widget)
        elif isinstance(widget, RadioButton) and isinstance(widget.parent, RadioSet):
            await self._tab_to(widget.parent)  # Tab reaches the set; the arrows choose in it
            for _ in range(len(widget.parent.children)):
                if widget.value:
                    break
                await self.pilot.press("down", "enter")
            assert widget.value, f"the arrow keys never chose #{widget.id}"
        else:
            await self._tab_to(widget)
            await self.pilot.press("enter" if isinstance(widget, Button) else "space")

    async def choose(self, selector: str, value: str) -> None:
        """Open a drop-down and pick ``value``: by keys, Enter opens it and the arrows move to the
        option; by clicks, a tap opens it, the wheel scrolls the list until the option's words
        are on it, and a tap on those words picks it."""
        select = cast(Select[str], self._target(selector))
        if self.mode == "keys":
            await self._tab_to(select)
            await self.pilot.press("enter")
        else:
            await self._tap(select)
        await wait_for(self.pilot, lambda: select.expanded)
        overlay = select.query_one(SelectOverlay)
        wanted = next(i for i, (_, v) in enumerate(select._options) if v == value)
        if self.mode == "keys":
            for _ in range(overlay.option_count):
                if overlay.highlighted == wanted:
                    break
                await self.pilot.press("down")
            await self.pilot.press("enter")
        else:
            await self.tap_option(overlay, wanted)
        await wait_for(self.pilot, lambda: not select.expanded and select.value == value)

    async def tap_option(self, listing: OptionList, index: int) -> None:
        """Tap an option of an open list where its words are drawn, as found by eye: the list is
        scrolled with the wheel until the option's whole text is on it (in English a long name
        wraps, and two options may begin alike: 初級 and 中級 of one certification)."""
        words = squeezed(str(listing.get_option_at_index(index).prompt))
        for _ in range(40):
            lines = [squeezed(listing.render_line(y).text) for y in range(listing.size.height)]
            starts = [y for y in range(len(lines)) if "".join(lines[y:]).startswith(words)]
            if starts:
                x, y = listing.content_region.x + 2, listing.content_region.y + starts[0]
                under, _ = self.app.get_widget_at(x, y)
                assert under is listing, f"the tap on {words!r} would land on {under!r}"
                await self.pilot.click(offset=(x, y))
                return
            listing.post_message(events.MouseScrollDown(None, 2, 1, 0, 0, 0, False, False, False))
            await self.pilot.pause()
        raise AssertionError(f"{words!r} never came wholly into the open list")

    async def confirms(self, back_on: str) -> None:
        """Say yes on the confirmation that opened, and be back on the page ``back_on``."""
        await self.on_page("ConfirmScreen")
        await self.press("#confirm-yes")
        await self.on_page(back_on)

    async def switch_language(self) -> None:
        if self.mode == "keys":
            await self.pilot.press("f2")
        else:
            await self._tap(self._target("#language"))
        await wait_for(self.pilot, lambda: self.app.language == self.language)

    async def end_session(self) -> None:
        if self.mode == "keys":
            await self.pilot.press("f9")
        else:
            await self._tap(self._target("#end-session"))
        await self.on_page("LoginScreen")


async def start(app: KioskApp, language: str, mode: str, pilot: Pilot[Any]) -> Person:
    person = Person(pilot, mode, language)
    if language != "zh-TW":
        await person.switch_language()
    person.sees(t("ui.login.submit", language))
    return person


async def log_in(person: Person, account: str, name: str, password: str) -> None:
    await person.fill("#account", account)
    await person.fill("#chinese-name", name)
    await person.fill("#password", password)
    await person.fill("#captcha-input", CAPTCHA)
    await person.press("#login")


async def wang_at_home(app: KioskApp, language: str, mode: str, pilot: Pilot[Any]) -> Person:
    """wang2026 signed in at the terminal, on the candidate home page."""
    person = await start(app, language, mode, pilot)
    await log_in(person, "wang2026", "王小明", "Kiosk#Demo2026")
    await person.on_page("CandidateHomeScreen")
    return person


def lang(person: Person, key: str, **values: str) -> str:
    return t(key, person.language, **values)


@pytest.mark.parametrize(("size", "language", "mode"), ways())
async def test_a_self_registered_candidate_logs_in_and_leaves(
    app_factory: Callable[..., KioskApp], size: tuple[int, int], language: str, mode: str
) -> None:
    app = app_factory()
    async with app.run_test(size=size) as pilot:
        person = await wang_at_home(app, language, mode, pilot)
        await person.waits_to_see(lang(person, "ui.home.greeting", name="王小明"))

        await person.press("#basic-data")
        await person.on_page("BasicDataScreen")
        await person.waits_to_see(lang(person, "ui.basic_data.title"), "wang2026")
        await person.press("#back")
        await person.on_page("CandidateHomeScreen")

        await person.end_session()
        person.sees(t("ui.login.submit", "zh-TW"))  # the next person starts in 中文
        assert "wang2026" not in visible_text(app)
        assert "王小明" not in visible_text(app)


@pytest.mark.parametrize(("size", "language", "mode"), ways())
async def test_a_foreign_resident_logs_in(
    app_factory: Callable[..., KioskApp], size: tuple[int, int], language: str, mode: str
) -> None:
    app = app_factory()
    async with app.run_test(size=size) as pilot:
        person = await start(app, language, mode, pilot)
        await log_in(person, "maria.santos", "瑪麗亞·桑托斯", "Lisboa#Kiosk2026")
        await person.on_page("CandidateHomeScreen")
        await person.waits_to_see(lang(person, "ui.home.greeting", name="瑪麗亞·桑托斯"))


async def temporary_login(person: Person, account: str, name: str, password: str) -> None:
    """From the login page: the temporary password, the forced change, then the basic data."""
    await log_in(person, account, name, password)
    await person.on_page("ChangePasswordScreen")
    await person.waits_to_see(lang(person, "ui.change.title"))
    await person.fill("#password", NEW_PASSWORD)
    await person.fill("#password-confirm", NEW_PASSWORD)
    await person.press("#submit")
    await person.on_page("BasicDataScreen")
    await person.waits_to_see(lang(person, "ui.basic_data.title"), account)


QUERIES = {
    # channel: (its radio button or None for the default, the boxes filled, the answer, the
    #           account and name the temporary password logs into)
    "email": (
        None,
        {
            "#national-id": "F222333444",
            "#chinese-name": "林美華",
            "#email": "meihua.lin@example.com",
        },
        "accounts.query.sent_email",
        ("linmeihua01", "林美華"),
    ),
    "sms": (
        "#channel-sms",
        {"#national-id": "H124680240", "#chinese-name": "陳志豪", "#mobile": "0933555777"},
        "accounts.query.sent_sms",
        ("ipas2023chen", "陳志豪"),
    ),
}


@pytest.mark.parametrize(
    ("size", "language", "mode", "channel"),
    [
        pytest.param(*way.values, channel, id=f"{channel}-{way.id}")
        for channel in QUERIES
        for way in ways()
    ],
)
async def test_a_temporary_password_by_email_or_sms_reaches_the_basic_data(
    app_factory: Callable[..., KioskApp],
    size: tuple[int, int],
    language: str,
    mode: str,
    channel: str,
) -> None:
    """linmeihua01 (a group candidate) by e-mail, ipas2023chen (a legacy holder) by SMS: the
    query, the temporary password from the outbox, the forced change, the basic data."""
    radio, boxes, answer, (account, name) = QUERIES[channel]
    app = app_factory()
    async with app.run_test(size=size) as pilot:
        person = await start(app, language, mode, pilot)
        await person.press("#forgot")
        await person.on_page("CredentialQueryScreen")
        if radio is not None:
            await person.press(radio)
        for selector, text in boxes.items():
            await person.fill(selector, text)
        await person.fill("#captcha-input", CAPTCHA)
        await person.press("#submit")
        await person.waits_to_see(lang(person, answer))
        (sent,) = list_outbox(app.settings)

        await person.press("#to-login")
        await person.on_page("LoginScreen")
        await temporary_login(person, account, name, temporary_password(sent.body))


@pytest.mark.parametrize(("size", "language", "mode"), ways())
async def test_the_email_query_shows_the_masked_address(
    app_factory: Callable[..., KioskApp], size: tuple[int, int], language: str, mode: str
) -> None:
    app = app_factory()
    async with app.run_test(size=size) as pilot:
        person = await start(app, language, mode, pilot)
        await person.press("#email-query")
        await person.on_page("EmailQueryScreen")
        await person.fill("#account", "linmeihua01")
        await person.fill("#chinese-name", "林美華")
        await person.fill("#mobile", "0922333444")
        await person.fill("#captcha-input", CAPTCHA)
        await person.press("#submit")
        await person.waits_to_see("@example.com")
        assert "meihua.lin@example.com" not in visible_text(app)  # masked
        await person.press("#to-login")
        await person.on_page("LoginScreen")


@pytest.mark.parametrize(("size", "language", "mode"), ways())
async def test_scores_and_a_recheck_in_the_candidate_area(
    app_factory: Callable[..., KioskApp], size: tuple[int, int], language: str, mode: str
) -> None:
    app = app_factory()
    async with app.run_test(size=size) as pilot:
        person = await wang_at_home(app, language, mode, pilot)

        await person.press("#menu-scores")
        await person.on_page("ScoresScreen")
        await person.waits_to_see(lang(person, "ui.scores.passed"))
        await person.press("#back")
        await person.on_page("CandidateHomeScreen")

        await person.press("#menu-recheck")
        await person.on_page("RecheckScreen")
        screen = app.screen
        await wait_for(pilot, lambda: bool(screen.query("RecheckBlock Checkbox")))
        box = screen.query("RecheckBlock Checkbox").first()
        await person.press(f"#{box.id}")
        await person.press("#recheck-submit")
        await person.confirms("RecheckScreen")
        fee = f"{app.settings.recheck_fee:,}"
        await person.waits_to_see(lang(person, "results.recheck.applied", count="1", fee=fee))


@pytest.mark.parametrize(("size", "language", "mode"), ways())
async def test_a_new_candidate_registers_and_reaches_the_candidate_area(
    app_factory: Callable[..., KioskApp], size: tuple[int, int], language: str, mode: str
) -> None:
    """註冊: an account nobody has is offered the registration form, filled box by box (the
    school and the department from their suggestions' own words), confirmed, and greeted."""
    app = app_factory()
    async with app.run_test(size=size) as pilot:
        person = await start(app, language, mode, pilot)
        await log_in(person, "newuser2026", "張志明", PASSWORD)
        await person.on_page("RegistrationScreen")
        await person.fill("#national-id", NEW_ID)
        await person.fill("#email", "zhiming.zhang@example.com.tw")
        await person.fill("#password-confirm", PASSWORD)
        await person.fill("#mobile", "0912987654")
        await person.press("#gender-m")
        await person.choose("#education", "04")
        await person.fill("#school", "國立清華大學")
        await person.fill("#department", "資訊工程學系")
        await person.press("#submit")
        await person.on_page("ConfirmScreen")
        await person.waits_to_see(NEW_ID, "newuser2026")  # the whole ID: their own form
        await person.press("#confirm-yes")
        await person.on_page("CandidateHomeScreen")
        await person.waits_to_see(lang(person, "ui.home.greeting", name="張志明"))
    assert registrations_of(app, "newuser2026") == {}


@pytest.mark.parametrize(("size", "language", "mode"), ways())
async def test_exam_registration_progress_cancel_and_the_exam_notice(
    app_factory: Callable[..., KioskApp], size: tuple[int, int], language: str, mode: str
) -> None:
    """考試報名 for the open 資訊安全工程師 中級, then 報名進度查詢 cancels it again, then 考試通知
    is read and sent to the outbox."""
    app = app_factory()
    async with app.run_test(size=size) as pilot:
        person = await wang_at_home(app, language, mode, pilot)

        await person.press("#exam-registration")
        await person.on_page("ExamRegistrationScreen")
        await person.choose("#subject", subject_value("資訊安全工程師", "中級"))
        listing = app.screen.query_one("#sessions", OptionList)
        await wait_for(pilot, lambda: listing.option_count == 1 and app.focused is listing)
        if mode == "keys":
            await pilot.press("enter")  # the first open session is highlighted
        else:
            await person.tap_option(listing, 0)
        await person.confirms("ExamRegistrationScreen")
        await person.waits_to_see(lang(person, "exams.register.registered"))
        await person.press("#back")
        await person.on_page("CandidateHomeScreen")

        await person.press("#progress")
        await person.on_page("RegistrationProgressScreen")
        screen = app.screen
        await wait_for(pilot, lambda: len(screen.query(".reg-status")) == 8)
        new = next(
            v.id
            for v in screen.registrations  # type: ignore[attr-defined]
            if (v.session.subject, v.session.level, v.status)
            == ("資訊安全工程師", "中級", "registered")
        )
        await person.press(f"#cancel-{new}")
        await person.confirms("RegistrationProgressScreen")
        await person.waits_to_see(lang(person, "exams.cancel.cancelled"))
        await person.press("#back")
        await person.on_page("CandidateHomeScreen")

        await person.press("#exam-notice")
        await person.on_page("ExamNoticeScreen")
        await person.waits_to_see("資訊安全工程師", "示範考場（虛構）第三試場")
        await person.press("#send-notice")
        await person.waits_to_see(lang(person, "exams.notice.sent", masked="xi****@example.com"))
    assert registrations_of(app, "wang2026")["資訊安全工程師 中級"] == "cancelled"
    (sent,) = list_outbox(app.settings)
    assert sent.to == "xiaoming.wang@example.com" and "第三試場" in sent.body


@pytest.mark.parametrize(("size", "language", "mode"), ways())
async def test_a_document_is_sent_from_the_usb_drive(
    app_factory: Callable[..., KioskApp], size: tuple[int, int], language: str, mode: str
) -> None:
    """線上繳件申請: 繳交 beside the asked-for 學歷證明, the demo's PDF picked from the drive,
    and the document shown under review."""
    app = app_factory()
    async with app.run_test(size=size) as pilot:
        person = await wang_at_home(app, language, mode, pilot)
        await person.press("#menu-documents")
        await person.on_page("DocumentsScreen")
        missing = lang(person, "documents.status.missing")
        await person.waits_to_see(missing)
        (button,) = app.screen.query("#documents Button").results(Button)
        await person.press(f"#{button.id}")
        await person.on_page("FilePickerScreen")
        await person.waits_to_see(SAMPLE_PDF)
        files = app.screen.query_one("#files", OptionList)
        if mode == "keys":
            await wait_for(pilot, lambda: app.focused is files)
            await pilot.press("enter")  # the newest file is highlighted
        else:
            shown = [str(files.get_option_at_index(i).prompt) for i in range(files.option_count)]
            await person.tap_option(files, next(i for i, p in enumerate(shown) if SAMPLE_PDF in p))
        await person.on_page("DocumentsScreen")
        await person.waits_to_see(
            lang(person, "documents.submit.submitted"), lang(person, "documents.status.submitted")
        )
