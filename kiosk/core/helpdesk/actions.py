"""Help-desk actions on one candidate: resend credentials, unlock, correct the profile, mark a
group candidate's profile incomplete.

Each takes the acting ``staff`` (re-read from the database: a disabled or demoted account acts no
more) and a ``reason`` (required), and writes an audit event with ``staff`` set and the reason in
its detail. A temporary password travels only in the message to the candidate: no result, log or
audit row carries it, and the staff member never sees it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from kiosk.core import audit, delivery, national_id, passwords, rules, text_safety
from kiosk.core.accounts import GENDERS, PROFILE_FIELDS, CandidateView, login_budget
from kiosk.core.clock import Clock
from kiosk.core.clock import now as now_of
from kiosk.core.helpdesk.staff_accounts import StaffView, current_staff, mask_national_ids
from kiosk.infra import assets
from kiosk.infra.config import Settings
from kiosk.infra.tables import AuditEvent, Candidate, Delivery

Channel = Literal["email", "sms"]
FieldErrors = dict[str, list[str]]
REASON_MAX = 200
REASON_MIN_CELLS = 4
"""A reason says something: two Chinese characters (來電) or four letters at least; a single
letter typed to get past the box is no reason (the audit must explain the action later)."""
GENDER_TYPED = {"M": "M", "F": "F", "男": "M", "女": "F", "MALE": "M", "FEMALE": "F"}
ADMIN_FIELDS = ("account", "national_id")
EDITABLE_FIELDS = (*PROFILE_FIELDS, *ADMIN_FIELDS)
Sender = Callable[..., delivery.SendResult]


@dataclass(frozen=True)
class ActionResult:
    ok: bool
    message_key: str
    values: dict[str, str] = field(default_factory=dict)
    candidate: CandidateView | None = None
    field_errors: FieldErrors = field(default_factory=dict)


def clean_reason(reason: str) -> str:
    """One line of printable text, at most ``REASON_MAX`` characters, ID numbers masked (the
    reason goes to the audit log; masked before it is cut, so no cut ID slips through)."""
    reason = reason[: text_safety.MAX_INPUT]  # the masking below looks at every position
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in reason).split())
    return mask_national_ids(text)[:REASON_MAX]


def reason_problem(reason: str) -> str | None:
    """The catalog key of what is wrong with a reason (None when it will do): missing, or
    shorter than :data:`REASON_MIN_CELLS` display cells (a CJK character counts two)."""
    text = clean_reason(reason)
    if not text:
        return "staff.reason.required"
    cells = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return "staff.reason.too_short" if cells < REASON_MIN_CELLS else None


class _Context:
    """What every action starts with: the time, the checked reason, the staff, the candidate."""

    def __init__(
        self,
        session: Session,
        *,
        kind: str,
        staff: StaffView,
        candidate_id: int,
        reason: str,
        settings: Settings,
        clock: Clock | None,
    ) -> None:
        self.session = session
        self.kind = kind
        self.now = now_of(clock)
        self.reason = clean_reason(reason)
        self.settings = settings
        self.staff = current_staff(session, staff)
        self.row = session.get(Candidate, candidate_id)
        self.staff_account = staff.account

    def refusal(self) -> ActionResult | None:
        """The answer when the action cannot start (no reason, no staff, no candidate)."""
        problem = reason_problem(self.reason)
        if problem:
            return ActionResult(False, problem, field_errors={"reason": [problem]})
        if self.staff is None:
            self.note("denied", "staff account disabled")
            return ActionResult(False, "staff.action.denied")
        if self.row is None:
            self.note("not_found")
            return ActionResult(False, "staff.candidate.not_found")
        return None

    def detail(self, detail: str = "") -> str:
        return mask_national_ids("; ".join(p for p in (detail, f"reason={self.reason}") if p))

    def note(self, outcome: str, detail: str = "") -> AuditEvent:
        return audit.Trail(
            self.session, self.settings, self.now, self.kind, staff=self.staff_account
        )(
            outcome,
            candidate=self.row,
            detail=self.detail(detail),
        )


def _begin(
    session: Session,
    kind: str,
    staff: StaffView,
    candidate_id: int,
    reason: str,
    settings: Settings,
    clock: Clock | None,
) -> tuple[_Context, Candidate, StaffView] | ActionResult:
    """Start an action: its context, the candidate row and the staff as the database has them
    now, or the refusal (no reason, staff disabled, no such candidate), already audited."""
    ctx = _Context(
        session,
        kind=kind,
        staff=staff,
        candidate_id=candidate_id,
        reason=reason,
        settings=settings,
        clock=clock,
    )
    refused = ctx.refusal()
    if refused is not None:
        return refused
    assert ctx.row is not None and ctx.staff is not None
    return ctx, ctx.row, ctx.staff


def resend_credentials(
    session: Session,
    *,
    staff: StaffView,
    candidate_id: int,
    channel: Channel,
    reason: str,
    settings: Settings,
    language: str = "zh-TW",
    clock: Clock | None = None,
    send: Sender | None = None,
) -> ActionResult:
    """A new single-use temporary password, sent with the account to the candidate's registered
    e-mail or mobile (as the credential query does). The new password is committed with a
    "pending" audit event and a "sending" delivery row before the message goes out; both are
    updated once it has. The result says only where it went, masked."""
    begun = _begin(session, "staff_resend", staff, candidate_id, reason, settings, clock)
    if isinstance(begun, ActionResult):
        return begun
    ctx, row, _ = begun
    assert row.id is not None
    destination = row.email.strip() if channel == "email" else rules.normalize_mobile(row.mobile)
    if not destination:
        ctx.note("no_destination", f"channel={channel}")
        return ActionResult(False, f"staff.resend.no_{channel}")
    temporary = passwords.temporary_password(accept=lambda pw: rules.is_valid("password", pw))
    minutes = (
        settings.temp_password_email_minutes
        if channel == "email"
        else settings.temp_password_sms_minutes
    )
    # One temporary password at a time: the new one replaces one still outstanding, and both the
    # message and this answer say so.
    replaced = bool(
        row.temp_password_hash
        and row.temp_password_expires_at is not None
        and row.temp_password_expires_at > ctx.now
    )
    row.temp_password_hash = passwords.hash_password(temporary, settings.bcrypt_rounds)
    row.temp_password_expires_at = ctx.now + timedelta(minutes=minutes)
    row.updated_at = ctx.now
    session.add(row)
    candidate_id, account = row.id, row.account
    # The new password, its audit event and its delivery row commit together: a crash while the
    # message travels leaves a "pending" event and a "sending" delivery, never a silent change.
    masked_to = (
        delivery.mask_email(destination)
        if channel == "email"
        else delivery.mask_mobile(destination)
    )
    replaced_note = "; replaced=yes" if replaced else ""
    event = ctx.note("pending", f"channel={channel}; to={masked_to}{replaced_note}")
    sending = Delivery(
        at=ctx.now,
        candidate_id=candidate_id,
        channel=channel,
        destination_masked=masked_to[:80],
        purpose="credentials",
        status="sending",
    )
    session.add(sending)
    session.commit()  # no lock held while the message travels
    result = (send or delivery.send_credentials)(
        settings,
        channel=channel,
        to=destination,
        account=account,
        temporary_password=temporary,
        valid_minutes=minutes,
        language=language,
        origin="helpdesk",
        expires_at=row.temp_password_expires_at,
    )
    del temporary
    sending.transport = result.transport
    sending.destination_masked = result.destination_masked[:80]
    sending.status = "sent" if result.ok else "failed"
    sending.error = result.error[:200]
    session.add(sending)
    masked = result.destination_masked
    event.outcome = "sent" if result.ok else "send_failed"
    event.detail = ctx.detail(f"channel={channel}; to={masked}{replaced_note}")[:500]
    session.add(event)
    if not result.ok:
        return ActionResult(False, "staff.resend.failed", {"to": masked})
    key = f"staff.resend.sent_{channel}" + ("_replaced" if replaced else "")
    return ActionResult(True, key, {"to": masked})


def unlock(
    session: Session,
    *,
    staff: StaffView,
    candidate_id: int,
    reason: str,
    settings: Settings,
    clock: Clock | None = None,
) -> ActionResult:
    """Clear the failure counter and the lock."""
    begun = _begin(session, "staff_unlock", staff, candidate_id, reason, settings, clock)
    if isinstance(begun, ActionResult):
        return begun
    ctx, row, _ = begun
    was = f"failures={row.failed_logins}; locked={'yes' if row.locked_until else 'no'}"
    row.failed_logins = 0
    row.locked_until = None
    row.updated_at = ctx.now
    session.add(row)
    ctx.note("ok", was)
    return ActionResult(True, "staff.unlock.ok", candidate=CandidateView.of(row))


def mark_incomplete(
    session: Session,
    *,
    staff: StaffView,
    candidate_id: int,
    reason: str,
    settings: Settings,
    clock: Clock | None = None,
) -> ActionResult:
    """A group candidate must complete the basic data at the next login. Any other candidate is
    refused at once, whatever the reason (the console does not offer it for them)."""
    ctx = _Context(
        session,
        kind="staff_incomplete",
        staff=staff,
        candidate_id=candidate_id,
        reason=reason,
        settings=settings,
        clock=clock,
    )
    if ctx.staff is not None and ctx.row is not None and ctx.row.origin != "group":
        ctx.note("not_group", f"origin={ctx.row.origin}")
        return ActionResult(False, "staff.incomplete.not_group")
    refused = ctx.refusal()
    if refused is not None:
        return refused
    row = ctx.row
    assert row is not None
    row.profile_complete = False
    row.updated_at = ctx.now
    session.add(row)
    ctx.note("ok")
    return ActionResult(True, "staff.incomplete.ok", candidate=CandidateView.of(row))


def _field_errors(name: str, value: str, row: Candidate) -> list[str]:
    if name in ("chinese_name", "english_surname", "english_given_name", "email", "mobile"):
        return [
            c.message_key for c in rules.check(name, value) if not c.ok and c.severity == "error"
        ]
    if name == "account":
        return [
            c.message_key for c in rules.check(name, value) if not c.ok and c.severity == "error"
        ]
    if name == "national_id":
        return [
            c.message_key
            for c in rules.check(name, value, nationality=row.nationality)
            if not c.ok and c.severity == "error"
        ]
    if name == "gender":
        return [] if value in GENDERS else ["staff.profile.bad_gender"]
    if name == "education":
        return [] if assets.education_level(value) is not None else ["staff.profile.bad_education"]
    return ["accounts.too_long"] if len(value) > 80 else []  # school, department


def _normalize(name: str, value: str) -> str:
    value = value.strip()
    if name in ("english_surname", "english_given_name"):
        return " ".join(value.upper().split())
    if name == "mobile":
        return rules.normalize_mobile(value) or value
    if name == "gender":  # 男/女 as people type them, M/F as the store keeps them
        return GENDER_TYPED.get(unicodedata.normalize("NFKC", value).upper(), value)
    if name == "education" and value.isdigit():
        return value.zfill(2)
    if name == "national_id":
        return national_id.normalize(value)
    return value


def _shown(name: str, value: str) -> str:
    """How a change is written in the audit detail: never a full ID, e-mail or mobile."""
    if name == "national_id":
        return national_id.mask(value)
    if name == "email":
        return delivery.mask_email(value)
    if name == "mobile":
        return delivery.mask_mobile(value)
    return value


def correct_profile(
    session: Session,
    *,
    staff: StaffView,
    candidate_id: int,
    changes: Mapping[str, str],
    reason: str,
    settings: Settings,
    clock: Clock | None = None,
) -> ActionResult:
    """Correct profile fields (註3: administrators maintain candidate data). Only an admin may
    change the account or the national ID; each changed field is checked by the same rules as
    registration (fields left alone are not, so a group candidate's gaps do not block a fix);
    a duplicate account or ID is answered on its field."""
    begun = _begin(session, "staff_profile", staff, candidate_id, reason, settings, clock)
    if isinstance(begun, ActionResult):
        return begun
    ctx, row, actor = begun
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    errors: FieldErrors = {name: ["accounts.unknown_field"] for name in unknown}
    for name in sorted(set(changes) & set(EDITABLE_FIELDS)):
        problem = text_safety.problem(str(changes[name]))
        if problem:  # refused before any rule or look-up sees it
            errors[name] = [problem]
    if errors:
        ctx.note("invalid", "fields=" + ",".join(sorted(errors)))
        return ActionResult(False, "staff.profile.invalid", field_errors=errors)
    wanted = {
        name: _normalize(name, value)
        for name, value in changes.items()
        if name in EDITABLE_FIELDS and _normalize(name, value) != getattr(row, name)
    }
    if not actor.is_admin:
        for name in sorted(set(wanted) & set(ADMIN_FIELDS)):
            errors[name] = ["staff.profile.admin_only"]
        if errors:
            ctx.note("denied", "fields=" + ",".join(sorted(errors)))
            return ActionResult(False, "staff.profile.admin_only", field_errors=errors)
    for name, value in wanted.items():
        found = _field_errors(name, value, row)
        if found:
            errors[name] = found
    if "account" in wanted and "account" not in errors:
        taken = session.exec(
            select(Candidate.id).where(Candidate.account_key == wanted["account"].lower())
        ).first()
        if taken is not None and taken != row.id:
            errors["account"] = ["staff.profile.duplicate_account"]
    if "national_id" in wanted and "national_id" not in errors:
        taken = session.exec(
            select(Candidate.id).where(Candidate.national_id == wanted["national_id"])
        ).first()
        if taken is not None and taken != row.id:
            errors["national_id"] = ["staff.profile.duplicate_national_id"]
    if errors:
        ctx.note("invalid", "fields=" + ",".join(sorted(errors)))
        return ActionResult(False, "staff.profile.invalid", field_errors=errors)
    if not wanted:
        ctx.note("unchanged")
        return ActionResult(True, "staff.profile.unchanged", candidate=CandidateView.of(row))
    details = [
        f"{name} {_shown(name, str(getattr(row, name)))}->{_shown(name, value)}"
        for name, value in wanted.items()
    ]
    try:
        with session.begin_nested():
            for name, value in wanted.items():
                setattr(row, name, value)
            if "account" in wanted:
                row.account_key = wanted["account"].lower()
            row.updated_at = ctx.now
            session.add(row)
    except IntegrityError:  # the same account or ID taken by another terminal in between
        session.refresh(row)
        fields = [n for n in ADMIN_FIELDS if n in wanted]
        ctx.note("duplicate", "fields=" + ",".join(fields))
        return ActionResult(
            False,
            "staff.profile.invalid",
            field_errors={n: [f"staff.profile.duplicate_{n}"] for n in fields},
        )
    ctx.note("ok", "; ".join(details))
    return ActionResult(True, "staff.profile.ok", candidate=CandidateView.of(row))


def list_places(
    session: Session, *, staff: StaffView, settings: Settings, clock: Clock | None = None
) -> list[login_budget.PlaceView] | None:
    """The terminals and browser sources with failed sign-ins on record (see
    ``kiosk.core.accounts.login_budget``); None for a staff account disabled since sign-in
    (audited)."""
    if current_staff(session, staff) is None:
        audit.Trail(session, settings, now_of(clock), "staff_places", staff=staff.account)(
            "denied",
        )
        return None
    return login_budget.list_places(session)


def clear_place(
    session: Session,
    *,
    staff: StaffView,
    key: str,
    reason: str,
    settings: Settings,
    clock: Clock | None = None,
) -> ActionResult:
    """Lift a terminal's or a browser source's wait and forget its failures (a reason required,
    audited with the count it had)."""
    now = now_of(clock)
    text = clean_reason(reason)

    trail = audit.Trail(session, settings, now, "staff_place_clear", staff=staff.account)

    def note(outcome: str, detail: str = "") -> None:
        trail(
            outcome,
            detail=mask_national_ids(
                "; ".join(p for p in (f"place={key}", detail, f"reason={text}") if p)
            ),
        )

    problem = reason_problem(text)
    if problem:
        return ActionResult(False, problem, field_errors={"reason": [problem]})
    if current_staff(session, staff) is None:
        note("denied", "staff account disabled")
        return ActionResult(False, "staff.action.denied")
    before = next((p for p in login_budget.list_places(session) if p.key == key), None)
    if before is None or not login_budget.clear(session, key):
        note("unchanged")
        return ActionResult(True, "staff.places.unchanged", {"place": key})
    locked = before.locked_until is not None and before.locked_until > now
    note("ok", f"failures={before.failures}; locked={'yes' if locked else 'no'}")
    return ActionResult(True, "staff.places.cleared", {"place": key})
