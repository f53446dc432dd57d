"""人員管理 in the console, driven by keys and clicks: admins only; disable, enable, unlock, reset a
password, change a role, each with a reason; the last admin stays."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import DataTable

from kiosk.core import passwords
from kiosk.infra.tables import StaffUser, utcnow
from kiosk.ui.staff.app import StaffApp
from tests.screens.conftest import type_into, visible_text, wait_for
from tests.staff.conftest import ADMIN, DESK
from tests.staff.test_console import Factory, audit_rows, message, screen_name, signed_in


def staff_row(app: StaffApp, account: str) -> StaffUser:
    with app.store.session() as session:
        return session.exec(select(StaffUser).where(StaffUser.account_key == account)).one()


async def opened(pilot: Pilot[Any], app: StaffApp) -> None:
    await signed_in(pilot, ADMIN)
    await pilot.press("f10")
    await wait_for(pilot, lambda: screen_name(pilot) == "StaffAdminScreen")
    table = app.screen.query_one("#staff-table", DataTable)
    await wait_for(pilot, lambda: table.row_count == 2)


async def test_a_help_desk_account_is_told_it_is_for_admins(staff_app_factory: Factory) -> None:
    app = staff_app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in(pilot, DESK)
        assert "人員管理" not in visible_text(app)  # no button for it
        await pilot.press("f10")
        await wait_for(pilot, lambda: "只有管理者" in message(pilot))
        assert screen_name(pilot) == "SearchScreen"


async def test_an_admin_disables_unlocks_and_enables(staff_app_factory: Factory) -> None:
    app = staff_app_factory()
    with app.store.session() as session:
        row = session.exec(select(StaffUser).where(StaffUser.account_key == DESK[0])).one()
        row.failed_logins, row.locked_until = 5, utcnow() + timedelta(hours=1)
        session.add(row)
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(pilot, app)
        text = visible_text(app)
        assert DESK[0] in text and ADMIN[0] in text and "管理者" in text
        # amy.desk is the first row (by account) and has the cursor
        await pilot.click("#staff-unlock")
        await wait_for(pilot, lambda: screen_name(pilot) == "ReasonScreen")
        assert "解除 amy.desk 的登入鎖定" in visible_text(app)
        await pilot.press("enter")  # the first preset reason
        await wait_for(pilot, lambda: "已解除 amy.desk 的登入鎖定" in message(pilot))
        await pilot.click("#staff-toggle")
        await wait_for(pilot, lambda: screen_name(pilot) == "ReasonScreen")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "已停用 amy.desk" in message(pilot))
        await wait_for(pilot, lambda: "停用" in visible_text(app).split("amy.desk")[-1])
        await wait_for(pilot, lambda: "啟用" in str(app.screen.query_one("#staff-toggle").label))
        await pilot.click("#staff-toggle")
        await wait_for(pilot, lambda: screen_name(pilot) == "ReasonScreen")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "已啟用 amy.desk" in message(pilot))
    row = staff_row(app, DESK[0])
    assert row.active and row.failed_logins == 0 and row.locked_until is None
    kinds = [(e.kind, e.outcome, e.staff) for e in audit_rows(app, "staff_disable")]
    assert kinds == [("staff_disable", "ok", ADMIN[0])]
    assert [e.outcome for e in audit_rows(app, "staff_user_unlock")] == ["ok"]


async def test_the_last_admin_is_kept_and_a_password_reset(staff_app_factory: Factory) -> None:
    app = staff_app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(pilot, app)
        table = app.screen.query_one("#staff-table", DataTable)
        table.focus()
        await pilot.press("down")  # bob.admin: the admin signed in
        await pilot.click("#staff-role")
        await wait_for(pilot, lambda: screen_name(pilot) == "ReasonScreen")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "不能停用或降級自己的帳號" in message(pilot))
        table.focus()
        await pilot.press("up")  # amy.desk
        await pilot.click("#staff-reset")
        await wait_for(pilot, lambda: screen_name(pilot) == "PasswordResetScreen")
        await type_into(pilot, "#new-password", "Fresh#DeskPass2027")
        await type_into(pilot, "#new-password-again", "Fresh#DeskPass2028")
        await type_into(pilot, "#reason", "forgot it, at the desk")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "不一致" in visible_text(app))
        await type_into(pilot, "#new-password-again", "Fresh#DeskPass2027")
        await pilot.click("#confirm")
        await wait_for(pilot, lambda: screen_name(pilot) == "StaffAdminScreen")
        await wait_for(pilot, lambda: "已重設 amy.desk 的密碼" in message(pilot))
        assert "Fresh#DeskPass2027" not in visible_text(app)
    assert passwords.verify_password("Fresh#DeskPass2027", staff_row(app, DESK[0]).password_hash)
    assert staff_row(app, ADMIN[0]).role == "admin"
    assert [e.outcome for e in audit_rows(app, "staff_role")] == ["self"]
