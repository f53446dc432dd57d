"""The phone call ("I forgot my password", "I'm locked out") as the help desk takes it: a single
hit opens itself, the focus is on the first action, function keys act, a status band at the top
says what the caller's account is doing, a preset reason or a typed one, a refresh."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import Button, Input, Static

from kiosk.core.helpdesk import actions as helpdesk_actions
from kiosk.core.helpdesk.staff_accounts import StaffView, get_staff
from kiosk.infra.store import Store
from kiosk.infra.tables import AuditEvent, Candidate, Delivery
from kiosk.ui.staff.app import StaffApp
from tests.screens.conftest import type_into, visible_text, wait_for
from tests.staff.conftest import ADMIN, DESK, FakeClock, candidate_id
from tests.staff.test_console import (
    Factory,
    audit_rows,
    message,
    open_candidate,
    opened,
    screen_name,
    signed_in,
)

NOW = datetime(2026, 11, 25, 1, 0)  # 09:00 in Taiwan


class Keys:
    """Presses keys through the pilot and counts them (the text of a reason is not a key)."""

    def __init__(self, pilot: Pilot[Any]) -> None:
        self.pilot = pilot
        self.count = 0

    async def press(self, *keys: str) -> None:
        self.count += len(keys)
        await self.pilot.press(*keys)


def at_now(app: StaffApp) -> StaffApp:
    app.clock = lambda: NOW
    return app


def set_candidate(app: StaffApp, account: str, **values: Any) -> None:
    with app.store.session() as session:
        row = session.exec(select(Candidate).where(Candidate.account_key == account)).one()
        for name, value in values.items():
            setattr(row, name, value)
        session.add(row)


def band(app: StaffApp) -> str:
    return str(app.screen.query_one("#status-band", Static).render())


async def test_forgot_password_in_six_keys_plus_the_reason(staff_app_factory: Factory) -> None:
    """Search "wang" (4 keys), the one hit opens itself, F3 resends by e-mail (1 key), the
    reason is typed, Enter confirms (1 key): 6 keys and the reason."""
    app = at_now(staff_app_factory())
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in(pilot)
        keys = Keys(pilot)
        await keys.press(*"wang")
        await wait_for(pilot, lambda: screen_name(pilot) == "CandidateScreen")
        await wait_for(pilot, lambda: getattr(app.screen, "detail", None) is not None)
        focused = app.focused
        assert isinstance(focused, Button) and focused.id == "resend-email"
        await keys.press("f3")
        await wait_for(pilot, lambda: screen_name(pilot) == "ReasonScreen")
        await type_into(pilot, "#reason", "caller verified by ID and name")
        await keys.press("enter")
        await wait_for(pilot, lambda: "xi****@example.com" in message(pilot))
        await wait_for(pilot, lambda: "Email" in band(app) and "2026-11-25 09:00" in band(app))
        text = visible_text(app)
    assert keys.count == 6
    assert "臨時密碼" in text and "有效至 2026-11-26 09:00" in text  # 24 h by e-mail
    (event,) = audit_rows(app, "staff_resend")
    assert event.outcome == "sent"
    assert event.detail.endswith("reason=caller verified by ID and name")


async def test_locked_out_with_a_preset_reason(staff_app_factory: Factory) -> None:
    """Unlock with F6 and the first preset reason (Enter): 4 + 1 + 1 keys, nothing typed."""
    app = at_now(staff_app_factory())
    set_candidate(app, "wang2026", failed_logins=7, locked_until=NOW + timedelta(minutes=30))
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in(pilot)
        keys = Keys(pilot)
        await keys.press(*"wang")
        await wait_for(pilot, lambda: "鎖定至 2026-11-25 09:30" in visible_text(app))
        assert "連續失敗 7 次" in visible_text(app)
        await keys.press("f6")
        await wait_for(pilot, lambda: screen_name(pilot) == "ReasonScreen")
        assert "考生來電，已核對身分證號與姓名" in visible_text(app)
        await keys.press("enter")
        await wait_for(pilot, lambda: "已解除鎖定" in message(pilot))
        await wait_for(pilot, lambda: "正常" in band(app))
    assert keys.count == 6
    (event,) = audit_rows(app, "staff_unlock")
    assert event.detail.endswith("reason=考生來電，已核對身分證號與姓名")


async def test_the_status_band_is_at_the_top_of_an_80x24_console(
    staff_app_factory: Factory,
) -> None:
    """Lock state and until when, failures, the outstanding temporary password (channel, sent
    at, expires) and an incomplete profile, all above the fold, in Taiwan time."""
    app = at_now(staff_app_factory())
    set_candidate(
        app,
        "linmeihua01",
        failed_logins=5,
        locked_until=NOW + timedelta(hours=1),
        temp_password_hash="x" * 60,
        temp_password_expires_at=NOW + timedelta(minutes=7),
        profile_complete=False,
    )
    with app.store.session() as session:
        session.add(
            Delivery(
                at=NOW - timedelta(minutes=3),
                candidate_id=candidate_id(app.store, "linmeihua01"),
                channel="sms",
                destination_masked="0922***444",
                purpose="credentials",
                status="sent",
            )
        )
    async with app.run_test(size=(80, 24)) as pilot:
        await open_candidate(pilot, "linmei", "linmeihua01")
        text = visible_text(app)
    assert "鎖定至 2026-11-25 10:00" in text and "連續失敗 5 次" in text
    assert "簡訊 2026-11-25 08:57 寄出" in text and "有效至 2026-11-25 09:07" in text
    assert "資料待補齊" in text
    for key in ("F3", "F4", "F6", "F5"):  # the keys line at the bottom names them
        assert key in text.splitlines()[-1]


async def test_f5_shows_a_status_changed_elsewhere(
    staff_app_factory: Factory, monkeypatch: Any
) -> None:
    from kiosk.ui.staff.candidate import CandidateScreen

    monkeypatch.setattr(CandidateScreen, "REFRESH_SECONDS", 3600.0)  # only F5 reloads here
    app = at_now(staff_app_factory())
    async with app.run_test(size=(80, 24)) as pilot:
        await open_candidate(pilot, "wang", "wang2026")
        assert "正常" in band(app)
        # the CLI, another console or a kiosk changes the candidate
        set_candidate(app, "wang2026", failed_logins=5, locked_until=NOW + timedelta(hours=2))
        await pilot.press("f5")
        await wait_for(pilot, lambda: "鎖定至 2026-11-25 11:00" in band(app))
    assert len(audit_rows(app, "staff_view")) == 1  # a reload is no new look-up


async def test_the_page_reloads_by_itself(staff_app_factory: Factory, monkeypatch: Any) -> None:
    from kiosk.ui.staff.candidate import CandidateScreen

    monkeypatch.setattr(CandidateScreen, "REFRESH_SECONDS", 0.2)
    app = at_now(staff_app_factory())
    async with app.run_test(size=(80, 24)) as pilot:
        await open_candidate(pilot, "wang", "wang2026")
        assert "正常" in band(app)
        set_candidate(app, "wang2026", failed_logins=5, locked_until=NOW + timedelta(hours=2))
        await wait_for(pilot, lambda: "鎖定至 2026-11-25 11:00" in band(app))
    assert len(audit_rows(app, "staff_view")) == 1


async def test_a_single_hit_opens_once_and_not_again_on_return(staff_app_factory: Factory) -> None:
    app = at_now(staff_app_factory())
    async with app.run_test(size=(100, 32)) as pilot:
        await signed_in(pilot)
        await type_into(pilot, "#search", "wang")
        await wait_for(pilot, lambda: screen_name(pilot) == "CandidateScreen")
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(pilot) == "SearchScreen")
        await wait_for(pilot, lambda: all(w.is_finished for w in app.workers))
        assert screen_name(pilot) == "SearchScreen"  # the refresh on return opens nothing
        assert app.screen.query_one("#search", Input).value == "wang"
        await type_into(pilot, "#search", "x")  # "wangx": nothing, and nothing opens
        await wait_for(pilot, lambda: "查無" in visible_text(app))
    assert len(audit_rows(app, "staff_view")) == 1


async def test_several_hits_wait_for_a_choice(staff_app_factory: Factory) -> None:
    app = at_now(staff_app_factory())
    async with app.run_test(size=(100, 32)) as pilot:
        await signed_in(pilot)
        await type_into(pilot, "#search", "09")
        await wait_for(pilot, lambda: "4 位考生" in visible_text(app))
        await wait_for(pilot, lambda: all(w.is_finished for w in app.workers))
        assert screen_name(pilot) == "SearchScreen"
        await pilot.press("enter", "down", "enter")
        await wait_for(pilot, lambda: screen_name(pilot) == "CandidateScreen")


async def test_a_one_letter_reason_is_refused(staff_app_factory: Factory) -> None:
    app = at_now(staff_app_factory())
    async with app.run_test(size=(80, 24)) as pilot:
        await open_candidate(pilot, "wang", "wang2026")
        await pilot.press("f6")
        await wait_for(pilot, lambda: screen_name(pilot) == "ReasonScreen")
        await type_into(pilot, "#reason", "x")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "原因太短" in visible_text(app))
        assert screen_name(pilot) == "ReasonScreen"
        await type_into(pilot, "#reason", " called")
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_name(pilot) == "CandidateScreen")
        await wait_for(pilot, lambda: "已解除鎖定" in message(pilot))
    (event,) = audit_rows(app, "staff_unlock")
    assert event.detail.endswith("reason=x called")


def test_the_domain_refuses_a_reason_too_short(desk_store: Store, settings: Any) -> None:
    clock = FakeClock()
    with desk_store.session() as session:
        row = get_staff(session=session, account=DESK[0])
        assert row is not None
        staff = StaffView.of(row)
    wang = candidate_id(desk_store, "wang2026")
    tried = (("x", False), (" a  ", False), ("ok", False), ("來電", True), ("call", True))
    for reason, ok in tried:
        with desk_store.session() as session:
            result = helpdesk_actions.unlock(
                session,
                staff=staff,
                candidate_id=wang,
                reason=reason,
                settings=settings,
                clock=clock,
            )
        assert result.ok is ok, reason
        if not ok:
            assert result.field_errors == {"reason": ["staff.reason.too_short"]}
    with desk_store.session() as session:
        unlocks = session.exec(select(AuditEvent).where(AuditEvent.kind == "staff_unlock")).all()
    assert [e.outcome for e in unlocks] == ["ok", "ok"]


async def test_mark_incomplete_is_offered_for_group_candidates_only(
    staff_app_factory: Factory,
) -> None:
    app = at_now(staff_app_factory())
    async with app.run_test(size=(100, 32)) as pilot:
        await open_candidate(pilot, "wang", "wang2026")
        assert "標記資料不完整" not in visible_text(app)
        assert not app.screen.query_one("#mark-incomplete", Button).display
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(pilot) == "SearchScreen")
        box = app.screen.query_one("#search", Input)
        box.value = ""
        await type_into(pilot, "#search", "linmei")
        await opened(pilot, "linmeihua01")
        assert "標記資料不完整" in visible_text(app)


def test_mark_incomplete_refuses_a_self_registered_candidate_before_the_reason(
    desk_store: Store, settings: Any
) -> None:
    with desk_store.session() as session:
        row = get_staff(session=session, account=DESK[0])
        assert row is not None
        result = helpdesk_actions.mark_incomplete(
            session,
            staff=StaffView.of(row),
            candidate_id=candidate_id(desk_store, "wang2026"),
            reason="",
            settings=settings,
        )
    assert not result.ok and result.message_key == "staff.incomplete.not_group"


async def test_gender_takes_chinese_and_says_what_it_wants(staff_app_factory: Factory) -> None:
    app = at_now(staff_app_factory())
    async with app.run_test(size=(100, 32)) as pilot:
        await open_candidate(pilot, "wang", "wang2026")
        await pilot.click("#edit-profile")
        await wait_for(pilot, lambda: screen_name(pilot) == "ProfileEditScreen")
        app.screen.query_one("#edit-gender", Input).value = ""
        await type_into(pilot, "#edit-gender", "X")
        await type_into(pilot, "#reason", "caller asked")
        await pilot.press("enter")
        error = app.screen.query_one("#edit-gender-error", Static)
        await wait_for(pilot, lambda: "M（男）或 F（女）" in str(error.render()))
        assert "必填" not in str(error.render())
        app.screen.query_one("#edit-gender", Input).value = ""
        await type_into(pilot, "#edit-gender", "女")
        await pilot.click("#confirm")
        await wait_for(pilot, lambda: screen_name(pilot) == "CandidateScreen")
    with app.store.session() as session:
        row = session.exec(select(Candidate).where(Candidate.account_key == "wang2026")).one()
    assert row.gender == "F"


async def test_the_lock_screen_shows_who_is_signed_in_now(staff_app_factory: Factory) -> None:
    app = staff_app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await signed_in(pilot, DESK)
        await pilot.press("f9")
        await wait_for(pilot, lambda: screen_name(pilot) == "StaffLoginScreen")
        await signed_in(pilot, ADMIN)
        assert ADMIN[0] in visible_text(app)
        await pilot.press("f2", "f2")  # the language goes there and back: no change at the lock
        await pilot.press("f9")
        await wait_for(pilot, lambda: screen_name(pilot) == "StaffLoginScreen")
        await pilot.pause()
        text = visible_text(app)
    assert ADMIN[0] not in text and DESK[0] not in text
