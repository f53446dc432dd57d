"""變更密碼: authorised by the current password or by the ticket a temporary login gave."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from typing import Literal

from sqlmodel import Session

from kiosk.core import audit, passwords
from kiosk.core.accounts.common import (
    CandidateView,
    FieldErrors,
    audit_account,
    errors_of,
    shape_errors,
    ticket_hash,
)
from kiosk.core.accounts.lockout import count_failure
from kiosk.core.clock import Clock
from kiosk.core.clock import now as now_of
from kiosk.infra.config import Settings
from kiosk.infra.store import get_candidate_by_account

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChangePasswordResult:
    ok: bool
    message_key: str
    candidate: CandidateView | None = None
    field_errors: FieldErrors = field(default_factory=dict)
    next_step: Literal["", "home", "complete_profile"] = ""


def change_password(
    session: Session,
    *,
    account: str,
    new_password: str,
    new_password_confirm: str,
    settings: Settings,
    current_password: str | None = None,
    change_ticket: str | None = None,
    clock: Clock | None = None,
) -> ChangePasswordResult:
    """變更密碼: authorised by the current password or by the ticket a temporary login gave."""
    now = now_of(clock)
    hostile = shape_errors(
        account=account,
        current_password=current_password or "",
        password=new_password,
        password_confirm=new_password_confirm,
        change_ticket=change_ticket or "",
    )
    row = None if hostile else get_candidate_by_account(session=session, account=account)

    trail = audit.Trail(session, settings, now, "change_password")

    def note(outcome: str) -> None:
        trail(
            outcome,
            account=audit_account(account, row, settings),
            candidate_id=row.id if row else None,
        )

    if hostile:
        note("invalid")
        return ChangePasswordResult(False, "accounts.change.invalid", field_errors=hostile)
    if row is None:
        note("not_found")
        return ChangePasswordResult(False, "accounts.change.denied")
    authorised = False
    if change_ticket and row.change_ticket_hash and row.change_ticket_expires_at:
        authorised = row.change_ticket_expires_at > now and secrets.compare_digest(
            row.change_ticket_hash, ticket_hash(change_ticket)
        )
    locked = row.locked_until is not None and row.locked_until > now
    if not authorised and current_password is not None and row.password_hash and not locked:
        authorised = passwords.verify_password(current_password, row.password_hash)
        if not authorised:
            # a signed-in kiosk left alone must not become a password-guessing machine
            count_failure(session, row, settings=settings, now=now)
    if not authorised:
        note("locked" if locked else "denied")
        # a current password typed and wrong says just that; "log in again" is for an expired
        # change ticket or a locked account
        wrong = current_password is not None and not locked and not change_ticket
        key = "accounts.change.wrong_current" if wrong else "accounts.change.denied"
        return ChangePasswordResult(False, key, field_errors={"current_password": [key]})
    errors: FieldErrors = {}
    found = errors_of(
        "new_password",
        new_password,
        account=row.account,
        chinese_name=row.chinese_name,
        email=row.email,
        national_id=row.national_id,
        current_password=current_password or "",  # the live rule rules.password.not_current
    )
    if found:
        errors["password"] = found
    if (
        "rules.password.not_current" not in found  # said by the rule's own line
        and row.temp_password_hash
        and passwords.verify_password(new_password, row.temp_password_hash)
    ):
        errors.setdefault("password", []).append("accounts.change.same")  # it travelled in clear
    found = errors_of("password_confirm", new_password_confirm, password=new_password)
    if found:
        errors["password_confirm"] = found
    if errors:
        note("invalid")
        return ChangePasswordResult(False, "accounts.change.invalid", field_errors=errors)
    row.password_hash = passwords.hash_password(new_password, settings.bcrypt_rounds)
    row.must_change_password = False
    row.change_ticket_hash = None
    row.change_ticket_expires_at = None
    row.temp_password_hash = None
    row.temp_password_expires_at = None
    row.failed_logins = 0
    row.locked_until = None
    row.updated_at = now
    session.add(row)
    note("ok")
    return ChangePasswordResult(
        True,
        "accounts.change.ok",
        CandidateView.of(row),
        next_step="home" if row.profile_complete else "complete_profile",
    )
