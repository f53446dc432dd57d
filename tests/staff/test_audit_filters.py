"""Audit-log filters as the help desk types them: a prefix or a Chinese name for the candidate, a
prefix for the staff account, kinds by group; a malformed date lists nothing and says why."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from textual.widgets import DataTable, Select

from kiosk.core import audit, helpdesk
from kiosk.core.helpdesk import AuditFilter
from kiosk.core.helpdesk.staff_accounts import StaffView, get_staff
from kiosk.infra.config import Settings
from kiosk.infra.store import Store
from tests.screens.conftest import type_into, visible_text, wait_for
from tests.staff.conftest import ADMIN, DESK, candidate_id
from tests.staff.test_console import Factory, message, screen_name, signed_in, table_rows

EVENTS = (
    # kind, staff, account
    ("staff_unlock", DESK[0], "wang2026"),
    ("staff_resend", ADMIN[0], "linmeihua01"),
    ("staff_login", DESK[0], ""),
    ("login", "", "wang2026"),
    ("credential_query", "", "ipas2023chen"),
    ("email_query", "", "linmeihua01"),
    ("exam_register", "", "wang2026"),
)


@pytest.fixture
def logged(desk_store: Store) -> Store:
    with desk_store.session() as session:
        for n, (kind, staff, account) in enumerate(EVENTS):
            audit.record(
                session,
                kind=kind,
                outcome="ok",
                terminal_id="desk-1",
                at=datetime(2026, 11, 20, 1, n),
                staff=staff,
                account=account,
                candidate_id=candidate_id(desk_store, account) if account else None,
            )
    return desk_store


def found(store: Store, settings: Settings, **values: Any) -> list[tuple[str, str, str]]:
    with store.session() as session:
        row = get_staff(session=session, account=DESK[0])
        assert row is not None
        log = helpdesk.audit_log(
            session,
            filters=AuditFilter(**values),
            staff=StaffView.of(row),
            settings=settings,
        )
    wanted = {kind for kind, _, _ in EVENTS}
    return sorted((e.kind, e.staff, e.account) for e in log.rows if e.kind in wanted)


def test_candidate_by_account_prefix_and_by_chinese_name(logged: Store, settings: Settings) -> None:
    wang = [
        ("exam_register", "", "wang2026"),
        ("login", "", "wang2026"),
        ("staff_unlock", DESK[0], "wang2026"),
    ]
    assert found(logged, settings, candidate="wang") == sorted(wang)
    assert found(logged, settings, candidate="WANG20") == sorted(wang)
    assert found(logged, settings, candidate="王小") == sorted(wang)
    assert found(logged, settings, candidate="王小明") == sorted(wang)
    assert found(logged, settings, candidate="林") == [
        ("email_query", "", "linmeihua01"),
        ("staff_resend", ADMIN[0], "linmeihua01"),
    ]
    assert found(logged, settings, candidate="A123456789") == sorted(wang)  # a whole ID
    assert found(logged, settings, candidate="zzz") == []


def test_staff_by_prefix_in_any_case(logged: Store, settings: Settings) -> None:
    amy = [("staff_login", DESK[0], ""), ("staff_unlock", DESK[0], "wang2026")]
    assert found(logged, settings, staff="amy") == amy
    assert found(logged, settings, staff="AMY.D") == amy
    assert found(logged, settings, staff="bob") == [("staff_resend", ADMIN[0], "linmeihua01")]


def test_kinds_by_group_and_by_prefix(logged: Store, settings: Settings) -> None:
    assert [k for k, _, _ in found(logged, settings, group="staff")] == [
        "staff_resend",
        "staff_unlock",
    ]
    assert [k for k, _, _ in found(logged, settings, group="logins")] == ["login", "staff_login"]
    assert [k for k, _, _ in found(logged, settings, group="queries")] == [
        "credential_query",
        "email_query",
    ]
    assert [k for k, _, _ in found(logged, settings, kind="staff_u")] == ["staff_unlock"]
    assert helpdesk.KIND_GROUPS.keys() >= {"staff", "logins", "queries"}


async def test_the_console_filters_by_name_and_group(staff_app_factory: Factory) -> None:
    app = staff_app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await signed_in(pilot)
        await pilot.press("f5")
        await wait_for(pilot, lambda: screen_name(pilot) == "AuditLogScreen")
        await type_into(pilot, "#audit-filter-candidate", "林美")
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: {r[3] for r in table_rows(pilot, "#audit-table")} == {"linmeihua01"},
        )
        app.screen.query_one("#audit-filter-candidate").value = ""  # type: ignore[attr-defined]
        app.screen.query_one("#audit-filter-group", Select).value = "logins"
        await wait_for(
            pilot, lambda: {r[1] for r in table_rows(pilot, "#audit-table")} == {"staff_login"}
        )
        assert "登入" in visible_text(app)


async def test_a_malformed_date_lists_nothing_and_says_why(staff_app_factory: Factory) -> None:
    app = staff_app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in(pilot)
        await pilot.press("f5")
        await wait_for(pilot, lambda: screen_name(pilot) == "AuditLogScreen")
        await wait_for(pilot, lambda: len(table_rows(pilot, "#audit-table")) > 0)
        await type_into(pilot, "#audit-filter-from", "2026-13-01")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "YYYY-MM-DD" in message(pilot))
        assert app.screen.query_one("#audit-table", DataTable).row_count == 0
        text = visible_text(app)
        assert "起日「2026-13-01」不是日期（格式 YYYY-MM-DD），未列出任何紀錄" in text
