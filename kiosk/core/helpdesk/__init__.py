"""Help-desk look-ups: the one-box candidate search, the candidate view and the audit log.

Why this module is long: the three look-ups share their masking and staff re-checks; the help
desk's second pass splits them into modules of their own.

Search decides by the shape of what was typed: a whole national ID is an exact match; with ``@``
an e-mail prefix; digits a mobile prefix; Chinese a name prefix; anything else an account prefix.
Prefixes are range queries (``col >= p AND col < p'`` where p' is p with its last character
bumped), which use a plain B-tree index on SQLite and on PostgreSQL alike (SQLite's ``LIKE`` is
case-insensitive and skips the index; PostgreSQL's needs a pattern operator class). The range is
code-point order: SQLite's BINARY collation, and on PostgreSQL ``COLLATE "C"`` on the compared
column, whatever the database's default collation (a linguistic one sorts CJK names and
punctuation otherwise, and the range would miss rows); migration 0003 builds the searched indexes
in that collation, so they serve the range.
Every search has a LIMIT. A prefix search writes no audit event (one per keystroke would drown
the log); a look-up by a whole national ID writes one (masked), and opening a candidate does. The
actions live in ``kiosk.core.helpdesk.actions``.
"""

from __future__ import annotations

import contextlib
import csv
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, or_
from sqlalchemy import select as sa_select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal
from sqlmodel import Session, col, select

from kiosk.core import audit, delivery, national_id, text_safety
from kiosk.core.accounts import CandidateView
from kiosk.core.clock import Clock
from kiosk.core.clock import now as now_of
from kiosk.core.helpdesk.staff_accounts import (
    StaffView,
    current_staff,
    get_staff,
    mask_national_ids,
)
from kiosk.infra.config import Settings
from kiosk.infra.store import AuditEvent, Candidate, Delivery

SearchKind = Literal["", "national_id", "email", "mobile", "chinese_name", "account"]
SEARCH_LIMIT = 50
AUDIT_LIMIT = 500
RECENT_EVENTS = 20
RECENT_DELIVERIES = 10
ID_SHAPE = re.compile(r"[A-Z][1289A-D][0-9]{8}")
MOBILE_TYPED = re.compile(r"\+?[0-9][0-9 \-]*")


# --------------------------------------------------------------------------------------------
# Search


@dataclass(frozen=True)
class CandidateRow:
    """One search hit: the national ID, e-mail and mobile masked."""

    id: int
    account: str
    chinese_name: str
    national_id_masked: str
    email_masked: str
    mobile_masked: str
    origin: str
    profile_complete: bool


@dataclass(frozen=True)
class SearchResult:
    kind: SearchKind
    rows: tuple[CandidateRow, ...] = ()
    more: bool = False  # there were more than the limit: type more


def classify(text: str) -> tuple[SearchKind, str]:
    """What the box holds and the value to look for (normalized the way the column is stored)."""
    text = unicodedata.normalize("NFKC", text).strip()
    if not text:
        return "", ""
    nid = national_id.normalize(text)
    if ID_SHAPE.fullmatch(nid):
        return "national_id", nid
    if "@" in text:
        return "email", text
    if MOBILE_TYPED.fullmatch(text):
        digits = re.sub(r"[ \-]", "", text)
        if digits.startswith("+886"):
            digits = "0" + digits[4:].lstrip("0")
        return "mobile", digits.lstrip("+")
    if not text.isascii():
        return "chinese_name", "".join(text.split())
    return "account", text.lower()


def _next_prefix(prefix: str) -> str:
    """The smallest string above every string starting with ``prefix`` (code-point order)."""
    last = ord(prefix[-1])
    if last >= 0x10FFFF:
        return prefix + "\U0010ffff"
    return prefix[:-1] + chr(last + 1)


class CodePointOrder(ColumnElement[str]):
    """A column compared in code-point order: ``col COLLATE "C"`` on PostgreSQL, the column as
    it is on SQLite (whose default BINARY collation is code-point order already)."""

    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]  # noqa: RUF012

    def __init__(self, column: Any) -> None:
        self.column: ColumnElement[Any] = col(column)  # type: ignore[assignment]
        self.type = self.column.type


@compiles(CodePointOrder)
def _compile_code_point(element: CodePointOrder, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.column, **kw)


@compiles(CodePointOrder, "postgresql")
def _compile_code_point_pg(element: CodePointOrder, compiler: SQLCompiler, **kw: Any) -> str:
    return f'{compiler.process(element.column, **kw)} COLLATE "C"'


def _prefix(column: Any, prefix: str) -> ColumnElement[bool]:
    ordered = CodePointOrder(column)
    return and_(ordered >= prefix, ordered < _next_prefix(prefix))


def search_statement(query: str, limit: int = SEARCH_LIMIT) -> tuple[SearchKind, Any]:
    """The kind of search ``query`` asks for and its SELECT (None for an empty box)."""
    kind, value = classify(query)
    if not kind:
        return "", None
    statement: Any = sa_select(*HIT_COLUMNS)  # plain rows: no ORM objects to build for 50 hits
    if kind == "national_id":
        statement = statement.where(Candidate.national_id == value)
    elif kind == "email":
        variants = sorted({value, value.lower()})
        statement = statement.where(or_(*(_prefix(Candidate.email, v) for v in variants)))
        statement = statement.order_by(CodePointOrder(Candidate.email))
    elif kind == "mobile":
        statement = statement.where(_prefix(Candidate.mobile, value))
        statement = statement.order_by(CodePointOrder(Candidate.mobile))
    elif kind == "chinese_name":
        statement = statement.where(_prefix(Candidate.chinese_name, value))
        statement = statement.order_by(CodePointOrder(Candidate.chinese_name))
    else:
        statement = statement.where(_prefix(Candidate.account_key, value))
        statement = statement.order_by(CodePointOrder(Candidate.account_key))
    return kind, statement.limit(limit + 1)


def search(
    session: Session,
    *,
    query: str,
    limit: int = SEARCH_LIMIT,
    audit_as: StaffView | None = None,
    settings: Settings | None = None,
    clock: Clock | None = None,
) -> SearchResult:
    """Candidates whose account, Chinese name, e-mail or mobile start with ``query``, or whose
    national ID is exactly it; at most ``limit`` rows, ordered by the searched column.

    A look-up by a whole national ID is audited when ``audit_as`` (the staff member) and
    ``settings`` are given: one ``staff_search`` event, the ID masked. The caller passes them
    once per complete ID, not on every keystroke (prefixes are never audited).
    """
    if text_safety.problem(query):  # nothing stored can hold it: no query, no error
        return SearchResult("")
    kind, statement = search_statement(query, limit)
    if statement is None:
        return SearchResult("")
    found = session.execute(statement).all()
    result = SearchResult(kind, tuple(row_of(c) for c in found[:limit]), more=len(found) > limit)
    if kind == "national_id" and audit_as is not None and settings is not None:
        hit = found[0] if len(found) == 1 else None
        audit.Trail(session, settings, now_of(clock), "staff_search", staff=audit_as.account)(
            "found" if found else "none",
            account=hit.account if hit is not None else "",
            candidate_id=hit.id if hit is not None else None,
            detail=f"national_id={national_id.mask(classify(query)[1])}",
        )
    return result


def audits_search(query: str, last_audited: str) -> str:
    """The national ID a search box's ``query`` should be audited for, or "" (not a whole ID,
    or the same one as ``last_audited``: a refresh of the results is no new look-up)."""
    kind, value = classify(query)
    return value if kind == "national_id" and value != last_audited else ""


HIT_COLUMNS = (
    col(Candidate.id),
    col(Candidate.account),
    col(Candidate.chinese_name),
    col(Candidate.national_id),
    col(Candidate.email),
    col(Candidate.mobile),
    col(Candidate.origin),
    col(Candidate.profile_complete),
)


def row_of(row: Any) -> CandidateRow:
    """A search hit from a ``Candidate`` or a row of :data:`HIT_COLUMNS`."""
    return CandidateRow(
        id=row.id,
        account=row.account,
        chinese_name=row.chinese_name,
        national_id_masked=national_id.mask(row.national_id),
        email_masked=delivery.mask_email(row.email),
        mobile_masked=delivery.mask_mobile(row.mobile),
        origin=row.origin,
        profile_complete=row.profile_complete,
    )


# --------------------------------------------------------------------------------------------
# Candidate view


@dataclass(frozen=True)
class EventRow:
    at: datetime
    kind: str
    outcome: str
    account: str
    staff: str
    terminal_id: str
    detail: str

    @classmethod
    def of(cls, event: AuditEvent) -> EventRow:
        return cls(
            at=event.at,
            kind=event.kind,
            outcome=event.outcome,
            account=event.account,
            staff=event.staff,
            terminal_id=event.terminal_id,
            detail=event.detail,
        )


@dataclass(frozen=True)
class DeliveryRow:
    at: datetime
    channel: str
    destination_masked: str
    purpose: str
    status: str


@dataclass(frozen=True)
class RegistrationRow:
    """An exam registration from ``kiosk.core.exams``, reduced to text for the screen (exam times in
    Taiwan time, as ``kiosk.core.exams`` gives them)."""

    starts_at: datetime | None
    subject: str
    level: str
    venue: str
    status: str
    status_key: str


@dataclass(frozen=True)
class CandidateDetail:
    found: bool
    message_key: str = ""
    candidate: CandidateView | None = None
    failed_logins: int = 0
    locked_until: datetime | None = None
    has_password: bool = False
    must_change_password: bool = False
    temp_password_expires_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    events: tuple[EventRow, ...] = ()
    deliveries: tuple[DeliveryRow, ...] = ()
    registrations: tuple[RegistrationRow, ...] | None = None  # None: no exam module yet
    locked: bool = False
    now: datetime | None = None


def candidate_detail(
    session: Session,
    *,
    candidate_id: int,
    staff: StaffView,
    settings: Settings,
    clock: Clock | None = None,
    audited: bool = True,
) -> CandidateDetail:
    """Everything the help desk sees of one candidate; opening it is audited (``staff_view``;
    ``audited=False`` for the reload after an action, which wrote its own event). A staff
    account disabled since sign-in sees nothing (a "denied" event)."""
    now = now_of(clock)
    row = session.get(Candidate, candidate_id)
    if current_staff(session, staff) is None:
        _denied(session, "staff_view", staff, settings, now, row)
        return CandidateDetail(False, DENIED)
    if row is None:
        return CandidateDetail(False, "staff.candidate.not_found")
    events = session.exec(
        select(AuditEvent)
        .where(AuditEvent.candidate_id == candidate_id)
        .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
        .limit(RECENT_EVENTS)
    ).all()
    sent = session.exec(
        select(Delivery)
        .where(Delivery.candidate_id == candidate_id)
        .order_by(col(Delivery.at).desc(), col(Delivery.id).desc())
        .limit(RECENT_DELIVERIES)
    ).all()
    detail = CandidateDetail(
        True,
        candidate=CandidateView.of(row),
        failed_logins=row.failed_logins,
        locked_until=row.locked_until,
        locked=row.locked_until is not None and row.locked_until > now,
        has_password=bool(row.password_hash),
        must_change_password=row.must_change_password,
        temp_password_expires_at=(
            row.temp_password_expires_at
            if row.temp_password_expires_at and row.temp_password_expires_at > now
            else None
        ),
        created_at=row.created_at,
        updated_at=row.updated_at,
        events=tuple(EventRow.of(e) for e in events),
        deliveries=tuple(
            DeliveryRow(d.at, d.channel, d.destination_masked, d.purpose, d.status) for d in sent
        ),
        registrations=_registrations(session, candidate_id),
        now=now,
    )
    if not audited:
        return detail
    audit.Trail(session, settings, now, "staff_view", staff=staff.account)(
        "ok",
        candidate=row,
    )
    return detail


DENIED = "staff.action.denied"


def _denied(
    session: Session,
    kind: str,
    staff: StaffView,
    settings: Settings,
    now: datetime,
    row: Candidate | None = None,
) -> None:
    """The audit event of a request from a staff account that is disabled now."""
    audit.Trail(session, settings, now, kind, staff=staff.account)(
        "denied",
        candidate=row,
        detail="staff account disabled",
    )


def _registrations(session: Session, candidate_id: int) -> tuple[RegistrationRow, ...] | None:
    """The candidate's exam registrations, when ``kiosk.core.exams`` provides them (None if not)."""
    try:
        from kiosk.core.exams import list_registrations
    except ImportError:
        return None
    rows = []
    for item in list_registrations(session, candidate_id=candidate_id):
        exam = getattr(item, "session", None)
        rows.append(
            RegistrationRow(
                starts_at=getattr(exam, "starts_at", None),
                subject=str(getattr(exam, "subject", "")),
                level=str(getattr(exam, "level", "")),
                venue=str(getattr(exam, "venue", "")),
                status=str(getattr(item, "status", "")),
                status_key=str(getattr(item, "status_key", "")),
            )
        )
    return tuple(rows)


# --------------------------------------------------------------------------------------------
# Audit log


@dataclass(frozen=True)
class AuditFilter:
    """The audit screen's filters; empty means any. ``candidate`` is an account or a full ID."""

    candidate: str = ""
    staff: str = ""
    kind: str = ""
    date_from: date | None = None
    date_to: date | None = None


@dataclass(frozen=True)
class AuditLog:
    rows: tuple[EventRow, ...] = ()
    more: bool = False
    message_key: str = ""


def parse_day(text: str) -> date | Literal[False] | None:
    """``2026-11-25`` → a date; blank → None; anything else → False (the screen says so)."""
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return False


def _audit_statement(session: Session, filters: AuditFilter) -> Any:
    statement = select(AuditEvent)
    who = filters.candidate.strip()
    if who:
        nid = national_id.normalize(who)
        if ID_SHAPE.fullmatch(nid):
            found = session.exec(select(Candidate.id).where(Candidate.national_id == nid)).first()
        else:
            found = session.exec(
                select(Candidate.id).where(Candidate.account_key == who.lower())
            ).first()
        statement = statement.where(
            or_(col(AuditEvent.candidate_id) == found, col(AuditEvent.account) == who)
            if found is not None
            else AuditEvent.account == who
        )
    typed_staff = filters.staff.strip()
    if typed_staff:
        # accounts are case-insensitive; events hold the account as spelled: "AMY.DESK" finds
        # the events of amy.desk through the staff user's own spelling (and the index)
        names = {typed_staff, typed_staff.lower()}
        known = get_staff(session=session, account=typed_staff)
        if known is not None:
            names.add(known.account)
        statement = statement.where(col(AuditEvent.staff).in_(sorted(names)))
    if filters.kind.strip():
        statement = statement.where(AuditEvent.kind == filters.kind.strip())
    if filters.date_from is not None:
        statement = statement.where(
            col(AuditEvent.at) >= datetime.combine(filters.date_from, time())
        )
    if filters.date_to is not None:
        end = datetime.combine(filters.date_to + timedelta(days=1), time())
        statement = statement.where(col(AuditEvent.at) < end)
    return statement.order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())


def audit_log(
    session: Session,
    *,
    filters: AuditFilter,
    staff: StaffView,
    settings: Settings,
    clock: Clock | None = None,
    limit: int = AUDIT_LIMIT,
) -> AuditLog:
    """The newest audit events matching ``filters`` (at most ``limit``); nothing for a staff
    account disabled since sign-in (a "denied" ``audit_view`` event)."""
    if current_staff(session, staff) is None:
        _denied(session, "audit_view", staff, settings, now_of(clock))
        return AuditLog(message_key=DENIED)
    if any(text_safety.problem(text) for text in (filters.candidate, filters.staff, filters.kind)):
        return AuditLog(message_key="staff.audit.bad_filter")
    found = list(session.exec(_audit_statement(session, filters).limit(limit + 1)))
    return AuditLog(tuple(EventRow.of(e) for e in found[:limit]), more=len(found) > limit)


CSV_COLUMNS = ("at", "kind", "outcome", "account", "staff", "terminal_id", "detail")


def _cell(value: str) -> str:
    """A spreadsheet must not run what a candidate typed: formulas start with = + - @."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def write_audit_csv(rows: Iterable[EventRow], path: Path) -> int:
    """Write ``rows`` as UTF-8 CSV (with a BOM, so spreadsheets read the Chinese) to a new file
    ``path``; returns the number of rows written. Raises FileExistsError rather than overwrite."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("x", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        for row in rows:
            values: Sequence[str] = (
                row.at.isoformat(sep=" ", timespec="seconds"),
                row.kind,
                row.outcome,
                row.account,
                row.staff,
                row.terminal_id,
                row.detail,
            )
            writer.writerow([_cell(v) for v in values])
            count += 1
    return count


@dataclass(frozen=True)
class ExportResult:
    ok: bool
    message_key: str
    path: str = ""
    count: int = 0


def export_audit_csv(
    session: Session,
    *,
    filters: AuditFilter,
    directory: Path,
    staff: StaffView,
    settings: Settings,
    clock: Clock | None = None,
    limit: int = 100_000,
) -> ExportResult:
    """Write the filtered audit log to a new CSV file in ``directory``; the export is audited.
    A staff account disabled since sign-in exports nothing (a "denied" event)."""
    now = now_of(clock)
    if current_staff(session, staff) is None:
        _denied(session, "audit_export", staff, settings, now)
        return ExportResult(False, DENIED)
    rows = [EventRow.of(e) for e in session.exec(_audit_statement(session, filters).limit(limit))]
    stem = f"audit-{now:%Y%m%d-%H%M%S}-{staff.account}"
    try:
        # two exports within one second (or two desks sharing a directory) never overwrite:
        # the file is created exclusively, with -2, -3 … when the name is taken
        for n in range(1, 1000):
            path = directory / (f"{stem}.csv" if n == 1 else f"{stem}-{n}.csv")
            with contextlib.suppress(FileExistsError):
                count = write_audit_csv(rows, path)
                break
        else:
            raise FileExistsError(stem)
    except OSError as error:
        audit.Trail(session, settings, now, "audit_export", staff=staff.account)(
            "failed",
            detail=type(error).__name__,
        )
        return ExportResult(False, "staff.audit.export_failed")
    audit.Trail(session, settings, now, "audit_export", staff=staff.account)(
        "ok",
        detail=_filter_text(filters) + f"; rows={count}",
    )
    return ExportResult(True, "staff.audit.exported", str(path), count)


def _masked_if_id(text: str) -> str:
    nid = national_id.normalize(text)
    return national_id.mask(nid) if ID_SHAPE.fullmatch(nid) else text


def _filter_text(filters: AuditFilter) -> str:
    parts = [
        f"{name}={value}"
        for name, value in (
            ("candidate", _masked_if_id(filters.candidate.strip())),
            ("staff", filters.staff.strip()),
            ("kind", filters.kind.strip()),
            ("from", filters.date_from.isoformat() if filters.date_from else ""),
            ("to", filters.date_to.isoformat() if filters.date_to else ""),
        )
        if value
    ]
    return mask_national_ids("filters: " + (", ".join(parts) or "none"))
