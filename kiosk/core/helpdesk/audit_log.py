"""The audit log as the help desk reads it: filters, the newest events first, a CSV export."""

from __future__ import annotations

import contextlib
import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, false, or_
from sqlmodel import Session, col, select

from kiosk.core import audit, national_id, text_safety
from kiosk.core.clock import Clock
from kiosk.core.clock import now as now_of
from kiosk.core.helpdesk.common import DENIED, EventRow, _denied
from kiosk.core.helpdesk.search import ID_SHAPE, classify, prefix_range
from kiosk.core.helpdesk.staff_accounts import (
    StaffView,
    current_staff,
    mask_national_ids,
)
from kiosk.core.taiwan_time import day_start, iso, to_local
from kiosk.infra.config import Settings
from kiosk.infra.tables import AuditEvent, Candidate, StaffUser

AUDIT_LIMIT = 500


LOGIN_KINDS = ("login", "staff_login", "change_password")
KIND_GROUPS: dict[str, tuple[str, ...]] = {
    # "staff": every event a staff account caused (its own sign-ins aside), whatever its kind:
    # actions added later are in the group without being listed here
    "staff": (),
    "logins": LOGIN_KINDS,
    "queries": ("credential_query", "email_query", "staff_search"),
    "exams": ("exam_register", "exam_cancel", "exam_notice", "exam_status", "exam_session"),
    "import": ("group_import",),
}
"""The kinds of events people look for together (the audit screen's 類別 list)."""


@dataclass(frozen=True)
class AuditFilter:
    """The audit screen's filters; empty means any.

    ``candidate`` is read as the search box reads it: a whole national ID, an account prefix,
    a Chinese name prefix, an e-mail or mobile prefix (or ``？`` and the start of an unknown
    account's hash). ``staff`` is a staff account prefix, ``kind`` a kind prefix, ``group`` a
    key of :data:`KIND_GROUPS`; the days are Taiwan calendar days, both included.
    """

    candidate: str = ""
    staff: str = ""
    kind: str = ""
    date_from: date | None = None
    date_to: date | None = None
    group: str = ""


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


def _candidate_clause(who: str) -> ColumnElement[bool]:
    """The events of the candidates ``who`` names, read as the search box reads it."""
    if who.startswith(audit.UNKNOWN_MARK):  # an unknown account's keyed hash, as shown
        return prefix_range(AuditEvent.account, who)
    kind, value = classify(who)
    if kind == "national_id":
        ids = select(Candidate.id).where(Candidate.national_id == value)
    elif kind == "chinese_name":
        ids = select(Candidate.id).where(prefix_range(Candidate.chinese_name, value))
    elif kind == "email":
        variants = sorted({value, value.lower()})
        ids = select(Candidate.id).where(or_(*(prefix_range(Candidate.email, v) for v in variants)))
    elif kind == "mobile":
        ids = select(Candidate.id).where(prefix_range(Candidate.mobile, value))
    else:
        ids = select(Candidate.id).where(prefix_range(Candidate.account_key, value))
        # events that name an account without its id (written before it existed, or since
        # renamed) are found by the account as the event spells it
        spelled = sorted({who, who.lower()})
        return or_(
            col(AuditEvent.candidate_id).in_(ids),
            *(prefix_range(AuditEvent.account, v) for v in spelled),
        )
    return col(AuditEvent.candidate_id).in_(ids)


def _staff_clause(session: Session, typed: str) -> ColumnElement[bool]:
    """The events of the staff accounts starting with ``typed`` (in any case)."""
    # events hold the account as spelled: the staff users' own spellings (a small table) and
    # the text as typed cover "AMY" for amy.desk and a staff account since removed
    spelled = set(
        session.exec(
            select(StaffUser.account).where(prefix_range(StaffUser.account_key, typed.lower()))
        )
    )
    return or_(
        col(AuditEvent.staff).in_(sorted(spelled)) if spelled else false(),
        *(prefix_range(AuditEvent.staff, v) for v in sorted({typed, typed.lower()})),
    )


def _group_clause(group: str) -> ColumnElement[bool]:
    if group == "staff":
        return and_(col(AuditEvent.staff) != "", col(AuditEvent.kind).not_in(LOGIN_KINDS))
    return col(AuditEvent.kind).in_(KIND_GROUPS[group])


def _audit_statement(session: Session, filters: AuditFilter) -> Any:
    statement = select(AuditEvent)
    who = filters.candidate.strip()
    if who:
        statement = statement.where(_candidate_clause(who))
    typed_staff = filters.staff.strip()
    if typed_staff:
        statement = statement.where(_staff_clause(session, typed_staff))
    if filters.kind.strip():
        statement = statement.where(prefix_range(AuditEvent.kind, filters.kind.strip()))
    if filters.group:
        statement = statement.where(_group_clause(filters.group))
    # the days people type are Taiwan days: 2026-11-25 begins at 16:00 UTC on the 24th
    if filters.date_from is not None:
        statement = statement.where(col(AuditEvent.at) >= day_start(filters.date_from))
    if filters.date_to is not None:
        end = day_start(filters.date_to + timedelta(days=1))
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
    typed = (filters.candidate, filters.staff, filters.kind)
    if any(text_safety.problem(text) for text in typed) or (
        filters.group and filters.group not in KIND_GROUPS
    ):
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
                iso(row.at),  # with its offset: the file is read elsewhere, later
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
    stem = f"audit-{to_local(now):%Y%m%d-%H%M%S}-{staff.account}"
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
            ("group", filters.group),
            ("from", filters.date_from.isoformat() if filters.date_from else ""),
            ("to", filters.date_to.isoformat() if filters.date_to else ""),
        )
        if value
    ]
    return mask_national_ids("filters: " + (", ".join(parts) or "none"))
