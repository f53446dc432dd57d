"""The audit log as the help desk reads it: filters, the newest events first, a CSV export."""

from __future__ import annotations

import contextlib
import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import or_
from sqlmodel import Session, col, select

from kiosk.core import audit, national_id, text_safety
from kiosk.core.clock import Clock
from kiosk.core.clock import now as now_of
from kiosk.core.helpdesk.common import DENIED, EventRow, _denied
from kiosk.core.helpdesk.search import ID_SHAPE
from kiosk.core.helpdesk.staff_accounts import (
    StaffView,
    current_staff,
    get_staff,
    mask_national_ids,
)
from kiosk.core.taiwan_time import day_start, iso, to_local
from kiosk.infra.config import Settings
from kiosk.infra.store import AuditEvent, Candidate

AUDIT_LIMIT = 500


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
            ("from", filters.date_from.isoformat() if filters.date_from else ""),
            ("to", filters.date_to.isoformat() if filters.date_to else ""),
        )
        if value
    ]
    return mask_national_ids("filters: " + (", ".join(parts) or "none"))
