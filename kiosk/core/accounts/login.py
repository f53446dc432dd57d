"""考生登入: the captcha, the place's failure budget, the account, bcrypt, then where to go next."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import update
from sqlmodel import Session

from kiosk.core import audit, passwords
from kiosk.core.accounts import login_budget
from kiosk.core.accounts.common import (
    CandidateView,
    CaptchaCheck,
    FieldErrors,
    audit_account,
    errors_of,
    same_name,
    shape_errors,
    ticket_hash,
)
from kiosk.core.accounts.lockout import count_failure
from kiosk.core.clock import Clock
from kiosk.core.clock import now as now_of
from kiosk.core.text_safety import MAX_INPUT
from kiosk.infra.config import Settings
from kiosk.infra.store import get_candidate_by_account
from kiosk.infra.tables import Candidate

log = logging.getLogger(__name__)

CHANGE_TICKET_MINUTES = 15
GENERIC_LOGIN_FAILURE = "accounts.login.failed"


class LoginOutcome(StrEnum):
    OK = "ok"
    REGISTER = "register"  # unknown account whose values pass the rules: open registration
    CHANGE_PASSWORD = "change_password"  # temporary password used, or a change is required
    COMPLETE_PROFILE = "complete_profile"  # group/legacy candidate with an incomplete profile
    FAILED = "failed"  # wrong password or name, or locked: one generic answer
    CAPTCHA = "captcha"  # wrong or expired captcha: no database work was done
    INVALID = "invalid"  # unknown account whose values break the rules; see field_errors


@dataclass(frozen=True)
class LoginResult:
    outcome: LoginOutcome
    message_key: str = ""
    candidate: CandidateView | None = None
    change_ticket: str = ""  # authorises change_password after a temporary password
    prefill: Mapping[str, str] = field(default_factory=dict)
    field_errors: FieldErrors = field(default_factory=dict)
    message_values: Mapping[str, str] = field(default_factory=dict)


def login(
    session: Session,
    *,
    captcha: CaptchaCheck,
    captcha_answer: str,
    account: str,
    chinese_name: str,
    password: str,
    settings: Settings,
    clock: Clock | None = None,
) -> LoginResult:
    """The portal's 考生登入: captcha, then the place's budget, then the account, then bcrypt,
    then where to go next.

    Every answer after the captcha costs the same two bcrypt runs — unknown account, wrong
    password, right password with the wrong name, locked account, locked place, temporary
    password or not — so the time taken says nothing about the password.
    """
    if not captcha.verify(captcha_answer):
        log.info("login: wrong captcha on %s", settings.terminal_id)
        return LoginResult(LoginOutcome.CAPTCHA, "accounts.captcha.wrong")
    now = now_of(clock)
    account = account.strip()
    chinese_name = chinese_name.strip()
    dummy = passwords.dummy_hash(settings.bcrypt_rounds)
    row: Candidate | None = None

    trail = audit.Trail(session, settings, now, "login")

    def note(outcome: str, detail: str = "") -> None:
        trail(
            outcome,
            account=audit_account(account, row, settings),
            candidate_id=row.id if row else None,
            detail=detail,
        )

    hostile = shape_errors(account=account, chinese_name=chinese_name, password=password)
    if hostile:  # nothing of it is looked up, and the answer depends on nothing stored
        _burn(password[:MAX_INPUT], dummy, times=2)
        note("invalid", "fields=" + ",".join(sorted(hostile)))
        return LoginResult(LoginOutcome.INVALID, "accounts.login.invalid", field_errors=hostile)

    wait = login_budget.blocked_seconds(session, settings, now=now)
    if wait:
        _burn(password, dummy, times=2)
        note("place_locked", f"wait={wait}s")
        return LoginResult(
            LoginOutcome.FAILED,
            "accounts.login.place_locked",
            message_values={"minutes": str(max(1, -(-wait // 60)))},
        )

    row = get_candidate_by_account(session=session, account=account) if account else None
    temp_valid = bool(
        row is not None
        and row.temp_password_hash
        and row.temp_password_expires_at is not None
        and row.temp_password_expires_at > now
    )
    # Two checks, always: against the password (or the dummy) and against the pending temporary
    # password (or the dummy).
    has_password = row is not None and bool(row.password_hash)
    main_ok = passwords.verify_password(
        password, row.password_hash if row and has_password else dummy
    )
    temp_ok = passwords.verify_password(
        password, row.temp_password_hash if row and temp_valid else dummy
    )
    main_ok = main_ok and has_password
    temp_ok = temp_ok and temp_valid

    if row is None:
        errors: FieldErrors = {}
        for name, value, ctx in (
            ("account", account, {}),
            ("chinese_name", chinese_name, {}),
            ("password", password, {"account": account, "chinese_name": chinese_name}),
        ):
            found = errors_of(name, value, **ctx)
            if found:
                errors[name] = found
        if errors:
            note("invalid", "fields=" + ",".join(sorted(errors)))
            return LoginResult(LoginOutcome.INVALID, "accounts.login.invalid", field_errors=errors)
        note("register")
        return LoginResult(
            LoginOutcome.REGISTER,
            "accounts.login.register",
            prefill={"account": account, "chinese_name": chinese_name, "password": password},
        )

    if row.locked_until is not None and row.locked_until > now:
        login_budget.count_failure(session, settings, now=now)
        note("locked")
        return LoginResult(LoginOutcome.FAILED, GENERIC_LOGIN_FAILURE)

    via_temporary = temp_ok and not main_ok
    ok = (main_ok or temp_ok) and same_name(row.chinese_name, chinese_name)
    if not ok:
        failures = count_failure(session, row, settings=settings, now=now)
        login_budget.count_failure(session, settings, now=now)
        note("failed", f"failures={failures}")
        return LoginResult(LoginOutcome.FAILED, GENERIC_LOGIN_FAILURE)

    if via_temporary and not _consume_temporary(session, row):
        login_budget.count_failure(session, settings, now=now)
        note("failed", "temporary password already used")  # another terminal was first
        return LoginResult(LoginOutcome.FAILED, GENERIC_LOGIN_FAILURE)
    row.failed_logins = 0
    row.locked_until = None
    row.updated_at = now
    if via_temporary:
        row.temp_password_expires_at = None  # single use (already in the database)
        row.must_change_password = True
    elif row.password_hash and passwords.needs_rehash(row.password_hash, settings.bcrypt_rounds):
        row.password_hash = passwords.hash_password(password, settings.bcrypt_rounds)
    view = CandidateView.of(row)
    if row.must_change_password:
        ticket = secrets.token_urlsafe(24)
        row.change_ticket_hash = ticket_hash(ticket)
        row.change_ticket_expires_at = now + timedelta(minutes=CHANGE_TICKET_MINUTES)
        session.add(row)
        note("change_password", "temporary" if via_temporary else "required")
        return LoginResult(
            LoginOutcome.CHANGE_PASSWORD, "accounts.login.change_password", view, ticket
        )
    session.add(row)
    if not row.profile_complete:
        note("complete_profile")
        return LoginResult(LoginOutcome.COMPLETE_PROFILE, "accounts.login.complete_profile", view)
    note("ok")
    return LoginResult(LoginOutcome.OK, "accounts.login.ok", view)


def _burn(password: str, dummy: str, *, times: int) -> None:
    for _ in range(times):
        passwords.verify_password(password, dummy)


def _consume_temporary(session: Session, row: Candidate) -> bool:
    """Use up the temporary password only if it is still the one just verified and unused: of
    two terminals racing with it, exactly one gets the row. Its hash stays (without an expiry it
    never logs in again) so the forced change can refuse it as the new password."""
    result = session.execute(
        update(Candidate)
        .where(Candidate.id == row.id)  # type: ignore[arg-type]
        .where(Candidate.temp_password_hash == row.temp_password_hash)  # type: ignore[arg-type]
        .where(Candidate.temp_password_expires_at.is_not(None))  # type: ignore[union-attr]
        .values(temp_password_expires_at=None, must_change_password=True)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
