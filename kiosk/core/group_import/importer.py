"""Previewing and importing a group file, streamed: rows are read, checked and written batch by
batch, so a 100,000-row file takes the memory of one batch (plus one ID number per row, to find
the ID given twice), not of the file.

``preview_file`` checks every row and keeps what the preview shows of each (no values);
``import_file`` checks every row again and inserts the good ones ``batch_size`` at a time, each
batch its own transaction, and tells ``on_row`` what became of each row, in file order (the
report a unit gets: created with its account, already present, bad and why). An ID number
already in the store is "already present" and creates nothing, so importing a file twice creates
nothing twice (the UNIQUE constraint on ``national_id`` decides, also against a concurrent import).
"""

from __future__ import annotations

import csv
import re
import secrets
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import IO, Any

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from kiosk.core import audit, rules
from kiosk.core.clock import Clock
from kiosk.core.clock import now as now_of
from kiosk.core.group_import.check import Checked, Checker, Reason, RowCheck, RowStatus, reason_text
from kiosk.core.group_import.reader import FileProblem, GroupFile, open_group_file
from kiosk.core.helpdesk.staff_accounts import StaffView, current_staff, mask_national_ids
from kiosk.infra.config import Settings
from kiosk.infra.i18n import t
from kiosk.infra.tables import Candidate

Progress = Callable[[int, int], None]
BATCH_SIZE = 500


@dataclass(frozen=True)
class Preview:
    """The whole file checked: per row ok / already present / bad with reasons.

    ``rows`` is empty in an :class:`ImportResult` (an import streams its rows to ``on_row``
    instead of keeping them); the counts are always there.
    """

    rows: tuple[RowCheck, ...] = ()
    ignored_columns: tuple[str, ...] = ()  # header cells that name no known column
    file_error: str = ""  # catalog key when the file cannot be used at all
    file_error_values: Mapping[str, str] = field(default_factory=dict)
    sheet: str = ""  # the workbook's sheet read ("" for a CSV)
    counts: Mapping[str, int] | None = None  # by status; None: count ``rows``

    def count(self, status: RowStatus) -> int:
        if self.counts is not None:
            return self.counts.get(status.value, 0)
        return sum(1 for row in self.rows if row.status is status)

    @property
    def ok(self) -> int:
        return self.count(RowStatus.OK)

    @property
    def bad(self) -> int:
        return self.count(RowStatus.BAD)

    @property
    def present(self) -> int:
        return self.count(RowStatus.PRESENT)

    @property
    def total(self) -> int:
        return self.ok + self.bad + self.present


@dataclass(frozen=True)
class ImportResult:
    """What an import did; ``file_error`` set means nothing was read and nothing created."""

    created: int = 0
    present: int = 0
    bad: int = 0
    file_error: str = ""
    file_error_values: Mapping[str, str] = field(default_factory=dict)
    preview: Preview = field(default_factory=Preview)


@dataclass(frozen=True, slots=True)
class RowOutcome:
    """What became of one row: ``created`` (with its account), ``present``, ``bad`` (with its
    reasons), or ``ok`` (a dry run: it would be created)."""

    line: int
    status: str
    national_id_masked: str
    chinese_name: str
    account: str = ""
    reasons: tuple[Reason, ...] = ()


OnRow = Callable[[RowOutcome], None]


# --------------------------------------------------------------------------------------------
# Checking the file


def _existing_ids(session: Session, ids: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(ids), BATCH_SIZE):
        chunk = ids[start : start + BATCH_SIZE]
        found.update(
            session.exec(
                select(Candidate.national_id).where(col(Candidate.national_id).in_(chunk))
            ).all()
        )
    return found


def _batches(
    session: Session, opened: GroupFile, checker: Checker, batch_size: int
) -> Iterator[list[Checked]]:
    """The file's rows, checked, in batches of at most ``batch_size`` rows in file order; a row
    whose ID number is in the store comes as "present" (asked once per batch)."""
    pending: list[Checked] = []

    def finished() -> list[Checked]:
        wanted = [c.values["national_id"] for c in pending if c.check.status is RowStatus.OK]
        present = _existing_ids(session, wanted) if wanted else set()
        return [
            Checked(c.check.replaced(RowStatus.PRESENT), {})
            if c.check.status is RowStatus.OK and c.values["national_id"] in present
            else c
            for c in pending
        ]

    for line, raw in opened.rows():
        pending.append(checker.check(line, raw))
        if len(pending) >= batch_size:
            yield finished()
            pending = []
    if pending:
        yield finished()


def preview_file(
    session: Session,
    *,
    path: Path | str,
    unit: str,
    sheet: str | None = None,
    progress: Progress | None = None,
) -> Preview:
    """Read and check a group file; writes nothing. ``file_error`` when it cannot be used.

    ``sheet`` names a workbook's sheet (None: the first with a header); ``progress(done, total)``
    is called after each batch of rows (``total`` as :class:`GroupFile` estimates it)."""
    try:
        opened = open_group_file(path, sheet=sheet)
        rows: list[RowCheck] = []
        for batch in _batches(session, opened, Checker(unit), BATCH_SIZE):
            rows.extend(item.check for item in batch)
            if progress is not None:
                progress(len(rows), max(opened.total, len(rows)))
    except FileProblem as problem:
        return Preview(file_error=problem.key, file_error_values=problem.values)
    return Preview(rows=tuple(rows), ignored_columns=opened.ignored_columns, sheet=opened.sheet)


# --------------------------------------------------------------------------------------------
# Importing


def make_account(english_surname: str, english_given_name: str, *, digits: int = 4) -> str:
    """A fresh account for a group candidate: romanized name letters + random digits."""
    base = re.sub(r"[^a-z]", "", (english_surname + english_given_name).lower())[:20]
    if len(base) < 3:
        base = "ipas"
    account = f"{base}{secrets.randbelow(10**digits):0{digits}d}"
    return account if rules.is_valid("account", account) else f"ipas{secrets.token_hex(4)}"


def _taken_accounts(session: Session, keys: list[str]) -> set[str]:
    return set(
        session.exec(select(Candidate.account_key).where(col(Candidate.account_key).in_(keys)))
    )


def _records(session: Session, batch: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """Rows to insert, each with an account free in the store and in the batch."""
    accounts = [make_account(v["english_surname"], v["english_given_name"]) for v in batch]
    for attempt in range(20):
        taken = _taken_accounts(session, [a.lower() for a in accounts])
        seen: set[str] = set()
        clash = False
        for i, account in enumerate(accounts):
            key = account.lower()
            if key in taken or key in seen:
                # a common name: longer random tails until the batch is free of clashes
                accounts[i] = make_account(
                    batch[i]["english_surname"],
                    batch[i]["english_given_name"],
                    digits=min(4 + 2 * (attempt + 1), 10),
                )
                clash = True
            seen.add(accounts[i].lower())
        if not clash:
            break
    template = _row_template()
    return [
        {
            **template,
            **values,
            "account": account,
            "account_key": account.lower(),
            "created_at": now,
            "updated_at": now,
        }
        for values, account in zip(batch, accounts, strict=True)
    ]


@cache
def _row_template() -> dict[str, Any]:
    """Every column's default for a group candidate (one model built, not one per row)."""
    row = Candidate(
        account="",
        account_key="",
        national_id="",
        chinese_name="",
        password_hash=None,
        origin="group",
    )
    return row.model_dump(exclude={"id"})


def _insert_batch(session: Session, records: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Insert a batch; on a UNIQUE violation (a concurrent import) fall back to row by row.
    Returns, per record, ``("created", account)``, ``("present", "")`` or ``("failed", "")``: a
    row that still clashes after a few fresh accounts has failed."""
    table = Candidate.__table__  # type: ignore[attr-defined]
    try:
        with session.begin_nested():
            session.execute(insert(table), records)
        return [("created", record["account"]) for record in records]
    except IntegrityError:
        pass
    outcomes: list[tuple[str, str]] = []
    for record in records:
        for _attempt in range(5):
            try:
                with session.begin_nested():
                    session.execute(insert(table), [record])
                outcomes.append(("created", record["account"]))
                break
            except IntegrityError:
                if _existing_ids(session, [record["national_id"]]):
                    outcomes.append(("present", ""))
                    break
                account = make_account(record["english_surname"], "", digits=10)
                record = {**record, "account": account, "account_key": account.lower()}
        else:
            outcomes.append(("failed", ""))
    return outcomes


def import_file(
    session: Session,
    *,
    path: Path | str,
    unit: str,
    staff: StaffView,
    settings: Settings,
    clock: Clock | None = None,
    progress: Progress | None = None,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
    sheet: str | None = None,
    on_row: OnRow | None = None,
) -> ImportResult:
    """Import the good rows of a group file as origin="group" candidates without passwords.

    Commits once per batch (a large file does not hold the write lock for its whole length).
    ``progress(done, total)`` is called before the first batch and after each: ``done`` rows of
    the file handled, of ``total`` (a CSV's rows, counted when it is opened; a workbook's as its
    sheet states them); the last call has ``done == total``. ``on_row`` hears of every row in
    file order (after its batch is committed). Rows whose ID number is already present create
    nothing. One audit event per import with the counts, the file's name and ``staff``; never an
    ID number. ``dry_run`` checks and counts only (rows that would be created are "ok").

    ``staff`` is re-read from the database first: a disabled staff account imports nothing (an
    audit event with outcome "denied", and ``file_error`` "staff.action.denied").
    """
    now = now_of(clock)
    name = Path(path).name
    if current_staff(session, staff) is None:
        _note(session, settings, staff.account, now, "denied", f"file={name}; unit={unit[:80]}")
        session.commit()
        return ImportResult(file_error="staff.action.denied")
    staff_account = staff.account
    try:
        opened = open_group_file(path, sheet=sheet)
    except FileProblem as problem:
        _note(
            session, settings, staff_account, now, "file_error", f"file={name}; error={problem.key}"
        )
        return ImportResult(file_error=problem.key, file_error_values=problem.values)
    session.commit()  # end the read transaction: each batch is its own
    counts = {"rows": 0, "created": 0, "present": 0, "bad": 0}
    total = opened.total
    if progress is not None:
        progress(0, total)
    outcome = "dry_run" if dry_run else "ok"
    try:
        for batch in _batches(session, opened, Checker(unit), batch_size):
            fates = _write(session, batch, now, dry_run=dry_run)
            session.commit()
            for item, (status, account) in zip(batch, fates, strict=True):
                counts["rows"] += 1
                counts["created" if status == "ok" else status] += 1
                if on_row is not None:
                    on_row(_outcome(item.check, status, account))
            if progress is not None:
                progress(counts["rows"], max(total, counts["rows"]))
        if progress is not None and counts["rows"] != total:
            progress(counts["rows"], counts["rows"])
    except FileProblem as problem:  # the file changed under the import
        outcome = "file_error"
        session.rollback()
        _note(session, settings, staff_account, now, outcome, f"file={name}; error={problem.key}")
        session.commit()
        return ImportResult(
            created=counts["created"],
            present=counts["present"],
            bad=counts["bad"],
            file_error=problem.key,
            file_error_values=problem.values,
        )
    except BaseException:
        outcome = "interrupted"
        session.rollback()
        raise
    finally:
        if outcome != "file_error":
            detail = (
                f"file={name}; unit={unit[:80]}; rows={counts['rows']}; "
                f"created={counts['created']}; present={counts['present']}; bad={counts['bad']}"
            )
            try:
                _note(session, settings, staff_account, now, outcome, detail)
                session.commit()
            except Exception:
                if outcome != "interrupted":
                    raise
    preview = Preview(
        ignored_columns=opened.ignored_columns,
        sheet=opened.sheet,
        counts={
            RowStatus.OK.value: counts["created"],
            RowStatus.PRESENT.value: counts["present"],
            RowStatus.BAD.value: counts["bad"],
        },
    )
    return ImportResult(
        created=0 if dry_run else counts["created"],  # a dry run's "ok" rows: preview.ok
        present=counts["present"],
        bad=counts["bad"],
        preview=preview,
    )


def _write(
    session: Session, batch: list[Checked], now: datetime, *, dry_run: bool
) -> list[tuple[str, str]]:
    """Insert a batch's good rows. Each row's fate, in order: ``("created", account)``,
    ``("ok", "")`` (a dry run), ``("present", "")`` or ``("bad", "")``."""
    good = [item.values for item in batch if item.check.status is RowStatus.OK]
    if dry_run or not good:
        made: list[tuple[str, str]] = [("ok", "")] * len(good)
    else:
        made = [
            ("bad", "") if status == "failed" else (status, account)
            for status, account in _insert_batch(session, _records(session, good, now))
        ]
    fates = iter(made)
    return [
        next(fates) if item.check.status is RowStatus.OK else (item.check.status.value, "")
        for item in batch
    ]


def _outcome(check: RowCheck, status: str, account: str) -> RowOutcome:
    reasons = check.reasons
    if status == "bad" and not reasons:  # kept clashing with accounts taken meanwhile
        reasons = (Reason("account", "group_import.reason.account_clash"),)
    return RowOutcome(
        line=check.line,
        status=status,
        national_id_masked=check.national_id_masked,
        chinese_name=check.chinese_name,
        account=account,
        reasons=reasons,
    )


def _note(
    session: Session, settings: Settings, staff: str, now: datetime, outcome: str, detail: str
) -> None:
    audit.Trail(session, settings, now, "group_import", staff=staff)(
        outcome,
        detail=mask_national_ids(detail),  # a unit or file name may hold an ID number
    )


# --------------------------------------------------------------------------------------------
# The unit's report


REPORT_COLUMNS = ("line", "national_id", "chinese_name", "result", "account", "reasons")


class ImportReport:
    """The report a unit gets: one CSV row per row of its file, in ``language`` (UTF-8 with a
    BOM, so spreadsheets read the Chinese): line, ID number (masked), name, what became of it,
    its account when created, and why when bad. Use as ``on_row`` of :func:`import_file`."""

    def __init__(self, handle: IO[str], language: str) -> None:
        self.language = language
        self.writer = csv.writer(handle)
        self.writer.writerow(
            [t(f"group_import.report.column.{name}", language) for name in REPORT_COLUMNS]
        )
        self.rows = 0

    def __call__(self, row: RowOutcome) -> None:
        language = self.language
        cells = (
            str(row.line),
            row.national_id_masked,
            row.chinese_name,
            t(f"group_import.report.result.{row.status}", language),
            row.account,
            "; ".join(reason_text(reason, language) for reason in row.reasons),
        )
        self.writer.writerow([_safe_cell(cell) for cell in cells])
        self.rows += 1


def _safe_cell(value: str) -> str:
    """A spreadsheet must not run what a unit's file held: formulas start with = + - @."""
    value = "".join(ch for ch in value if ch.isprintable())
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value
