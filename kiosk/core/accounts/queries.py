"""查詢帳號/密碼 (a new temporary password, sent) and 查詢信箱 (the masked e-mail on screen)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Literal

from sqlmodel import Session

from kiosk.core import audit, delivery, national_id, passwords, rules
from kiosk.core.accounts.common import (
    REQUIRED,
    CaptchaCheck,
    FieldErrors,
    audit_account,
    errors_of,
    same_name,
    shape_errors,
)
from kiosk.core.clock import Clock
from kiosk.core.clock import now as now_of
from kiosk.infra.config import Settings
from kiosk.infra.store import get_candidate_by_account, get_candidate_by_national_id
from kiosk.infra.tables import Delivery

log = logging.getLogger(__name__)

Channel = Literal["email", "sms"]


class QueryOutcome(StrEnum):
    SENT = "sent"  # the same answer whether or not anything matched
    FOUND = "found"
    NOT_FOUND = "not_found"
    CAPTCHA = "captcha"
    INVALID = "invalid"
    THROTTLED = "throttled"


@dataclass(frozen=True)
class QueryResult:
    outcome: QueryOutcome
    message_key: str
    masked_email: str = ""
    field_errors: FieldErrors = field(default_factory=dict)


Sender = Callable[..., delivery.SendResult]


def query_credentials(
    session: Session,
    *,
    captcha: CaptchaCheck,
    captcha_answer: str,
    channel: Channel,
    national_id_text: str,
    chinese_name: str,
    email: str = "",
    mobile: str = "",
    settings: Settings,
    language: str = "zh-TW",
    clock: Clock | None = None,
    send: Sender | None = None,
) -> QueryResult:
    """查詢帳號/密碼: a new single-use temporary password, sent with the account.

    The screen's answer and the time it takes are the same whether or not anything matched: the
    unmatched path hashes a throwaway password too, and the answer waits for
    ``settings.query_min_seconds``. The use case commits its own transactions: the temporary
    password is stored (and the write lock released) before the message goes out, and neither the
    send nor the padding happens inside a transaction that other terminals would wait for. The
    message goes out from a thread of its own, logged there when it is done, so a slow mail
    server cannot make a match answer later than the padding time.
    """
    started = time.monotonic()
    if not captcha.verify(captcha_answer):
        log.info("credential query: wrong captcha on %s", settings.terminal_id)
        return QueryResult(QueryOutcome.CAPTCHA, "accounts.captcha.wrong")
    now = now_of(clock)
    hostile = shape_errors(
        national_id=national_id_text, chinese_name=chinese_name, email=email, mobile=mobile
    )
    if hostile:
        return QueryResult(QueryOutcome.INVALID, "accounts.query.invalid", field_errors=hostile)
    nid = national_id.normalize(national_id_text)
    chinese_name = chinese_name.strip()
    destination = email.strip() if channel == "email" else rules.normalize_mobile(mobile)
    errors: FieldErrors = {}
    if not national_id.is_valid(nid):
        errors["national_id"] = ["accounts.query.national_id"]
    found = errors_of("chinese_name", chinese_name)
    if found:
        errors["chinese_name"] = found
    if channel == "email":
        found = [k for k in errors_of("email", destination)]
        if found:
            errors["email"] = found
    elif not destination:
        errors["mobile"] = errors_of("mobile", mobile) or ["accounts.query.mobile"]
    if errors:
        return QueryResult(QueryOutcome.INVALID, "accounts.query.invalid", field_errors=errors)

    trail = audit.Trail(session, settings, now, "credential_query")

    def note(outcome: str, candidate_id: int | None = None, account: str = "") -> None:
        trail(
            outcome,
            account=account,
            candidate_id=candidate_id,
            detail=f"channel={channel}; id={national_id.mask(nid)}",
        )

    # bcrypt before the first write: the write lock is held for as short as possible.
    temporary = passwords.temporary_password(accept=lambda pw: rules.is_valid("password", pw))
    temp_hash = passwords.hash_password(temporary, settings.bcrypt_rounds)
    allowed = audit.hit(
        session,
        audit.throttle_key("credq:id", nid),
        limit=settings.query_limit,
        window_seconds=settings.query_window_seconds,
        now=now,
    ) & audit.hit(
        session,
        audit.throttle_key("credq:terminal", settings.terminal_id),
        limit=settings.query_limit * 4,
        window_seconds=settings.query_window_seconds,
        now=now,
    )
    if not allowed:
        note("throttled")
        session.commit()
        return QueryResult(QueryOutcome.THROTTLED, "accounts.query.throttled")

    row = get_candidate_by_national_id(session=session, national_id=nid)
    matched = row is not None and same_name(row.chinese_name, chinese_name)
    if row is not None and matched:
        if channel == "email":
            matched = row.email.strip().casefold() == destination.casefold() and bool(row.email)
        else:
            matched = bool(row.mobile) and rules.normalize_mobile(row.mobile) == destination
    if row is not None and matched:
        minutes = (
            settings.temp_password_email_minutes
            if channel == "email"
            else settings.temp_password_sms_minutes
        )
        row.temp_password_hash = temp_hash
        row.temp_password_expires_at = now + timedelta(minutes=minutes)
        row.updated_at = now
        session.add(row)
        candidate_id, account = row.id, row.account
        session.commit()  # stored before it is sent; the lock is free while the message travels
        # The message goes out from a thread of its own: a slow mail server must not make the
        # matched answer slower than the unmatched one. The answer waits for it only until the
        # padding time is up (without padding it waits for it: nothing to hide then).
        sender = threading.Thread(
            target=_send_and_log,
            name="credential-sender",
            daemon=True,
            kwargs={
                "bind": session.get_bind(),
                "send": send or delivery.send_credentials,
                "settings": settings,
                "channel": channel,
                "destination": destination,
                "account": account,
                "candidate_id": candidate_id,
                "temporary": temporary,
                "minutes": minutes,
                "language": language,
                "at": now,
                "detail": f"channel={channel}; id={national_id.mask(nid)}",
            },
        )
        sender.start()
        budget = settings.query_min_seconds - (time.monotonic() - started)
        sender.join(timeout=max(budget, 0) if settings.query_min_seconds > 0 else None)
    else:
        note("unmatched")
    del temporary
    session.commit()
    _pad(started, settings.query_min_seconds)
    return QueryResult(QueryOutcome.SENT, f"accounts.query.sent_{channel}")


def _send_and_log(
    *,
    bind: Any,
    send: Sender,
    settings: Settings,
    channel: Channel,
    destination: str,
    account: str,
    candidate_id: int | None,
    temporary: str,
    minutes: int,
    language: str,
    at: datetime,
    detail: str,
) -> None:
    """Send the account and temporary password, then log the delivery and its audit event."""
    result = send(
        settings,
        channel=channel,
        to=destination,
        account=account,
        temporary_password=temporary,
        valid_minutes=minutes,
        language=language,
        origin="self",
        expires_at=at + timedelta(minutes=minutes),
    )
    try:
        with Session(bind) as session:
            session.add(
                Delivery(
                    at=at,
                    candidate_id=candidate_id,
                    channel=channel,
                    transport=result.transport,
                    destination_masked=result.destination_masked[:80],
                    purpose="credentials",
                    status="sent" if result.ok else "failed",
                    error=result.error[:200],
                )
            )
            audit.Trail(session, settings, at, "credential_query")(
                "sent" if result.ok else "send_failed",
                account=account,
                candidate_id=candidate_id,
                detail=detail,
            )
            session.commit()
    except Exception:  # the store went away meanwhile: the message itself is out (or not)
        log.exception("credential query: delivery log not written")


def _pad(started: float, minimum: float) -> None:
    remaining = minimum - (time.monotonic() - started)
    if remaining > 0:
        time.sleep(remaining)


def query_email(
    session: Session,
    *,
    captcha: CaptchaCheck,
    captcha_answer: str,
    account: str,
    chinese_name: str,
    mobile: str,
    settings: Settings,
    clock: Clock | None = None,
) -> QueryResult:
    """查詢信箱: account + Chinese name + mobile → the masked e-mail (the screen is public)."""
    if not captcha.verify(captcha_answer):
        log.info("email query: wrong captcha on %s", settings.terminal_id)
        return QueryResult(QueryOutcome.CAPTCHA, "accounts.captcha.wrong")
    now = now_of(clock)
    hostile = shape_errors(account=account, chinese_name=chinese_name, mobile=mobile)
    if hostile:
        return QueryResult(QueryOutcome.INVALID, "accounts.query.invalid", field_errors=hostile)
    account = account.strip()
    number = rules.normalize_mobile(mobile)
    errors: FieldErrors = {}
    if not account:
        errors["account"] = [REQUIRED]
    found = errors_of("chinese_name", chinese_name.strip())
    if found:
        errors["chinese_name"] = found
    if not number:
        errors["mobile"] = errors_of("mobile", mobile) or ["accounts.query.mobile"]
    if errors:
        return QueryResult(QueryOutcome.INVALID, "accounts.query.invalid", field_errors=errors)
    allowed = audit.hit(
        session,
        audit.throttle_key("emailq:account", account.lower()),
        limit=settings.query_limit,
        window_seconds=settings.query_window_seconds,
        now=now,
    ) & audit.hit(
        session,
        audit.throttle_key("emailq:terminal", settings.terminal_id),
        limit=settings.query_limit * 4,
        window_seconds=settings.query_window_seconds,
        now=now,
    )
    row = get_candidate_by_account(session=session, account=account)

    trail = audit.Trail(session, settings, now, "email_query")

    def note(outcome: str) -> None:
        trail(
            outcome,
            account=audit_account(account, row, settings),
            candidate_id=row.id if row else None,
        )

    if not allowed:
        note("throttled")
        return QueryResult(QueryOutcome.THROTTLED, "accounts.query.throttled")
    if (
        row is None
        or not same_name(row.chinese_name, chinese_name)
        or rules.normalize_mobile(row.mobile) != number
        or not row.email
    ):
        note("not_found")
        return QueryResult(QueryOutcome.NOT_FOUND, "accounts.email_query.not_found")
    note("found")
    return QueryResult(
        QueryOutcome.FOUND,
        "accounts.email_query.found",
        masked_email=delivery.mask_email(row.email),
    )
