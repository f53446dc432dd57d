"""Staff administration on SQLite and PostgreSQL: admins only, every change audited with who did
it, a locked staff member unlocked, a password reset by the rules, and never no admin left —
also with two consoles racing."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import Session, col, select

from kiosk.core import passwords
from kiosk.core.helpdesk import staff_admin
from kiosk.core.helpdesk.staff_accounts import StaffView, create_staff, get_staff, staff_login
from kiosk.infra.config import Settings
from kiosk.infra.store import Store
from kiosk.infra.tables import AuditEvent, StaffUser
from tests.staff.conftest import ADMIN, DESK, FakeClock

CAROL = ("carol.admin", "Carol#Admin2026z")
REASON = "staff member left the venue"


def view(store: Store, account: str) -> StaffView:
    with store.session() as session:
        row = get_staff(session=session, account=account)
        assert row is not None
        return StaffView.of(row)


def row_of(store: Store, account: str) -> StaffUser:
    with store.session() as session:
        row = get_staff(session=session, account=account)
        assert row is not None
        return row


def change(store: Store, name: str, actor: str, account: str, **values: Any) -> Any:
    values.setdefault("reason", REASON)
    with store.session() as session:
        return staff_admin.CHANGES[name](
            session, actor=view(store, actor), account=account, **values
        )


ADMIN_KINDS = (
    "staff_disable",
    "staff_enable",
    "staff_role",
    "staff_user_unlock",
    "staff_password_reset",
)


def events(store: Store) -> list[tuple[str, str, str, str]]:
    with store.session() as session:
        rows = session.exec(
            select(AuditEvent)
            .where(col(AuditEvent.kind).in_(ADMIN_KINDS))
            .order_by(col(AuditEvent.id))
        ).all()
    return [(e.kind, e.outcome, e.staff, e.detail) for e in rows]


def test_only_an_admin_administers(desk_store: Store, settings: Settings) -> None:
    refused = change(desk_store, "disable", DESK[0], ADMIN[0], settings=settings)
    assert not refused.ok and refused.message_key == "staff.admin.denied"
    with desk_store.session() as session:
        listed = staff_admin.list_staff(session, actor=view(desk_store, DESK[0]), settings=settings)
        assert listed is None
        listed = staff_admin.list_staff(
            session, actor=view(desk_store, ADMIN[0]), settings=settings
        )
    assert listed is not None
    assert [(r.account, r.role) for r in listed] == [(DESK[0], "helpdesk"), (ADMIN[0], "admin")]
    assert row_of(desk_store, ADMIN[0]).active
    detail = f"target={ADMIN[0]}; not an active admin; reason={REASON}"
    assert events(desk_store) == [("staff_disable", "denied", DESK[0], detail)]


def test_disable_and_enable_are_audited_and_end_the_sign_in(
    desk_store: Store, settings: Settings, clock: FakeClock
) -> None:
    done = change(desk_store, "disable", ADMIN[0], "AMY.desk", settings=settings, clock=clock)
    assert done.ok and done.message_key == "staff.admin.disabled"
    assert not row_of(desk_store, DESK[0]).active
    with desk_store.session() as session:
        login = staff_login(
            session, account=DESK[0], password=DESK[1], settings=settings, clock=clock
        )
    assert not login.ok
    again = change(desk_store, "enable", ADMIN[0], DESK[0], settings=settings, clock=clock)
    assert again.ok and row_of(desk_store, DESK[0]).active
    assert [(k, o, s) for k, o, s, _ in events(desk_store)] == [
        ("staff_disable", "ok", ADMIN[0]),
        ("staff_enable", "ok", ADMIN[0]),
    ]
    for *_, detail in events(desk_store):
        assert detail.startswith(f"target={DESK[0]}") and detail.endswith(REASON)


def test_a_staff_member_locked_by_failures_is_unlocked(
    desk_store: Store, settings: Settings, clock: FakeClock
) -> None:
    with desk_store.session() as session:
        for _ in range(settings.lockout_threshold + 1):
            staff_login(
                session, account=DESK[0], password="Wrong#Pass2026", settings=settings, clock=clock
            )
    locked = row_of(desk_store, DESK[0])
    assert locked.locked_until is not None and locked.locked_until > clock.now
    done = change(desk_store, "unlock", ADMIN[0], DESK[0], settings=settings, clock=clock)
    assert done.ok
    after = row_of(desk_store, DESK[0])
    assert (after.failed_logins, after.locked_until) == (0, None)
    with desk_store.session() as session:
        login = staff_login(
            session, account=DESK[0], password=DESK[1], settings=settings, clock=clock
        )
    assert login.ok
    (event,) = [e for e in events(desk_store) if e[0] == "staff_user_unlock"]
    assert f"failures={settings.lockout_threshold}; locked=yes" in event[3]


def test_reset_password_follows_the_rules_and_lifts_the_lock(
    desk_store: Store, settings: Settings, clock: FakeClock
) -> None:
    with desk_store.session() as session:
        row = get_staff(session=session, account=DESK[0])
        assert row is not None
        row.failed_logins, row.locked_until = 9, clock.now + timedelta(hours=1)
        session.add(row)
    weak = change(
        desk_store, "reset-password", ADMIN[0], DESK[0], password="amy.desk1", settings=settings
    )
    assert not weak.ok and weak.field_errors["password"]
    new = "New#DeskPass2027"
    done = change(
        desk_store,
        "reset-password",
        ADMIN[0],
        DESK[0],
        password=new,
        settings=settings,
        clock=clock,
    )
    assert done.ok
    row = row_of(desk_store, DESK[0])
    assert passwords.verify_password(new, row.password_hash) and row.locked_until is None
    assert all(new not in d for *_, d in events(desk_store))
    assert [(k, o) for k, o, _, _ in events(desk_store)] == [
        ("staff_password_reset", "invalid"),
        ("staff_password_reset", "ok"),
    ]


def test_the_last_admin_is_neither_disabled_nor_demoted(
    desk_store: Store, settings: Settings
) -> None:
    with desk_store.session() as session:
        carol = create_staff(
            session, account=CAROL[0], role="admin", password=CAROL[1], settings=settings
        )
    assert carol.ok
    own = change(desk_store, "disable", ADMIN[0], ADMIN[0], settings=settings)
    assert not own.ok and own.message_key == "staff.admin.self"
    first = change(desk_store, "set-role", CAROL[0], ADMIN[0], role="helpdesk", settings=settings)
    assert first.ok and row_of(desk_store, ADMIN[0]).role == "helpdesk"
    # carol is the last admin now; bob is helpdesk and cannot act; an admin made back …
    back = change(desk_store, "set-role", CAROL[0], ADMIN[0], role="admin", settings=settings)
    assert back.ok
    gone = change(desk_store, "disable", ADMIN[0], CAROL[0], settings=settings)
    assert gone.ok
    last = change(desk_store, "set-role", ADMIN[0], ADMIN[0], role="helpdesk", settings=settings)
    assert not last.ok and last.message_key == "staff.admin.self"
    # the guard itself, without the self rule: carol (disabled) is no admin that counts
    with desk_store.session() as session:
        target = get_staff(session=session, account=ADMIN[0])
        assert target is not None
        assert not staff_admin._leaves_an_admin(session, target, {"active": False})
    assert row_of(desk_store, ADMIN[0]).active and row_of(desk_store, ADMIN[0]).role == "admin"


def test_two_consoles_disabling_the_two_admins_at_once_leave_one(
    desk_store: Store, settings: Settings
) -> None:
    """Each console's admin disables the other admin in its own transaction, at the same time:
    the first commits, the second sees it and is refused."""
    with desk_store.session() as session:
        assert create_staff(
            session, account=CAROL[0], role="admin", password=CAROL[1], settings=settings
        ).ok
    bob, carol = view(desk_store, ADMIN[0]), view(desk_store, CAROL[0])
    first = Session(desk_store.engine, expire_on_commit=False)
    result_first = staff_admin.disable_staff(
        first, actor=bob, account=CAROL[0], reason=REASON, settings=settings
    )
    assert result_first.ok  # not committed yet: carol's row and the admin rows stay locked
    answers: list[Any] = []

    def second() -> None:
        with desk_store.session() as session:
            answers.append(
                staff_admin.disable_staff(
                    session, actor=carol, account=ADMIN[0], reason=REASON, settings=settings
                )
            )

    racing = threading.Thread(target=second)
    writing = threading.Event()

    def about_to_write(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        # the second console has reached its locking statement: it waits there (PostgreSQL
        # row lock, SQLite write lock) or runs right after the first commits
        if threading.current_thread() is racing and (
            "FOR UPDATE" in statement or statement.startswith("UPDATE staff_user")
        ):
            writing.set()

    event.listen(desk_store.engine, "before_cursor_execute", about_to_write)
    try:
        racing.start()
        assert writing.wait(timeout=30)
        first.commit()
    finally:
        event.remove(desk_store.engine, "before_cursor_execute", about_to_write)
    first.close()
    racing.join(timeout=30)
    assert not racing.is_alive()
    (answer,) = answers
    assert not answer.ok
    assert answer.message_key in ("staff.admin.denied", "staff.admin.last_admin")
    with desk_store.session() as session:
        admins = session.exec(
            select(StaffUser.account).where(
                StaffUser.role == "admin",
                StaffUser.active == True,  # noqa: E712
            )
        ).all()
    assert admins == [ADMIN[0]]


@pytest.mark.parametrize("name", sorted(staff_admin.CHANGES))
def test_every_change_needs_a_reason(desk_store: Store, settings: Settings, name: str) -> None:
    values: dict[str, Any] = {"settings": settings, "reason": "x"}
    if name == "reset-password":
        values["password"] = "New#DeskPass2027"
    if name == "set-role":
        values["role"] = "admin"
    result = change(desk_store, name, ADMIN[0], DESK[0], **values)
    assert not result.ok and result.field_errors == {"reason": ["staff.reason.too_short"]}
    row = row_of(desk_store, DESK[0])
    assert (row.active, row.role) == (True, "helpdesk")
