"""Account use cases: login, registration, credential and e-mail queries, password and profile.

Every function takes a ``Session`` and plain values, returns a small result dataclass, raises
nothing for a user's mistake (the result carries the reason as catalog keys) and writes an audit
event — never a password, never a full national ID. The caller commits (``Store.session()``).
A wrong captcha is the one attempt that writes nothing: it must cost no database work, so it is
only logged through ``logging``.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import time
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Literal, Protocol

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from kiosk.core import audit, delivery, national_id, passwords, rules, text_safety
from kiosk.core.accounts import login_budget
from kiosk.core.accounts.lockout import count_failure
from kiosk.core.text_safety import MAX_INPUT
from kiosk.infra.config import Settings
from kiosk.infra.store import (
    Candidate,
    Delivery,
    get_candidate_by_account,
    get_candidate_by_national_id,
    utcnow,
)

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Channel = Literal["email", "sms"]
CHANGE_TICKET_MINUTES = 15
GENERIC_LOGIN_FAILURE = "accounts.login.failed"
REQUIRED = "accounts.required"


class CaptchaCheck(Protocol):
    """What the use cases need of a captcha (``kiosk.core.captcha.Captcha`` fits)."""

    def verify(self, text: str) -> bool: ...


@dataclass(frozen=True)
class CandidateView:
    """A detached snapshot for the screens: the ID only masked, no hashes."""

    id: int
    account: str
    chinese_name: str
    english_surname: str
    english_given_name: str
    nationality: str
    national_id_masked: str
    email: str
    mobile: str
    gender: str
    education: str
    school: str
    department: str
    origin: str
    group_unit: str
    profile_complete: bool

    @classmethod
    def of(cls, row: Candidate) -> CandidateView:
        assert row.id is not None
        return cls(
            id=row.id,
            account=row.account,
            chinese_name=row.chinese_name,
            english_surname=row.english_surname,
            english_given_name=row.english_given_name,
            nationality=row.nationality,
            national_id_masked=national_id.mask(row.national_id),
            email=row.email,
            mobile=row.mobile,
            gender=row.gender,
            education=row.education,
            school=row.school,
            department=row.department,
            origin=row.origin,
            group_unit=row.group_unit,
            profile_complete=row.profile_complete,
        )


FieldErrors = dict[str, list[str]]


def _errors_of(field_name: str, value: str, **context: str) -> list[str]:
    return [
        c.message_key
        for c in rules.check(field_name, value, **context)
        if not c.ok and c.severity == "error"
    ]


def normalize_name(name: str) -> str:
    """Compare names as people type them: NFKC, no spaces (an IME may add full-width ones)."""
    return "".join(unicodedata.normalize("NFKC", name).split())


def _same_name(a: str, b: str) -> bool:
    return secrets.compare_digest(normalize_name(a).encode(), normalize_name(b).encode())


def _ticket_hash(ticket: str) -> str:
    return hashlib.sha256(ticket.encode("utf-8", "surrogatepass")).hexdigest()


def audit_account(typed: str, row: Candidate | None, settings: Settings) -> str:
    """What an audit row may say about the account typed: the real one when it names an
    account; anything else (a password typed into the wrong box passes the account rules, an ID
    number…) only as a keyed hash (``kiosk.core.audit.unknown_account``)."""
    if row is not None:
        return row.account
    return audit.unknown_account(typed, settings)


def _clock(clock: Clock | None) -> datetime:
    return (clock or utcnow)()


# --------------------------------------------------------------------------------------------
# Login


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
    now = _clock(clock)
    account = account.strip()
    chinese_name = chinese_name.strip()
    dummy = passwords.dummy_hash(settings.bcrypt_rounds)
    row: Candidate | None = None

    def note(outcome: str, detail: str = "") -> None:
        audit.record(
            session,
            kind="login",
            outcome=outcome,
            terminal_id=settings.terminal_id,
            at=now,
            account=audit_account(account, row, settings),
            candidate_id=row.id if row else None,
            detail=detail,
        )

    hostile = _shape_errors(account=account, chinese_name=chinese_name, password=password)
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
            found = _errors_of(name, value, **ctx)
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
    ok = (main_ok or temp_ok) and _same_name(row.chinese_name, chinese_name)
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
        row.change_ticket_hash = _ticket_hash(ticket)
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


def _shape_errors(**values: str) -> FieldErrors:
    """Fields whose text as a whole cannot be taken: too long, or holding control, bidi or other
    invisible characters (``kiosk.core.text_safety``). Checked before anything else looks at
    them."""
    errors: FieldErrors = {}
    for name, value in values.items():
        found = text_safety.problem(value)
        if found:
            errors[name] = [found]
    return errors


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


# --------------------------------------------------------------------------------------------
# Registration and profile


PROFILE_FIELDS = (
    "chinese_name",
    "english_surname",
    "english_given_name",
    "email",
    "mobile",
    "gender",
    "education",
    "school",
    "department",
)
IMMUTABLE_FIELDS = ("account", "national_id", "nationality")
GENDERS = ("M", "F")


@dataclass
class Registration:
    """What the registration form sends, as typed (the use case normalizes)."""

    account: str = ""
    nationality: str = "TW"
    national_id: str = ""
    chinese_name: str = ""
    english_surname: str = ""
    english_given_name: str = ""
    email: str = ""
    mobile: str = ""
    gender: str = ""
    education: str = ""
    school: str = ""
    department: str = ""
    password: str = ""
    password_confirm: str = ""


@dataclass(frozen=True)
class RegisterResult:
    ok: bool
    message_key: str
    candidate: CandidateView | None = None
    field_errors: FieldErrors = field(default_factory=dict)


def _profile_errors(values: Mapping[str, str], *, nationality: str) -> FieldErrors:
    from kiosk.infra import assets

    errors: FieldErrors = {}
    for name in ("chinese_name", "english_surname", "english_given_name", "email", "mobile"):
        found = _errors_of(name, values.get(name, ""))
        if found:
            errors[name] = found
    if values.get("gender", "") not in GENDERS:
        errors["gender"] = [REQUIRED]
    level = assets.education_level(values.get("education", ""))
    if level is None:
        errors["education"] = [REQUIRED]
    elif level.needs_school:
        for name in ("school", "department"):
            if not values.get(name, "").strip():
                errors[name] = [REQUIRED]
    for name in ("school", "department"):
        if len(values.get(name, "")) > 80:
            errors.setdefault(name, []).append("accounts.too_long")
    for name in PROFILE_FIELDS:  # the free-text ones (school, department) have no other rule
        if text_safety.has_unsafe(str(values.get(name, ""))):
            errors[name] = [text_safety.UNSAFE_KEY]
    del nationality
    return errors


def _normalized_profile(values: Mapping[str, str]) -> dict[str, str]:
    from kiosk.core import romanize

    out = {name: str(values.get(name, "")).strip() for name in PROFILE_FIELDS}
    out["english_surname"] = " ".join(out["english_surname"].upper().split())
    out["english_given_name"] = " ".join(out["english_given_name"].upper().split())
    if not out["english_surname"] and not out["english_given_name"]:
        # 註4: an empty English name takes MOFA's Tongyong romanization of the Chinese name.
        out["english_surname"], out["english_given_name"] = romanize.english_name(
            out["chinese_name"]
        )
    out["mobile"] = rules.normalize_mobile(out["mobile"]) or out["mobile"]
    out["gender"] = out["gender"].upper()
    return out


def register(
    session: Session, *, data: Registration, settings: Settings, clock: Clock | None = None
) -> RegisterResult:
    """The portal's 註冊: every field checked, then one INSERT; duplicates answered per field."""
    now = _clock(clock)
    hostile = _shape_errors(**{f.name: str(getattr(data, f.name)) for f in fields(data)})
    if hostile:  # refused whole: nothing of it is normalized, looked up or stored
        audit.record(
            session,
            kind="register",
            outcome="invalid",
            terminal_id=settings.terminal_id,
            at=now,
            account=audit.unknown_account(data.account, settings),
            detail="fields=" + ",".join(sorted(hostile)),
        )
        return RegisterResult(False, "accounts.register.invalid", field_errors=hostile)
    account = data.account.strip()
    nationality = data.nationality if data.nationality in ("TW", "foreign") else "TW"
    nid = national_id.normalize(data.national_id)
    profile = _normalized_profile({f.name: getattr(data, f.name) for f in fields(data)})
    errors = _profile_errors(profile, nationality=nationality)
    for name, value, ctx in (
        ("account", account, {}),
        ("national_id", nid, {"nationality": nationality}),
        (
            "password",
            data.password,
            {
                "account": account,
                "chinese_name": profile["chinese_name"],
                "email": profile["email"],
                "national_id": nid,
            },
        ),
        ("password_confirm", data.password_confirm, {"password": data.password}),
    ):
        found = _errors_of(name, value, **ctx)
        if found:
            errors[name] = found

    def note(outcome: str, created: Candidate | None = None, detail: str = "") -> None:
        audit.record(
            session,
            kind="register",
            outcome=outcome,
            terminal_id=settings.terminal_id,
            at=now,
            account=audit_account(account, created, settings),
            candidate_id=created.id if created else None,
            detail=detail,
        )

    if errors:
        note("invalid", detail="fields=" + ",".join(sorted(errors)))
        return RegisterResult(False, "accounts.register.invalid", field_errors=errors)

    row = Candidate(
        account=account,
        account_key=account.lower(),
        nationality=nationality,
        national_id=nid,
        password_hash=passwords.hash_password(data.password, settings.bcrypt_rounds),
        origin="self",
        profile_complete=True,
        created_at=now,
        updated_at=now,
        **profile,  # type: ignore[arg-type]
    )
    try:
        session.add(row)
        session.flush()
    except IntegrityError:
        session.rollback()  # nothing else was written in this transaction yet
        duplicate = _duplicate_fields(session, account=account, nid=nid)
        note("duplicate", detail="fields=" + ",".join(duplicate))
        return RegisterResult(
            False,
            "accounts.register.duplicate",
            field_errors={name: [f"accounts.duplicate.{name}"] for name in duplicate},
        )
    note("ok", row, detail=f"id={national_id.mask(nid)}")
    return RegisterResult(True, "accounts.register.ok", CandidateView.of(row))


def _duplicate_fields(session: Session, *, account: str, nid: str) -> list[str]:
    found = []
    if get_candidate_by_account(session=session, account=account) is not None:
        found.append("account")
    if get_candidate_by_national_id(session=session, national_id=nid) is not None:
        found.append("national_id")
    return found or ["account"]


@dataclass(frozen=True)
class UpdateResult:
    ok: bool
    message_key: str
    candidate: CandidateView | None = None
    field_errors: FieldErrors = field(default_factory=dict)


def update_profile(
    session: Session,
    *,
    candidate_id: int,
    changes: Mapping[str, str],
    settings: Settings,
    actor: str = "",
    clock: Clock | None = None,
) -> UpdateResult:
    """考生基本資料維護: correct the profile; account, nationality and national ID never change."""
    now = _clock(clock)
    row = session.get(Candidate, candidate_id)
    if row is None:
        return UpdateResult(False, "accounts.profile.not_found")
    hostile = _shape_errors(**{name: str(value) for name, value in changes.items()})
    if hostile:
        audit.record(
            session,
            kind="profile",
            outcome="invalid",
            terminal_id=settings.terminal_id,
            at=now,
            account=row.account,
            candidate_id=row.id,
            detail="fields=" + ",".join(sorted(hostile)),
        )
        return UpdateResult(False, "accounts.profile.invalid", field_errors=hostile)
    immutable = sorted(set(changes) & set(IMMUTABLE_FIELDS))
    unknown = sorted(set(changes) - set(PROFILE_FIELDS) - set(IMMUTABLE_FIELDS))
    errors: FieldErrors = {name: ["accounts.immutable"] for name in immutable}
    errors.update({name: ["accounts.unknown_field"] for name in unknown})
    current = {name: getattr(row, name) for name in PROFILE_FIELDS}
    merged = {**current, **{k: v for k, v in changes.items() if k in PROFILE_FIELDS}}
    profile = _normalized_profile(merged)
    errors.update(_profile_errors(profile, nationality=row.nationality))
    if errors:
        audit.record(
            session,
            kind="profile",
            outcome="invalid",
            terminal_id=settings.terminal_id,
            at=now,
            account=row.account,
            candidate_id=row.id,
            detail="fields=" + ",".join(sorted(errors)),
        )
        return UpdateResult(False, "accounts.profile.invalid", field_errors=errors)
    changed = [name for name in PROFILE_FIELDS if profile[name] != current[name]]
    details = []
    for name in changed:
        if name == "email":
            details.append(
                f"email {delivery.mask_email(current[name])}->{delivery.mask_email(profile[name])}"
            )
        elif name == "mobile":
            old, new = delivery.mask_mobile(current[name]), delivery.mask_mobile(profile[name])
            details.append(f"mobile {old}->{new}")
        else:
            details.append(name)
        setattr(row, name, profile[name])
    row.profile_complete = True
    row.updated_at = now
    session.add(row)
    audit.record(
        session,
        kind="profile",
        outcome="ok" if changed else "unchanged",
        terminal_id=settings.terminal_id,
        at=now,
        account=row.account,
        candidate_id=row.id,
        detail=(f"by={actor}; " if actor else "") + "; ".join(details),
    )
    return UpdateResult(True, "accounts.profile.ok", CandidateView.of(row))


# --------------------------------------------------------------------------------------------
# Password change


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
    now = _clock(clock)
    hostile = _shape_errors(
        account=account,
        current_password=current_password or "",
        password=new_password,
        password_confirm=new_password_confirm,
        change_ticket=change_ticket or "",
    )
    row = None if hostile else get_candidate_by_account(session=session, account=account)

    def note(outcome: str) -> None:
        audit.record(
            session,
            kind="change_password",
            outcome=outcome,
            terminal_id=settings.terminal_id,
            at=now,
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
            row.change_ticket_hash, _ticket_hash(change_ticket)
        )
    locked = row.locked_until is not None and row.locked_until > now
    if not authorised and current_password is not None and row.password_hash and not locked:
        authorised = passwords.verify_password(current_password, row.password_hash)
        if not authorised:
            # a signed-in kiosk left alone must not become a password-guessing machine
            count_failure(session, row, settings=settings, now=now)
    if not authorised:
        note("locked" if locked else "denied")
        return ChangePasswordResult(
            False,
            "accounts.change.denied",
            field_errors={"current_password": ["accounts.change.denied"]},
        )
    errors: FieldErrors = {}
    found = _errors_of(
        "password",
        new_password,
        account=row.account,
        chinese_name=row.chinese_name,
        email=row.email,
        national_id=row.national_id,
    )
    if found:
        errors["password"] = found
    if current_password is not None and new_password == current_password:
        errors.setdefault("password", []).append("accounts.change.same")
    elif row.temp_password_hash and passwords.verify_password(new_password, row.temp_password_hash):
        errors.setdefault("password", []).append("accounts.change.same")  # it travelled in clear
    found = _errors_of("password_confirm", new_password_confirm, password=new_password)
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


# --------------------------------------------------------------------------------------------
# Credential query (查詢帳號/密碼) and e-mail query (查詢信箱)


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
    now = _clock(clock)
    hostile = _shape_errors(
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
    found = _errors_of("chinese_name", chinese_name)
    if found:
        errors["chinese_name"] = found
    if channel == "email":
        found = [k for k in _errors_of("email", destination)]
        if found:
            errors["email"] = found
    elif not destination:
        errors["mobile"] = _errors_of("mobile", mobile) or ["accounts.query.mobile"]
    if errors:
        return QueryResult(QueryOutcome.INVALID, "accounts.query.invalid", field_errors=errors)

    def note(outcome: str, candidate_id: int | None = None, account: str = "") -> None:
        audit.record(
            session,
            kind="credential_query",
            outcome=outcome,
            terminal_id=settings.terminal_id,
            at=now,
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
    matched = row is not None and _same_name(row.chinese_name, chinese_name)
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
            audit.record(
                session,
                kind="credential_query",
                outcome="sent" if result.ok else "send_failed",
                terminal_id=settings.terminal_id,
                at=at,
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
    now = _clock(clock)
    hostile = _shape_errors(account=account, chinese_name=chinese_name, mobile=mobile)
    if hostile:
        return QueryResult(QueryOutcome.INVALID, "accounts.query.invalid", field_errors=hostile)
    account = account.strip()
    number = rules.normalize_mobile(mobile)
    errors: FieldErrors = {}
    if not account:
        errors["account"] = [REQUIRED]
    found = _errors_of("chinese_name", chinese_name.strip())
    if found:
        errors["chinese_name"] = found
    if not number:
        errors["mobile"] = _errors_of("mobile", mobile) or ["accounts.query.mobile"]
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

    def note(outcome: str) -> None:
        audit.record(
            session,
            kind="email_query",
            outcome=outcome,
            terminal_id=settings.terminal_id,
            at=now,
            account=audit_account(account, row, settings),
            candidate_id=row.id if row else None,
        )

    if not allowed:
        note("throttled")
        return QueryResult(QueryOutcome.THROTTLED, "accounts.query.throttled")
    if (
        row is None
        or not _same_name(row.chinese_name, chinese_name)
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
