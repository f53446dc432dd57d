"""考生專區: every menu driven with keys and clicks, down to the database (demo data seeded)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from rich.cells import cell_len
from sqlmodel import col, select
from textual.pilot import Pilot
from textual.widgets import Button, Input, OptionList, Static

from kiosk.core import exams, passwords
from kiosk.core.accounts import CandidateView
from kiosk.core.delivery import list_outbox
from kiosk.infra import assets
from kiosk.infra.store import Store, get_candidate_by_account
from kiosk.infra.tables import AuditEvent, Delivery, ExamRegistration, ExamSession
from kiosk.ui.kiosk.app import KioskApp
from kiosk.ui.kiosk.home import CandidateHomeScreen
from tests.screens.conftest import screen_name, wait_for, workers_ended
from tests.screens.test_registration import choose, paste, press_button

MENU = (
    "basic-data",
    "exam-registration",
    "progress",
    "exam-notice",
    "service-desks",
    "change-password",
    "logout",
)


def view_of(app: KioskApp, account: str) -> CandidateView:
    with app.store.session() as session:
        row = get_candidate_by_account(session=session, account=account)
        assert row is not None
        return CandidateView.of(row)


async def at_home(pilot: Pilot[Any], account: str = "wang2026") -> None:
    app = pilot.app
    assert isinstance(app, KioskApp)
    app.signed_in(view_of(app, account))
    await app.push_screen(CandidateHomeScreen())
    await wait_for(pilot, lambda: screen_name(pilot) == "CandidateHomeScreen")


async def open_menu(pilot: Pilot[Any], button: str, screen: str) -> None:
    await press_button(pilot, f"#{button}")
    await wait_for(pilot, lambda: screen_name(pilot) == screen)


def text_of(app: KioskApp) -> str:
    return "\n".join(str(w.render()) for w in app.screen.query(Static))


def message(app: KioskApp) -> str:
    return str(app.screen.query_one("#message", Static).render())


def subject_value(subject: str, level: str) -> str:
    return str(exams.subject_choices().index(exams.SubjectChoice(subject, level)))


def session_row(app: KioskApp, subject: str, level: str) -> ExamSession:
    with app.store.session() as session:
        return session.exec(
            select(ExamSession).where(ExamSession.subject == subject, ExamSession.level == level)
        ).one()


def registrations_of(app: KioskApp, account: str) -> dict[str, str]:
    """{subject level: status} of a candidate's registrations."""
    candidate_id = view_of(app, account).id
    with app.store.session() as session:
        rows = session.exec(
            select(ExamRegistration, ExamSession)
            .where(ExamRegistration.session_id == ExamSession.id)
            .where(ExamRegistration.candidate_id == candidate_id)
        ).all()
        return {f"{s.subject} {s.level}": r.status for r, s in rows}


async def test_home_offers_every_menu_and_fits_80x24(app_factory: Callable[..., KioskApp]) -> None:
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await at_home(pilot)
        body = app.screen.query_one("#body")
        assert body.max_scroll_x == 0
        for button_id in MENU:
            button = app.screen.query_one(f"#{button_id}", Button)
            button.focus()
            await wait_for(pilot, lambda b=button: body.region.contains_region(b.region))
            # the whole label fits: Textual crops a long label silently, without an ellipsis
            assert cell_len(str(button.label)) <= button.content_region.width, button_id


async def test_register_for_an_open_session_takes_a_seat(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await at_home(pilot)
        await open_menu(pilot, "exam-registration", "ExamRegistrationScreen")
        await choose(pilot, "#subject", subject_value("資訊安全工程師", "中級"))
        listing = app.screen.query_one("#sessions", OptionList)
        await wait_for(pilot, lambda: listing.option_count == 1 and listing.display)
        prompt = str(listing.get_option_at_index(0).prompt)
        assert "剩餘 25 席" in prompt and "示範考場（虛構）第六試場" in prompt
        listing.focus()
        listing.highlighted = 0
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_name(pilot) == "ConfirmScreen")
        await pilot.click("#confirm-yes")
        await wait_for(pilot, lambda: "報名成功" in message(app))
        assert app.screen.query_one("#message").has_class("-ok")
        await wait_for(pilot, lambda: "剩餘 24 席" in str(listing.get_option_at_index(0).prompt))
        # the same session again: refused, nothing changes
        listing.highlighted = 0
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_name(pilot) == "ConfirmScreen")
        await pilot.click("#confirm-yes")
        await wait_for(pilot, lambda: "不可重複報名" in message(app))
    assert registrations_of(app, "wang2026")["資訊安全工程師 中級"] == "registered"
    assert session_row(app, "資訊安全工程師", "中級").seats_taken == 1
    with app.store.session() as session:
        outcomes = session.exec(
            select(AuditEvent.outcome).where(AuditEvent.kind == "exam_register")
        ).all()
    assert outcomes == ["registered", "already"]


async def test_a_full_session_and_cancelling_the_confirmation_register_nothing(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await at_home(pilot, "maria.santos")
        await open_menu(pilot, "exam-registration", "ExamRegistrationScreen")
        await choose(pilot, "#subject", subject_value("淨零碳規劃管理師", "初級"))
        listing = app.screen.query_one("#sessions", OptionList)
        await wait_for(pilot, lambda: listing.option_count == 1)
        assert "已額滿" in str(listing.get_option_at_index(0).prompt)
        listing.focus()
        listing.highlighted = 0
        await pilot.press("enter")
        await wait_for(pilot, lambda: "額滿" in message(app))
        assert screen_name(pilot) == "ExamRegistrationScreen"  # no confirmation for a full one

        await choose(pilot, "#subject", subject_value("AI應用規劃師", "初級"))
        await wait_for(pilot, lambda: "剩餘 39 席" in str(listing.get_option_at_index(0).prompt))
        listing.focus()
        listing.highlighted = 0
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_name(pilot) == "ConfirmScreen")
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(pilot) == "ExamRegistrationScreen")

        await choose(pilot, "#subject", subject_value("營運智慧分析師", "初級"))
        none = app.screen.query_one("#sessions-none")
        await wait_for(pilot, lambda: none.display and not listing.display)
    assert "AI應用規劃師 初級" not in registrations_of(app, "maria.santos")
    assert session_row(app, "AI應用規劃師", "初級").seats_taken == 1


async def test_progress_shows_every_status_and_cancels_within_the_window(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await at_home(pilot)
        await open_menu(pilot, "progress", "RegistrationProgressScreen")
        await wait_for(pilot, lambda: len(app.screen.query(".reg-status")) == 7)
        shown = text_of(app)
        for status in ("已報名", "待補件", "已繳費", "報名完成", "已取消"):
            assert f"狀態：{status}" in shown
        assert "待辦：請於報名截止前完成繳費。" in shown
        assert "待辦：請補交證明文件" in shown
        # only registered and documents-pending ones inside their window can be cancelled
        cancellable = {b.id for b in app.screen.query("#registrations Button")}
        views = {v.status: v.id for v in app.screen.registrations}  # type: ignore[attr-defined]
        assert cancellable == {
            f"cancel-{views['registered']}",
            f"cancel-{views['documents_pending']}",
        }
        seats_before = session_row(app, "AI應用規劃師", "初級").seats_taken
        await press_button(pilot, f"#cancel-{views['registered']}")
        await wait_for(pilot, lambda: screen_name(pilot) == "ConfirmScreen")
        await pilot.click("#confirm-yes")
        await wait_for(pilot, lambda: "已取消報名" in message(app))
        await wait_for(pilot, lambda: len(app.screen.query("#registrations Button")) == 1)
        await wait_for(pilot, lambda: text_of(app).count("狀態：已取消") == 2)

        await pilot.press("f2")  # the blocks follow the language
        await wait_for(pilot, lambda: "Status: Cancelled" in text_of(app))
        assert "To do: Fee received" in text_of(app)
    assert registrations_of(app, "wang2026")["AI應用規劃師 初級"] == "cancelled"
    assert session_row(app, "AI應用規劃師", "初級").seats_taken == seats_before - 1


async def test_a_cancel_message_is_in_view_at_80x24(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await at_home(pilot)
        await open_menu(pilot, "progress", "RegistrationProgressScreen")
        await wait_for(pilot, lambda: len(app.screen.query(".reg-status")) == 7)
        views = {v.status: v.id for v in app.screen.registrations}  # type: ignore[attr-defined]
        body = app.screen.query_one("#body")
        button = app.screen.query_one(f"#cancel-{views['documents_pending']}", Button)
        await press_button(pilot, f"#cancel-{views['documents_pending']}")
        await wait_for(pilot, lambda: screen_name(pilot) == "ConfirmScreen")
        await pilot.click("#confirm-yes")
        await wait_for(pilot, lambda: "已取消報名" in message(app))
        await wait_for(  # the list was rebuilt: one cancel button left, every block back
            pilot,
            lambda: (
                not button.is_attached
                and len(app.screen.query("#registrations Button")) == 1
                and len(app.screen.query(".reg-status")) == 7
            ),
        )
        shown = app.screen.query_one("#message", Static)
        blocks = app.screen.query(".reg-status")
        await wait_for(  # laid out (every block has its place) and the answer in view
            pilot,
            lambda: (
                all(b.region.height for b in blocks) and body.region.contains_region(shown.region)
            ),
        )
    assert registrations_of(app, "wang2026")["AIoT應用工程師 初級"] == "cancelled"


async def test_exam_notice_is_readable_and_sent_to_the_registered_email(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await at_home(pilot)
        await open_menu(pilot, "exam-notice", "ExamNoticeScreen")
        await wait_for(pilot, lambda: len(app.screen.query(".notice")) == 1)
        notice = str(app.screen.query_one(".notice", Static).render())
        assert "資訊安全工程師 初級" in notice and "示範考場（虛構）第三試場" in notice
        assert "應攜帶物品：身分證明文件正本、2B 鉛筆、橡皮擦" in notice
        email_line = str(app.screen.query_one("#notice-email", Static).render())
        assert "xi****@example.com" in email_line and "xiaoming.wang" not in text_of(app)
        await press_button(pilot, "#send-notice")
        await wait_for(pilot, lambda: "考試通知已寄至 xi****@example.com" in message(app))
        assert not app.screen.query_one("#send-notice", Button).disabled
    (sent,) = list_outbox(app.settings)
    assert sent.to == "xiaoming.wang@example.com" and "第三試場" in sent.body
    with app.store.session() as session:
        delivery = session.exec(select(Delivery)).one()
        assert (delivery.purpose, delivery.status) == ("exam_notice", "sent")


async def test_no_confirmed_registration_means_no_notice_and_nothing_to_send(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory()
    with app.store.session() as session:  # a legacy candidate who has completed the basic data
        row = get_candidate_by_account(session=session, account="ipas2023chen")
        assert row is not None
        row.profile_complete = True
        session.add(row)
    async with app.run_test(size=(100, 32)) as pilot:
        await at_home(pilot, "ipas2023chen")
        await open_menu(pilot, "exam-notice", "ExamNoticeScreen")
        none = app.screen.query_one("#notices-none")
        await wait_for(pilot, lambda: bool(none.display))
        assert app.screen.query_one("#send-notice", Button).disabled
        await press_button(pilot, "#back")
        await wait_for(pilot, lambda: screen_name(pilot) == "CandidateHomeScreen")
        await open_menu(pilot, "progress", "RegistrationProgressScreen")
        none = app.screen.query_one("#registrations-none")
        await wait_for(pilot, lambda: bool(none.display))
    assert list_outbox(app.settings) == []


async def test_service_desks_list_each_certification_and_the_general_contact(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await at_home(pilot)
        await open_menu(pilot, "service-desks", "ServiceDesksScreen")
        shown = text_of(app)
        for desk in (
            "3D列印積層製造工程師",
            "天線設計工程師",
            "巨量資料分析師",
            "色彩規劃管理師",
            "無形資產評價管理師",
            "電磁相容工程師",
        ):
            assert desk in shown
        assert "綜合服務電話 03-5917544" in shown and "iPAS@itri.org.tw" in shown
        assert app.screen.query_one("#body").max_scroll_x == 0
        # a certification without a desk of its own shows the general contact, and says so
        with_desk = {d.certification_zh for d in assets.service_desks()}
        subjects = {s.subject_zh for s in assets.subjects()}
        assert subjects - with_desk  # the assets list fewer desks than subjects
        rows = {  # without spaces and line breaks: a long contact wraps at 80 columns
            str(row.query_one(".desk-name", Static).render()): "".join(
                str(row.query_one(".desk-contact", Static).render()).split()
            )
            for row in app.screen.query(".desk")
        }
        assert set(rows) == subjects
        for subject in subjects - with_desk:
            assert rows[subject] == "無專屬窗口，請洽綜合服務：電話03-5917544信箱iPAS@itri.org.tw"
        for subject in with_desk:
            assert rows[subject] == "電話03-5917544信箱iPAS@itri.org.tw"
        await press_button(pilot, "#back")
        await wait_for(pilot, lambda: screen_name(pilot) == "CandidateHomeScreen")


async def test_an_incomplete_profile_is_held_on_basic_data_from_every_menu(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await at_home(pilot, "linmeihua01")  # a group candidate, basic data not complete
        await press_button(pilot, "#exam-registration")
        await wait_for(pilot, lambda: screen_name(pilot) == "BasicDataScreen")
        assert app.screen.required and not app.screen.query("#back")  # type: ignore[attr-defined]
        assert len(app.screen_stack) == 2  # in place of home: no way around it
    with app.store.session() as session:
        lin = view_of(app, "linmeihua01").id
        assert (
            session.exec(select(ExamRegistration).where(ExamRegistration.candidate_id == lin)).all()
            == []
        )


async def test_email_and_mobile_changes_in_basic_data_are_audited_masked(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await at_home(pilot)
        await open_menu(pilot, "basic-data", "BasicDataScreen")
        await paste(pilot, "#email", "new.address@example.org")
        await paste(pilot, "#mobile", "0988777666")
        await press_button(pilot, "#submit")
        await wait_for(pilot, lambda: "已儲存" in message(app))
    with app.store.session() as session:
        event = session.exec(
            select(AuditEvent)
            .where(AuditEvent.kind == "profile")
            .order_by(col(AuditEvent.id).desc())
        ).first()
    assert event is not None and event.outcome == "ok" and event.account == "wang2026"
    assert "email xi****@example.com->ne****@example.org" in event.detail
    assert "mobile" in event.detail and "0988777666" not in event.detail
    assert "new.address" not in event.detail and "xiaoming" not in event.detail


async def test_change_password_from_home_needs_the_current_one(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory()
    new = "Taipei#Kiosk2027"
    async with app.run_test(size=(100, 32)) as pilot:
        await at_home(pilot)
        await open_menu(pilot, "change-password", "ChangePasswordScreen")
        await paste(pilot, "#current-password", "Wrong#Guess2026")
        await paste(pilot, "#password", new)
        await paste(pilot, "#password-confirm", new)
        await press_button(pilot, "#submit")
        error = app.screen.query_one("#current-password-error", Static)
        await wait_for(pilot, lambda: str(error.render()) != "")
        await workers_ended(pilot)  # the refused attempt's worker has wound down
        await paste(pilot, "#current-password", "Kiosk#Demo2026")
        await press_button(pilot, "#submit")
        try:
            await wait_for(pilot, lambda: app.screen.query_one("#message").has_class("-ok"))
        except AssertionError:
            errors = [str(w.render()) for w in app.screen.query(".field-error")]
            lengths = [(box.id, len(box.value)) for box in app.screen.query(Input)]
            with app.store.session() as session:
                tried = session.exec(
                    select(AuditEvent.outcome).where(AuditEvent.kind == "change_password")
                ).all()
            raise AssertionError(
                f"no success: screen={screen_name(pilot)} message={message(app)!r} "
                f"errors={errors} lengths={lengths} attempts={tried} focused={app.focused!r}"
            ) from None
    with app.store.session() as session:
        row = get_candidate_by_account(session=session, account="wang2026")
        assert row is not None and row.password_hash is not None
        assert passwords.verify_password(new, row.password_hash)
        outcomes = session.exec(
            select(AuditEvent.outcome).where(AuditEvent.kind == "change_password")
        ).all()
    assert outcomes == ["denied", "ok"]


async def test_exam_registration_works_at_80x24_and_follows_the_language(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await at_home(pilot)
        await open_menu(pilot, "exam-registration", "ExamRegistrationScreen")
        await choose(pilot, "#subject", subject_value("資訊安全工程師", "中級"))
        listing = app.screen.query_one("#sessions", OptionList)
        await wait_for(pilot, lambda: listing.option_count == 1 and listing.display)
        body = app.screen.query_one("#body")
        assert body.max_scroll_x == 0
        listing.focus()
        await wait_for(pilot, lambda: body.region.contains_region(listing.region))
        await pilot.press("f2")
        await wait_for(pilot, lambda: "25 seats left" in str(listing.get_option_at_index(0).prompt))
        assert "資訊安全工程師 (Information Security Engineer, translation) 中級" in str(
            app.screen.query_one("#subject").query_one("SelectCurrent Static").render()
        )
        listing.highlighted = 0
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_name(pilot) == "ConfirmScreen")
        yes = app.screen.query_one("#confirm-yes", Button)
        assert app.screen.region.contains_region(yes.region)
        await pilot.click("#confirm-yes")
        await wait_for(pilot, lambda: "Registered: pay the exam fee" in message(app))
    assert registrations_of(app, "wang2026")["資訊安全工程師 中級"] == "registered"


async def test_a_registration_message_is_in_view_below_a_long_session_list_at_80x24(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory()
    first = session_row(app, "資訊安全工程師", "中級")
    with app.store.session() as session:
        for n in range(1, 9):  # nine sessions: the list fills its 14 rows
            session.add(
                ExamSession(
                    subject=first.subject,
                    level=first.level,
                    starts_at=first.starts_at + timedelta(days=n),
                    ends_at=first.ends_at + timedelta(days=n),
                    venue=f"{first.venue} {n}",
                    address=first.address,
                    seats=first.seats,
                    registration_opens_at=first.registration_opens_at,
                    registration_closes_at=first.registration_closes_at,
                )
            )
    async with app.run_test(size=(80, 24)) as pilot:
        await at_home(pilot)
        await open_menu(pilot, "exam-registration", "ExamRegistrationScreen")
        await choose(pilot, "#subject", subject_value("資訊安全工程師", "中級"))
        listing = app.screen.query_one("#sessions", OptionList)
        await wait_for(pilot, lambda: listing.option_count == 9 and listing.display)
        listing.focus()
        listing.highlighted = 8
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_name(pilot) == "ConfirmScreen")
        await pilot.click("#confirm-yes")
        await wait_for(pilot, lambda: "報名成功" in message(app))
        body = app.screen.query_one("#body")
        shown = app.screen.query_one("#message", Static)
        await wait_for(pilot, lambda: body.region.contains_region(shown.region))
    assert registrations_of(app, "wang2026")["資訊安全工程師 中級"] == "registered"


async def test_an_unreachable_database_gives_a_message_on_every_menu(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory()
    wang = view_of(app, "wang2026")
    app.store.dispose()
    app._store = Store("postgresql://nobody@127.0.0.1:1/none")
    async with app.run_test(size=(100, 32)) as pilot:
        app.signed_in(wang)
        await app.push_screen(CandidateHomeScreen())
        await wait_for(pilot, lambda: screen_name(pilot) == "CandidateHomeScreen")
        for button, screen in (
            ("progress", "RegistrationProgressScreen"),
            ("exam-notice", "ExamNoticeScreen"),
            ("exam-registration", "ExamRegistrationScreen"),
        ):
            await open_menu(pilot, button, screen)
            if button == "exam-registration":
                await choose(pilot, "#subject", subject_value("資訊安全工程師", "中級"))
            await wait_for(pilot, lambda: "資料庫" in message(app), timeout=20)
            assert app.is_running
            await press_button(pilot, "#back")
            await wait_for(pilot, lambda: screen_name(pilot) == "CandidateHomeScreen")
