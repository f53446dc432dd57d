"""Staff users: creation rules, sign-in, the lock after repeated failures, and the same bcrypt
work for every failure — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from sqlmodel import select

from kiosk.core import audit, passwords
from kiosk.core.helpdesk import staff_accounts
from kiosk.core.helpdesk.staff_accounts import create_staff, current_staff, staff_login
from kiosk.infra.config import Settings
from kiosk.infra.store import Store
from kiosk.infra.tables import AuditEvent, StaffUser
from tests.staff.conftest import ADMIN, DESK, FakeClock


def login(store: Store, settings: Settings, clock: FakeClock, account: str, password: str):
    with store.session() as session:
        return staff_login(
            session, account=account, password=password, settings=settings, clock=clock
        )


def test_create_checks_rules_role_and_duplicates(store: Store, settings: Settings) -> None:
    with store.session() as session:
        weak = create_staff(
            session, account="amy.desk", role="helpdesk", password="short", settings=settings
        )
        role = create_staff(
            session, account="amy.desk", role="root", password=DESK[1], settings=settings
        )
        ok = create_staff(
            session, account="Amy.Desk", role="helpdesk", password=DESK[1], settings=settings
        )
    assert not weak.ok and "password" in weak.field_errors
    assert not role.ok and role.field_errors["role"] == ["staff.add.role"]
    assert ok.ok and ok.staff is not None and ok.staff.role == "helpdesk"
    with store.session() as session:
        again = create_staff(
            session, account="amy.DESK", role="admin", password=DESK[1], settings=settings
        )
        assert again.field_errors == {"account": ["staff.add.duplicate"]}
        row = session.exec(select(StaffUser)).one()
        assert row.password_hash.startswith("$2") and DESK[1] not in row.password_hash
        events = session.exec(select(AuditEvent).where(AuditEvent.kind == "staff_add")).all()
        assert [(e.staff, e.detail) for e in events] == [("Amy.Desk", "role=helpdesk")]


def test_sign_in_and_audit(desk_store: Store, settings: Settings, clock: FakeClock) -> None:
    result = login(desk_store, settings, clock, "BOB.admin", ADMIN[1])
    assert result.ok and result.staff is not None
    assert result.staff.account == ADMIN[0] and result.staff.is_admin
    wrong = login(desk_store, settings, clock, ADMIN[0], "Wrong#Pass2026")
    unknown = login(desk_store, settings, clock, "nobody.here", "Wrong#Pass2026")
    assert wrong.message_key == unknown.message_key == staff_accounts.LOGIN_FAILED
    with desk_store.session() as session:
        events = session.exec(
            select(AuditEvent).where(AuditEvent.kind == "staff_login").order_by(AuditEvent.id)
        ).all()
        assert [(e.staff, e.outcome) for e in events] == [
            (ADMIN[0], "ok"),
            (ADMIN[0], "failed"),
            (audit.unknown_account("nobody.here", settings), "unknown"),  # never the text typed
        ]
        assert all("Pass2026" not in e.detail for e in events)


def test_lockout_doubles_and_clears(
    desk_store: Store, settings: Settings, clock: FakeClock
) -> None:
    for _ in range(settings.lockout_threshold):
        assert not login(desk_store, settings, clock, DESK[0], "Wrong#Pass2026").ok
    locked = login(desk_store, settings, clock, DESK[0], DESK[1])
    assert not locked.ok  # the right password does not open a locked account
    clock.advance(seconds=settings.lockout_base_seconds + 1)
    assert not login(desk_store, settings, clock, DESK[0], "Wrong#Pass2026").ok
    clock.advance(seconds=settings.lockout_base_seconds + 1)
    assert not login(desk_store, settings, clock, DESK[0], DESK[1]).ok  # now 2x the wait
    clock.advance(seconds=settings.lockout_base_seconds + 1)
    assert login(desk_store, settings, clock, DESK[0], DESK[1]).ok
    with desk_store.session() as session:
        row = session.exec(select(StaffUser).where(StaffUser.account_key == DESK[0])).one()
        assert row.failed_logins == 0 and row.locked_until is None
        outcomes = [
            e.outcome
            for e in session.exec(
                select(AuditEvent)
                .where(AuditEvent.kind == "staff_login", AuditEvent.staff == DESK[0])
                .order_by(AuditEvent.id)
            )
        ]
    assert outcomes == ["failed"] * settings.lockout_threshold + [
        "locked",
        "failed",
        "locked",
        "ok",
    ]


@pytest.mark.parametrize("case", ["unknown", "wrong", "locked", "disabled"])
def test_every_failure_costs_two_bcrypt_runs(
    desk_store: Store, settings: Settings, clock: FakeClock, case: str
) -> None:
    with desk_store.session() as session:
        row = session.exec(select(StaffUser).where(StaffUser.account_key == DESK[0])).one()
        if case == "locked":
            row.locked_until = clock() + timedelta(hours=1)
        if case == "disabled":
            row.active = False
        session.add(row)
    account = "nobody.here" if case == "unknown" else DESK[0]
    password = DESK[1] if case in ("locked", "disabled") else "Wrong#Pass2026"
    with mock.patch.object(passwords, "verify_password", wraps=passwords.verify_password) as verify:
        assert not login(desk_store, settings, clock, account, password).ok
    assert verify.call_count == 2


def test_a_disabled_staff_user_acts_no_more(desk_store: Store, settings: Settings) -> None:
    with desk_store.session() as session:
        row = session.exec(select(StaffUser).where(StaffUser.account_key == DESK[0])).one()
        view = staff_accounts.StaffView.of(row)
        assert current_staff(session, view) == view
        row.active = False
        session.add(row)
    with desk_store.session() as session:
        assert current_staff(session, view) is None
