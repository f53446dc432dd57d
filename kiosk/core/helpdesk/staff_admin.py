"""Staff administration: list, disable, enable, unlock, reset a password, change a role.

Only an active admin administers staff accounts (``ipas-kiosk staff …`` names one with
``--staff``; the console's 人員管理 page is shown to admins only), every change needs a reason
and writes an audit event with the admin as ``staff`` and ``target=<account>`` in its detail,
and nothing leaves the site without an admin:

- disabling or demoting the last active admin is refused, also when two consoles do it to two
  different admins at once. The change is one conditional ``UPDATE`` ("… unless no other active
  admin would be left"); on PostgreSQL the active admin rows are locked first (``SELECT … FOR
  UPDATE``), so the second of two racing transactions waits for the first and then sees its
  result (under READ COMMITTED the condition would otherwise read a snapshot from before it).
  SQLite runs one writer at a time and the conditional ``UPDATE`` is the transaction's first
  write, so its condition reads the database as the first writer left it;
- an admin does not disable or demote their own account (a slip that would end their own
  session; another admin can).

A reset password is chosen by the admin, typed twice, checked by the candidates' password rules
(the account may not be in it) and stored only as its bcrypt hash; it also lifts a lock. The
admin passes it on in person. (There is no "must change at the next sign-in" flag for staff in
the schema; adding one would need a migration, which this change avoids.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import exists, or_, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from kiosk.core import audit, passwords, rules, text_safety
from kiosk.core.clock import Clock
from kiosk.core.clock import now as now_of
from kiosk.core.helpdesk.actions import clean_reason, reason_problem
from kiosk.core.helpdesk.staff_accounts import StaffView, current_staff, get_staff
from kiosk.infra.config import Settings
from kiosk.infra.tables import STAFF_ROLES, StaffUser

FieldErrors = dict[str, list[str]]


@dataclass(frozen=True)
class StaffRow:
    """One staff account as the administration lists it: no hash."""

    account: str
    role: str
    active: bool
    failed_logins: int
    locked_until: datetime | None
    last_login_at: datetime | None
    created_at: datetime

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now


@dataclass(frozen=True)
class AdminResult:
    ok: bool
    message_key: str
    values: dict[str, str] = field(default_factory=dict)
    field_errors: FieldErrors = field(default_factory=dict)
    staff: StaffRow | None = None


def _row_of(row: StaffUser) -> StaffRow:
    return StaffRow(
        account=row.account,
        role=row.role,
        active=row.active,
        failed_logins=row.failed_logins,
        locked_until=row.locked_until,
        last_login_at=row.last_login_at,
        created_at=row.created_at,
    )


def list_staff(
    session: Session, *, actor: StaffView, settings: Settings, clock: Clock | None = None
) -> list[StaffRow] | None:
    """Every staff account, by account; None unless ``actor`` is an active admin (audited)."""
    admin = current_staff(session, actor)
    if admin is None or not admin.is_admin:
        audit.Trail(session, settings, now_of(clock), "staff_admin_view", staff=actor.account)(
            "denied",
        )
        return None
    rows = session.exec(select(StaffUser).order_by(col(StaffUser.account_key))).all()
    return [_row_of(row) for row in rows]


def all_staff(session: Session) -> list[StaffRow]:
    """Every staff account (``ipas-kiosk staff list``: whoever has the host's shell)."""
    return [
        _row_of(row)
        for row in session.exec(select(StaffUser).order_by(col(StaffUser.account_key))).all()
    ]


class _Change:
    """What every change starts with: the time, the reason, the admin, the target account."""

    def __init__(
        self,
        session: Session,
        kind: str,
        *,
        actor: StaffView,
        account: str,
        reason: str,
        settings: Settings,
        clock: Clock | None,
    ) -> None:
        self.session = session
        self.now = now_of(clock)
        self.reason = clean_reason(reason)
        self.typed = account.strip()
        self.trail = audit.Trail(session, settings, self.now, kind, staff=actor.account)
        self.admin = current_staff(session, actor)
        hostile = text_safety.problem(self.typed)
        self.target = get_staff(session=session, account=self.typed) if not hostile else None

    def note(self, outcome: str, detail: str = "") -> None:
        target = self.target.account if self.target is not None else self.typed[:30]
        parts = [f"target={target}", detail, f"reason={self.reason}" if self.reason else ""]
        self.trail(outcome, detail="; ".join(p for p in parts if p))

    def refusal(self) -> AdminResult | None:
        """The answer when the change cannot start (no reason, no admin, no such account)."""
        problem = reason_problem(self.reason)
        if problem:
            return AdminResult(False, problem, field_errors={"reason": [problem]})
        if self.admin is None or not self.admin.is_admin:
            self.note("denied", "not an active admin")
            return AdminResult(False, "staff.admin.denied")
        if self.target is None:
            self.note("not_found")
            return AdminResult(False, "staff.admin.not_found", {"account": self.typed[:30]})
        return None

    def done(self, key: str, detail: str = "") -> AdminResult:
        assert self.target is not None
        self.session.refresh(self.target)
        self.note("ok", detail)
        return AdminResult(True, key, {"account": self.target.account}, staff=_row_of(self.target))


def _begin(
    session: Session,
    kind: str,
    actor: StaffView,
    account: str,
    reason: str,
    settings: Settings,
    clock: Clock | None,
) -> tuple[_Change, StaffUser] | AdminResult:
    change = _Change(
        session,
        kind,
        actor=actor,
        account=account,
        reason=reason,
        settings=settings,
        clock=clock,
    )
    refused = change.refusal()
    if refused is not None:
        return refused
    assert change.target is not None
    return change, change.target


def _leaves_an_admin(session: Session, target: StaffUser, values: dict[str, object]) -> bool:
    """Apply ``values`` to ``target`` unless it is an active admin and no other active admin
    would be left; True when applied. Race-safe as the module docstring says."""
    # PostgreSQL: lock every active admin row; a racing change waits here for this one
    session.exec(
        select(StaffUser.id)
        .where(StaffUser.role == "admin", col(StaffUser.active).is_(True))
        .with_for_update()
    ).all()
    other = aliased(StaffUser)
    another_admin = exists().where(
        col(other.role) == "admin", col(other.active).is_(True), col(other.id) != target.id
    )
    result = session.execute(
        update(StaffUser)
        .where(col(StaffUser.id) == target.id)
        .where(
            or_(
                col(StaffUser.role) != "admin",
                col(StaffUser.active).is_(False),
                another_admin,
            )
        )
        .values(**values)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def disable_staff(
    session: Session,
    *,
    actor: StaffView,
    account: str,
    reason: str,
    settings: Settings,
    clock: Clock | None = None,
) -> AdminResult:
    """The account signs in no more, and a console it is signed in to acts no more."""
    begun = _begin(session, "staff_disable", actor, account, reason, settings, clock)
    if isinstance(begun, AdminResult):
        return begun
    change, target = begun
    if change.admin is not None and target.id == change.admin.id:
        change.note("self")
        return AdminResult(False, "staff.admin.self")
    if not target.active:
        change.note("unchanged")
        return AdminResult(True, "staff.admin.already_disabled", {"account": target.account})
    if not _leaves_an_admin(session, target, {"active": False, "updated_at": change.now}):
        change.note("last_admin")
        return AdminResult(False, "staff.admin.last_admin", {"account": target.account})
    return change.done("staff.admin.disabled")


def enable_staff(
    session: Session,
    *,
    actor: StaffView,
    account: str,
    reason: str,
    settings: Settings,
    clock: Clock | None = None,
) -> AdminResult:
    begun = _begin(session, "staff_enable", actor, account, reason, settings, clock)
    if isinstance(begun, AdminResult):
        return begun
    change, target = begun
    if target.active:
        change.note("unchanged")
        return AdminResult(True, "staff.admin.already_enabled", {"account": target.account})
    session.execute(
        update(StaffUser)
        .where(col(StaffUser.id) == target.id)
        .values(active=True, updated_at=change.now)
    )
    return change.done("staff.admin.enabled")


def unlock_staff(
    session: Session,
    *,
    actor: StaffView,
    account: str,
    reason: str,
    settings: Settings,
    clock: Clock | None = None,
) -> AdminResult:
    """Clear the failure counter and the lock of a staff account."""
    begun = _begin(session, "staff_user_unlock", actor, account, reason, settings, clock)
    if isinstance(begun, AdminResult):
        return begun
    change, target = begun
    locked = target.locked_until is not None and target.locked_until > change.now
    was = f"failures={target.failed_logins}; locked={'yes' if locked else 'no'}"
    session.execute(
        update(StaffUser)
        .where(col(StaffUser.id) == target.id)
        .values(failed_logins=0, locked_until=None, updated_at=change.now)
    )
    return change.done("staff.admin.unlocked", was)


def reset_staff_password(
    session: Session,
    *,
    actor: StaffView,
    account: str,
    password: str,
    reason: str,
    settings: Settings,
    clock: Clock | None = None,
) -> AdminResult:
    """A new password chosen by the admin (the password rules apply); the lock goes too."""
    begun = _begin(session, "staff_password_reset", actor, account, reason, settings, clock)
    if isinstance(begun, AdminResult):
        return begun
    change, target = begun
    problem = text_safety.problem(password)
    errors = (
        [problem]
        if problem
        else [
            c.message_key
            for c in rules.check("password", password, account=target.account)
            if not c.ok and c.severity == "error"
        ]
    )
    if errors:
        change.note("invalid", "field=password")
        return AdminResult(False, "staff.admin.invalid", field_errors={"password": errors})
    session.execute(
        update(StaffUser)
        .where(col(StaffUser.id) == target.id)
        .values(
            password_hash=passwords.hash_password(password, settings.bcrypt_rounds),
            failed_logins=0,
            locked_until=None,
            updated_at=change.now,
        )
    )
    return change.done("staff.admin.password_reset")


def set_staff_role(
    session: Session,
    *,
    actor: StaffView,
    account: str,
    role: str,
    reason: str,
    settings: Settings,
    clock: Clock | None = None,
) -> AdminResult:
    begun = _begin(session, "staff_role", actor, account, reason, settings, clock)
    if isinstance(begun, AdminResult):
        return begun
    change, target = begun
    if role not in STAFF_ROLES:
        change.note("invalid", f"role={role[:10]}")
        return AdminResult(False, "staff.add.role", field_errors={"role": ["staff.add.role"]})
    if target.role == role:
        change.note("unchanged", f"role={role}")
        return AdminResult(True, "staff.admin.role_unchanged", {"account": target.account})
    if change.admin is not None and target.id == change.admin.id:
        change.note("self", f"role={role}")
        return AdminResult(False, "staff.admin.self")
    before = target.role
    if not _leaves_an_admin(session, target, {"role": role, "updated_at": change.now}):
        change.note("last_admin", f"role={role}")
        return AdminResult(False, "staff.admin.last_admin", {"account": target.account})
    return change.done("staff.admin.role_set", f"role {before}->{role}")


Change = Callable[..., AdminResult]
CHANGES: dict[str, Change] = {
    "disable": disable_staff,
    "enable": enable_staff,
    "unlock": unlock_staff,
    "reset-password": reset_staff_password,
    "set-role": set_staff_role,
}
"""The changes by their command-line names."""
