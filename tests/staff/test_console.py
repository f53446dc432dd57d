"""The console driven with keys and clicks: sign-in and lockout, search as you type, every
action with its reason and audit row, the audit log and its export, idle lock, language."""

from __future__ import annotations

import sys
import threading
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlmodel import select
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Button, DataTable, Input, Static

from kiosk.core.delivery import list_outbox
from kiosk.infra.tables import AuditEvent, Candidate
from kiosk.ui.staff.app import StaffApp
from tests.screens.conftest import screen_name, type_into, visible_text, wait_for
from tests.staff.conftest import ADMIN, DESK

Factory = Callable[..., StaffApp]


async def sign_in(pilot: Pilot[Any], account: str, password: str) -> None:
    await wait_for(pilot, lambda: bool(pilot.app.screen.query("#staff-account")))
    await type_into(pilot, "#staff-account", account)
    await type_into(pilot, "#staff-password", password)
    await pilot.click("#staff-login")


def message(pilot: Pilot[Any]) -> str:
    return str(pilot.app.screen.query_one("#message", Static).render())


def table_rows(pilot: Pilot[Any], selector: str) -> list[list[str]]:
    table = pilot.app.screen.query_one(selector, DataTable)
    return [[str(c) for c in table.get_row_at(n)] for n in range(table.row_count)]


def audit_rows(app: StaffApp, kind: str) -> list[AuditEvent]:
    with app.store.session() as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.kind == kind)))


async def signed_in(pilot: Pilot[Any], who: tuple[str, str] = DESK) -> None:
    await sign_in(pilot, *who)
    await wait_for(pilot, lambda: screen_name(pilot) == "SearchScreen")


async def search(pilot: Pilot[Any], text: str, account: str) -> None:
    await type_into(pilot, "#search", text)
    await wait_for(pilot, lambda: any(r[0] == account for r in table_rows(pilot, "#results")))


async def opened(pilot: Pilot[Any], account: str) -> None:
    """A search whose single hit is ``account`` has opened it by itself (no key)."""
    await wait_for(
        pilot,
        lambda: (
            screen_name(pilot) == "CandidateScreen"
            and getattr(pilot.app.screen, "detail", None) is not None
        ),
    )
    assert pilot.app.screen.detail.candidate.account == account  # type: ignore[attr-defined]


async def open_candidate(pilot: Pilot[Any], text: str, account: str) -> None:
    """Sign in and type ``text``, whose one hit is ``account``: it opens by itself."""
    await signed_in(pilot)
    await type_into(pilot, "#search", text)
    await opened(pilot, account)


async def give_reason(pilot: Pilot[Any], button: str, reason: str) -> None:
    await pilot.click(button)
    await wait_for(pilot, lambda: screen_name(pilot) == "ReasonScreen")
    await type_into(pilot, "#reason", reason)
    await pilot.click("#confirm")
    await wait_for(pilot, lambda: screen_name(pilot) == "CandidateScreen")


async def test_sign_in_fails_then_succeeds(staff_app_factory: Factory) -> None:
    app = staff_app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await sign_in(pilot, DESK[0], "Wrong#Pass2026")
        await wait_for(pilot, lambda: "密碼錯誤" in message(pilot))
        assert app.staff is None and screen_name(pilot) == "StaffLoginScreen"
        assert pilot.app.screen.query_one("#staff-password", Input).value == ""
        await type_into(pilot, "#staff-password", DESK[1])
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_name(pilot) == "SearchScreen")
        assert app.staff is not None and app.staff.account == DESK[0]
        assert "amy.desk" in str(app.screen.query_one("#signed-in", Static).render())
    assert [e.outcome for e in audit_rows(app, "staff_login")] == ["failed", "ok"]


async def test_staff_lockout_after_repeated_failures(staff_app_factory: Factory) -> None:
    app = staff_app_factory()
    threshold = app.settings.lockout_threshold
    async with app.run_test(size=(100, 32)) as pilot:
        for n in range(threshold):
            await sign_in(pilot, DESK[0] if n == 0 else "", "Wrong#Pass2026")
            await wait_for(pilot, lambda n=n: len(audit_rows(app, "staff_login")) == n + 1)
            await wait_for(pilot, lambda: not app.screen.query_one("#staff-login", Button).disabled)
        await type_into(pilot, "#staff-password", DESK[1])
        await pilot.click("#staff-login")
        await wait_for(pilot, lambda: len(audit_rows(app, "staff_login")) == threshold + 1)
        await wait_for(pilot, lambda: "密碼錯誤" in message(pilot))
        assert app.staff is None and screen_name(pilot) == "StaffLoginScreen"
    outcomes = [e.outcome for e in audit_rows(app, "staff_login")]
    assert outcomes == ["failed"] * threshold + ["locked"]


async def test_search_as_you_type_masks_and_opens(staff_app_factory: Factory) -> None:
    app = staff_app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await signed_in(pilot)
        await search(pilot, "09", "wang2026")  # four mobiles start so: a list to choose from
        row = next(r for r in table_rows(pilot, "#results") if r[0] == "wang2026")
        assert row[:5] == ["wang2026", "王小明", "A12345****", "xi****@example.com", "0912***678"]
        search_box = app.screen.query_one("#search", Input)
        search_box.value = ""
        await type_into(pilot, "#search", "林美")  # one hit: the list shows it, then it opens
        await wait_for(pilot, lambda: screen_name(pilot) == "CandidateScreen")
        await wait_for(pilot, lambda: getattr(app.screen, "detail", None) is not None)
        assert (
            app.screen.query_one("#candidate-heading", Static)
            .render()
            .plain.startswith("林美華  linmeihua01")
        )
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(pilot) == "SearchScreen")
        search_box = app.screen.query_one("#search", Input)
        search_box.value = ""
        await type_into(pilot, "#search", "F222333444")
        await wait_for(pilot, lambda: screen_name(pilot) == "CandidateScreen")
        await wait_for(pilot, lambda: getattr(app.screen, "detail", None) is not None)
        profile = str(app.screen.query_one("#profile", Static).render())
        assert "F22233****" in profile and "F222333444" not in profile
        assert "F222333444" not in visible_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(pilot) == "SearchScreen")
        assert "F222333444" not in str(app.screen.query_one("#search-status", Static).render())
    views = audit_rows(app, "staff_view")
    assert [(v.staff, v.account) for v in views] == [(DESK[0], "linmeihua01")] * 2


async def test_unlock_asks_for_a_reason_and_audits(staff_app_factory: Factory) -> None:
    app = staff_app_factory()
    with app.store.session() as session:
        row = session.exec(select(Candidate).where(Candidate.account_key == "wang2026")).one()
        row.failed_logins = 9
        session.add(row)
    async with app.run_test(size=(100, 32)) as pilot:
        await open_candidate(pilot, "wang", "wang2026")
        await pilot.click("#unlock")
        await wait_for(pilot, lambda: screen_name(pilot) == "ReasonScreen")
        await pilot.click("#confirm")  # no reason: the modal stays and says so
        await wait_for(
            pilot, lambda: "原因" in str(app.screen.query_one("#reason-error", Static).render())
        )
        await type_into(pilot, "#reason", "caller verified")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "已解除鎖定" in message(pilot))
        await wait_for(
            pilot,
            lambda: any(r[1] == "staff_unlock" for r in table_rows(pilot, "#events-table")),
        )
    (event,) = audit_rows(app, "staff_unlock")
    assert event.staff == DESK[0] and event.detail.endswith("reason=caller verified")
    with app.store.session() as session:
        row = session.exec(select(Candidate).where(Candidate.account_key == "wang2026")).one()
        assert row.failed_logins == 0


async def test_resend_by_email_and_sms(staff_app_factory: Factory) -> None:
    app = staff_app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await open_candidate(pilot, "wang", "wang2026")
        await give_reason(pilot, "#resend-email", "forgot password")
        await wait_for(pilot, lambda: "xi****@example.com" in message(pilot))
        await give_reason(pilot, "#resend-sms", "no mail access")
        await wait_for(pilot, lambda: "0912***678" in message(pilot))
        await wait_for(pilot, lambda: len(table_rows(pilot, "#deliveries-table")) == 2)
        shown = " ".join(" ".join(r) for r in table_rows(pilot, "#deliveries-table"))
        assert "xiaoming" not in shown and "0912345678" not in shown
    assert sorted(i.channel for i in list_outbox(app.settings)) == ["email", "sms"]
    assert [(e.outcome, e.staff) for e in audit_rows(app, "staff_resend")] == [
        ("sent", DESK[0]),
        ("sent", DESK[0]),
    ]


async def test_mark_incomplete(staff_app_factory: Factory) -> None:
    app = staff_app_factory()
    with app.store.session() as session:
        row = session.exec(select(Candidate).where(Candidate.account_key == "linmeihua01")).one()
        row.profile_complete = True
        session.add(row)
    async with app.run_test(size=(100, 32)) as pilot:
        await open_candidate(pilot, "linmei", "linmeihua01")
        await give_reason(pilot, "#mark-incomplete", "unit sent wrong data")
        await wait_for(pilot, lambda: "資料不完整" in message(pilot))
    (event,) = audit_rows(app, "staff_incomplete")
    assert (event.outcome, event.staff) == ("ok", DESK[0])
    with app.store.session() as session:
        row = session.exec(select(Candidate).where(Candidate.account_key == "linmeihua01")).one()
        assert not row.profile_complete


async def test_helpdesk_corrects_the_email(staff_app_factory: Factory) -> None:
    app = staff_app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await open_candidate(pilot, "wang", "wang2026")
        await pilot.click("#edit-profile")
        await wait_for(pilot, lambda: screen_name(pilot) == "ProfileEditScreen")
        assert not app.screen.query("#edit-account") and not app.screen.query("#edit-national-id")
        box = app.screen.query_one("#edit-email", Input)
        box.value = ""
        await type_into(pilot, "#edit-email", "wang.new@example.com")
        await type_into(pilot, "#reason", "candidate asked")
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_name(pilot) == "CandidateScreen")
        await wait_for(pilot, lambda: "資料已修正" in message(pilot))
        await wait_for(
            pilot, lambda: "wang.new@example.com" in str(app.screen.query_one("#profile").render())
        )
    (event,) = audit_rows(app, "staff_profile")
    assert event.staff == DESK[0] and "reason=candidate asked" in event.detail


async def test_admin_sees_a_duplicate_account_on_its_field(staff_app_factory: Factory) -> None:
    app = staff_app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await sign_in(pilot, *ADMIN)
        await wait_for(pilot, lambda: screen_name(pilot) == "SearchScreen")
        await type_into(pilot, "#search", "wang")
        await opened(pilot, "wang2026")
        await pilot.click("#edit-profile")
        await wait_for(pilot, lambda: screen_name(pilot) == "ProfileEditScreen")
        app.screen.query_one("#edit-account", Input).value = ""
        await type_into(pilot, "#edit-account", "linmeihua01")
        await type_into(pilot, "#reason", "merge")
        await pilot.click("#confirm")
        await wait_for(
            pilot,
            lambda: "其他考生" in str(app.screen.query_one("#edit-account-error", Static).render()),
        )
        assert screen_name(pilot) == "ProfileEditScreen"
    assert [e.outcome for e in audit_rows(app, "staff_profile")] == ["invalid"]


async def test_audit_log_filters_and_exports(staff_app_factory: Factory) -> None:
    app = staff_app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await signed_in(pilot)
        await pilot.click("#audit-log")
        await wait_for(pilot, lambda: screen_name(pilot) == "AuditLogScreen")
        await wait_for(pilot, lambda: len(table_rows(pilot, "#audit-table")) > 0)
        await type_into(pilot, "#audit-filter-kind", "staff_login")
        await pilot.press("enter")
        await wait_for(
            pilot, lambda: {r[1] for r in table_rows(pilot, "#audit-table")} == {"staff_login"}
        )
        await type_into(pilot, "#audit-filter-from", "2026-99-01")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "YYYY-MM-DD" in message(pilot))
        app.screen.query_one("#audit-filter-from", Input).value = ""
        await pilot.click("#export-csv")
        await wait_for(pilot, lambda: "csv" in str(app.screen.query_one("#export-path").render()))
        path = Path(str(app.screen.query_one("#export-path", Static).render()).strip())
        assert path.exists() and "staff_login" in path.read_text(encoding="utf-8-sig")
    (export,) = audit_rows(app, "audit_export")
    assert export.staff == DESK[0] and "kind=staff_login" in export.detail


async def test_audit_log_drops_an_older_slower_query(
    staff_app_factory: Factory, monkeypatch: Any
) -> None:
    """The unfiltered query on opening finishes after the filtered one: the table keeps the
    filtered rows."""
    from kiosk.core import helpdesk
    from kiosk.ui.staff.base import StaffScreen

    release = threading.Event()
    real_log = helpdesk.audit_log
    real_deliver = StaffScreen.deliver
    delivered: list[Any] = []
    late: list[Any] = []

    def slow_unfiltered(*args: Any, **kwargs: Any) -> Any:
        if kwargs["filters"].kind:
            return real_log(*args, **kwargs)
        release.wait(timeout=60)
        late.append(real_log(*args, **kwargs))
        return late[-1]

    def counted(self: StaffScreen, callback: Any, result: Any) -> None:
        real_deliver(self, callback, result)  # returns once the callback has run
        delivered.append(result)

    monkeypatch.setattr(helpdesk, "audit_log", slow_unfiltered)
    monkeypatch.setattr(StaffScreen, "deliver", counted)
    app = staff_app_factory()
    try:
        async with app.run_test(size=(100, 32)) as pilot:
            await signed_in(pilot)
            await pilot.click("#audit-log")
            await wait_for(pilot, lambda: screen_name(pilot) == "AuditLogScreen")
            await type_into(pilot, "#audit-filter-kind", "staff_login")
            await pilot.press("enter")
            await wait_for(pilot, lambda: len(table_rows(pilot, "#audit-table")) > 0)
            release.set()
            await wait_for(pilot, lambda: any(r is log for r in delivered for log in late))
            assert {r[1] for r in table_rows(pilot, "#audit-table")} == {"staff_login"}
    finally:
        release.set()


async def workers_done(pilot: Pilot[Any]) -> None:
    """Every worker has ended (a search superseded by a lock ends cancelled: that is fine;
    ``workers.wait_for_complete`` would raise for it)."""
    await wait_for(pilot, lambda: all(worker.is_finished for worker in pilot.app.workers))


async def test_idle_locks_the_console(staff_app_factory: Factory) -> None:
    app = staff_app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await open_candidate(pilot, "wang", "wang2026")
        app.last_input = time.monotonic() - app.settings.idle_seconds - 1
        await wait_for(pilot, lambda: screen_name(pilot) == "StaffLoginScreen")
        await workers_done(pilot)  # the lock has finished wiping
        assert app.staff is None and len(app.screen_stack) == 1
        assert app.screen.query_one("#staff-account", Input).value == ""


async def test_a_national_id_typed_is_audited_once(staff_app_factory: Factory) -> None:
    """Typed key by key, refreshed on coming back from the candidate: one event, masked."""
    app = staff_app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await signed_in(pilot)
        await type_into(pilot, "#search", "F222333444")
        await opened(pilot, "linmeihua01")
        shown = getattr(app.screen_stack[-2], "_result", None)
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(pilot) == "SearchScreen")
        await wait_for(pilot, lambda: getattr(app.screen, "_result", None) is not shown)
    searches = audit_rows(app, "staff_search")
    assert [(e.staff, e.account, e.detail) for e in searches] == [
        (DESK[0], "linmeihua01", "national_id=F22233****")
    ]


async def test_idle_does_not_lock_while_an_import_runs(
    staff_app_factory: Factory, monkeypatch: Any, tmp_path: Path
) -> None:
    from kiosk.core import group_import
    from kiosk.ui.staff.app import StaffApp
    from tests.staff.test_import import good_file
    from tests.staff.test_import_screen import check

    release = threading.Event()
    real_import = group_import.import_file
    ticks: list[float] = []
    real_check = StaffApp.check_walked_away

    def slow_import(*args: Any, **kwargs: Any) -> Any:
        release.wait(timeout=60)
        return real_import(*args, **kwargs)

    def counted_check(self: StaffApp) -> None:
        real_check(self)
        ticks.append(time.monotonic())

    monkeypatch.setattr(group_import, "import_file", slow_import)
    monkeypatch.setattr(StaffApp, "check_walked_away", counted_check)
    app = staff_app_factory()
    path = good_file(tmp_path / "unit.csv", 3)
    try:
        async with app.run_test(size=(100, 32)) as pilot:
            await signed_in(pilot)
            await pilot.click("#import")
            await check(pilot, path)
            await pilot.click("#import")
            await wait_for(pilot, lambda: getattr(app.screen, "importing", False))
            app.last_input = time.monotonic() - app.settings.idle_seconds - 1
            seen = len(ticks)
            await wait_for(pilot, lambda: len(ticks) >= seen + 2)  # two idle checks passed
            assert screen_name(pilot) == "GroupImportScreen" and app.staff is not None
            release.set()
            await wait_for(pilot, lambda: getattr(app.screen, "result", None) is not None)
            assert app.screen.result.created == 3  # type: ignore[attr-defined]
            assert not app.screen.importing  # type: ignore[attr-defined]
            app.last_input = time.monotonic() - app.settings.idle_seconds - 1
            await wait_for(pilot, lambda: screen_name(pilot) == "StaffLoginScreen")
    finally:
        release.set()


async def test_f9_locks_and_f2_switches_language(staff_app_factory: Factory) -> None:
    app = staff_app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await signed_in(pilot)
        title = app.screen.query_one("#page-title", Static)
        assert "查詢考生" in str(title.render())
        await pilot.press("f2")
        await wait_for(pilot, lambda: "Find a candidate" in str(title.render()))
        await pilot.press("f9")
        await wait_for(pilot, lambda: screen_name(pilot) == "StaffLoginScreen")
        await workers_done(pilot)
        assert app.staff is None


async def test_f9_during_a_sign_in_gives_the_button_back(
    staff_app_factory: Factory, monkeypatch: Any
) -> None:
    """The sign-in's late result is dropped after a lock; the button must not stay busy."""
    from kiosk.core.helpdesk import staff_accounts

    release = threading.Event()
    started = threading.Event()
    real_login = staff_accounts.staff_login

    def slow_login(*args: Any, **kwargs: Any) -> Any:
        started.set()
        release.wait(timeout=60)
        return real_login(*args, **kwargs)

    monkeypatch.setattr(staff_accounts, "staff_login", slow_login)
    app = staff_app_factory()
    try:
        async with app.run_test(size=(100, 32)) as pilot:
            await sign_in(pilot, *DESK)
            button = app.screen.query_one("#staff-login", Button)
            await wait_for(pilot, started.is_set)
            assert button.disabled
            await pilot.press("f9")
            await wait_for(pilot, lambda: not button.disabled and not button.loading)
            release.set()
            await workers_done(pilot)
            assert app.staff is None and screen_name(pilot) == "StaffLoginScreen"
            await type_into(pilot, "#staff-account", DESK[0])
            await type_into(pilot, "#staff-password", DESK[1])
            await pilot.click("#staff-login")
            await wait_for(pilot, lambda: screen_name(pilot) == "SearchScreen")
    finally:
        release.set()


async def test_import_button_opens_the_group_import_screen(
    staff_app_factory: Factory, monkeypatch: Any
) -> None:
    opened: list[tuple[Any, ...]] = []

    class GroupImportScreen(Screen[None]):
        def __init__(self, *args: Any) -> None:
            super().__init__()
            opened.append(args)

    fake = types.ModuleType("kiosk.ui.staff.import_screen")
    fake.GroupImportScreen = GroupImportScreen  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "kiosk.ui.staff.import_screen", fake)
    app = staff_app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await signed_in(pilot)
        await pilot.click("#import")
        await wait_for(pilot, lambda: screen_name(pilot) == "GroupImportScreen")
    ((store, settings, staff),) = opened
    assert (store, settings, staff.account) == (app.store, app.settings, DESK[0])


async def test_candidate_audit_trail_language_and_idle_over_a_modal(
    staff_app_factory: Factory,
) -> None:
    app = staff_app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await open_candidate(pilot, "wang", "wang2026")
        profile = app.screen.query_one("#profile", Static)
        await pilot.press("f2")
        await wait_for(pilot, lambda: "Chinese name" in str(profile.render()))
        await pilot.press("f8")
        await wait_for(pilot, lambda: screen_name(pilot) == "AuditLogScreen")
        assert app.screen.query_one("#audit-filter-candidate", Input).value == "wang2026"
        await wait_for(
            pilot,
            lambda: {r[3] for r in table_rows(pilot, "#audit-table")} == {"wang2026"},
        )
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(pilot) == "CandidateScreen")
        await pilot.click("#unlock")
        await wait_for(pilot, lambda: screen_name(pilot) == "ReasonScreen")
        app.last_input = time.monotonic() - app.settings.idle_seconds - 1
        await wait_for(pilot, lambda: screen_name(pilot) == "StaffLoginScreen")
        await workers_done(pilot)
        assert app.staff is None and len(app.screen_stack) == 1
        assert app.language == "zh-TW"
    assert audit_rows(app, "staff_unlock") == []
