"""Help-desk staff accounts: ``ipas-kiosk staff add`` and the staff console's login.

The same rules as candidates: passwords checked by ``kiosk.core.rules`` and kept only as bcrypt
hashes, the failure counter and the doubling lock live in the database, and every failed attempt —
unknown account, locked, disabled or a wrong password — costs exactly two bcrypt runs, so the
time taken tells nothing. Every attempt writes an audit event with ``staff`` set.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from kiosk.core import audit, passwords, rules, text_safety
from kiosk.core.accounts import login_budget
from kiosk.core.accounts.lockout import count_failure
from kiosk.core.clock import Clock
from kiosk.core.clock import now as now_of
from kiosk.core.national_id import mask_national_ids as mask_national_ids  # re-exported
from kiosk.core.text_safety import MAX_INPUT
from kiosk.infra.config import Settings
from kiosk.infra.tables import STAFF_ROLES, StaffUser

FieldErrors = dict[str, list[str]]
LOGIN_FAILED = "staff.login.failed"


@dataclass(frozen=True)
class StaffView:
    """Who is signed in to the console: no hash, no counters."""

    id: int
    account: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @classmethod
    def of(cls, row: StaffUser) -> StaffView:
        assert row.id is not None
        return cls(id=row.id, account=row.account, role=row.role)


@dataclass(frozen=True)
class StaffResult:
    ok: bool
    message_key: str
    staff: StaffView | None = None
    field_errors: FieldErrors = field(default_factory=dict)


def get_staff(*, session: Session, account: str) -> StaffUser | None:
    key = account.strip().lower()
    return session.exec(select(StaffUser).where(StaffUser.account_key == key)).first()


def _errors_of(name: str, value: str, **context: str) -> list[str]:
    return [
        c.message_key
        for c in rules.check(name, value, **context)
        if not c.ok and c.severity == "error"
    ]


def create_staff(
    session: Session,
    *,
    account: str,
    role: str,
    password: str,
    settings: Settings,
    clock: Clock | None = None,
) -> StaffResult:
    """Add a staff user; the account follows the candidates' account rules, the password theirs."""
    now = now_of(clock)
    account = account.strip()
    errors: FieldErrors = {
        name: [key]
        for name, value in (("account", account), ("password", password))
        if (key := text_safety.problem(value)) is not None
    }
    if errors:
        return StaffResult(False, "staff.add.invalid", field_errors=errors)
    found = _errors_of("account", account)
    if found:
        errors["account"] = found
    if role not in STAFF_ROLES:
        errors["role"] = ["staff.add.role"]
    found = _errors_of("password", password, account=account)
    if found:
        errors["password"] = found
    if not errors and get_staff(session=session, account=account) is not None:
        errors["account"] = ["staff.add.duplicate"]
    if errors:
        return StaffResult(False, "staff.add.invalid", field_errors=errors)
    row = StaffUser(
        account=account,
        account_key=account.lower(),
        role=role,
        password_hash=passwords.hash_password(password, settings.bcrypt_rounds),
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # added by someone else in between
        return StaffResult(
            False, "staff.add.invalid", field_errors={"account": ["staff.add.duplicate"]}
        )
    audit.Trail(session, settings, now, "staff_add", staff=account)(
        "ok",
        detail=f"role={role}",
    )
    return StaffResult(True, "staff.add.ok", StaffView.of(row))


def staff_login(
    session: Session,
    *,
    account: str,
    password: str,
    settings: Settings,
    clock: Clock | None = None,
) -> StaffResult:
    """The console's sign-in: one generic answer for every failure, a lock after
    ``settings.lockout_threshold`` failures (doubling, capped) as for candidates."""
    now = now_of(clock)
    account = account.strip()
    hostile = text_safety.problem(account) or text_safety.problem(password)
    row = get_staff(session=session, account=account) if account and not hostile else None
    dummy = passwords.dummy_hash(settings.bcrypt_rounds)

    def note(outcome: str, detail: str = "") -> None:
        audit.Trail(
            session,
            settings,
            now,
            "staff_login",
            staff=row.account if row else audit.unknown_account(account, settings),
        )(
            outcome,
            detail=detail,
        )

    if hostile:
        _burn(password[:MAX_INPUT], dummy, times=2)
        note("invalid")
        return StaffResult(False, LOGIN_FAILED)
    wait = login_budget.blocked_seconds(session, settings, now=now)
    if wait:
        _burn(password, dummy, times=2)
        note("place_locked", f"wait={wait}s")
        return StaffResult(False, LOGIN_FAILED)
    if row is None or not row.active:
        _burn(password, dummy, times=2)
        login_budget.count_failure(session, settings, now=now)
        note("unknown" if row is None else "disabled")
        return StaffResult(False, LOGIN_FAILED)
    if row.locked_until is not None and row.locked_until > now:
        _burn(password, dummy, times=2)
        login_budget.count_failure(session, settings, now=now)
        note("locked")
        return StaffResult(False, LOGIN_FAILED)
    if not passwords.verify_password(password, row.password_hash):
        _burn(password, dummy, times=1)  # two runs in all, like every other failure
        failures = count_failure(session, row, settings=settings, now=now)
        login_budget.count_failure(session, settings, now=now)
        note("failed", f"failures={failures}")
        return StaffResult(False, LOGIN_FAILED)
    row.failed_logins = 0
    row.locked_until = None
    row.last_login_at = now
    row.updated_at = now
    if passwords.needs_rehash(row.password_hash, settings.bcrypt_rounds):
        row.password_hash = passwords.hash_password(password, settings.bcrypt_rounds)
    session.add(row)
    note("ok", f"role={row.role}")
    return StaffResult(True, "staff.login.ok", StaffView.of(row))


def _burn(password: str, dummy: str, *, times: int) -> None:
    for _ in range(times):
        passwords.verify_password(password, dummy)


def current_staff(session: Session, staff: StaffView) -> StaffView | None:
    """The staff user as the database has it now (a disabled or demoted account acts no more)."""
    row = session.get(StaffUser, staff.id)
    if row is None or not row.active:
        return None
    return StaffView.of(row)
