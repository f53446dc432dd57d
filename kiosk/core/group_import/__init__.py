"""團體報名 group registration import: a unit's file of candidates, checked, previewed, imported.

Why this module is long: reading, checking and importing share one row model here; the streaming
rewrite for 100,000-row files splits them into reader, check and importer.

A unit (school, company, training centre) sends one file of its candidates: CSV (UTF-8, UTF-8 with
BOM, UTF-16 as Excel's "Unicode text", or Big5/cp950 as older Taiwanese Excel saves it) or XLSX
(openpyxl, read-only). The header is the first row that names the required columns (title rows
above it are skipped); each column may be named in Chinese or English (see :data:`COLUMNS`;
spaces, case, ``*`` marks and full-width forms are ignored):

=================  ===========================================  ==========================
field              header names accepted                         required
=================  ===========================================  ==========================
national_id        身分證號, 身份證字號, 統一證號, national_id      yes
chinese_name       中文姓名, 姓名, chinese_name                    yes
email              電子郵件, EMAIL信箱, email                       email or mobile
mobile             手機號碼, 手機, 行動電話, mobile                 email or mobile
nationality        身分, 國籍, nationality (本國籍/外國籍, TW/foreign; empty: from the ID number)
english_surname    英文姓, 英文姓氏, english_surname (empty: Tongyong from the Chinese name)
english_given_name 英文名, 英文名字, english_given_name
gender             性別, gender (男/女, M/F)
education          學歷, education (code 01-06 or the level's name)
school             學校名稱, 學校, school
department         系所名稱, 系所, department
group_unit         團報單位, 單位, group_unit (empty = the unit chosen for the import)
=================  ===========================================  ==========================

Every row is checked with :mod:`kiosk.core.rules`, the registration rules; a field that is given
must pass them. A group row needs the ID number, the Chinese name and a way to receive the
credentials (e-mail or mobile, portal: 團報考生 use 查詢帳號及密碼 with the e-mail given at group
registration); what else is missing only makes the profile incomplete (``profile_complete=False``:
the candidate completes it at 考生基本資料維護 after the first login). An ID that appears twice in
the file is bad in its second row; an ID already in the store is "already present" and creates
nothing, so importing the same file twice creates nothing twice (the UNIQUE constraint on
``national_id`` decides, also against a concurrent import).

Accounts: ``Candidate.account`` is required and unique, and the portal forbids the ID number as
an account (帳號不可使用身分證號), so a group candidate gets a generated account — the letters of
the Tongyong romanization of the name plus four random digits (``linmeihua4821``), ``ipas`` when
the name cannot be romanized — which 查詢帳號/密碼 sends together with the temporary password.
Group candidates get no password (``password_hash`` stays empty): they use the credential query.

Use from scripts::

    with store.session() as session:
        preview = group_import.preview_file(session, path=path, unit="某某大學")
        result = group_import.import_file(session, path=path, unit="某某大學", staff=staff,
                                          settings=settings, progress=print)
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import re
import secrets
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from kiosk.core import audit, national_id, rules, text_safety
from kiosk.core.accounts.profile import normalized_profile, profile_errors
from kiosk.core.clock import Clock
from kiosk.core.clock import now as now_of
from kiosk.core.helpdesk.staff_accounts import StaffView, current_staff, mask_national_ids
from kiosk.infra.config import Settings
from kiosk.infra.i18n import t
from kiosk.infra.store import Candidate

Progress = Callable[[int, int], None]

MAX_ROWS = 50_000
BATCH_SIZE = 500
MAX_FILE_BYTES = 20 * 1024 * 1024
HEADER_SEARCH_ROWS = 10  # non-empty rows looked at for the header

COLUMNS: dict[str, tuple[str, ...]] = {
    "national_id": (
        "身分證號",
        "身分證字號",
        "身份證號",  # the variant 份 is as common in real files
        "身份證字號",
        "身分證統一編號",
        "統一證號",
        "居留證號",
        "national_id",
        "id",
    ),
    "chinese_name": ("中文姓名", "姓名", "chinese_name", "name"),
    "email": ("電子郵件", "email信箱", "電子信箱", "email", "e-mail"),
    "mobile": ("手機號碼", "手機", "行動電話", "mobile", "mobile_number"),
    "nationality": ("身分", "身份", "國籍", "nationality"),
    "english_surname": ("英文姓", "英文姓氏", "english_surname", "surname"),
    "english_given_name": ("英文名", "英文名字", "english_given_name", "given_name"),
    "gender": ("性別", "gender"),
    "education": ("學歷", "education"),
    "school": ("學校名稱", "學校", "school"),
    "department": ("系所名稱", "系所", "科系", "department"),
    "group_unit": ("團報單位", "單位", "group_unit", "unit"),
}
"""Canonical field -> header names accepted (compared after :func:`_header_key`)."""

REQUIRED_COLUMNS = ("national_id", "chinese_name")
CONTACT_COLUMNS = ("email", "mobile")
_RULE_FIELDS = ("english_surname", "english_given_name", "email", "mobile")
_GENDERS = {
    **{name: "M" for name in ("男", "男性", "M", "MALE")},
    **{name: "F" for name in ("女", "女性", "F", "FEMALE")},
}
_FOREIGN = {"外國籍", "FOREIGN", "外籍"}
_DOMESTIC = {"", "本國籍", "TW", "本國", "中華民國"}


class RowStatus(StrEnum):
    OK = "ok"  # will be created
    BAD = "bad"  # breaks a rule: see reasons
    PRESENT = "present"  # the ID number is already in the store: nothing to create


@dataclass(frozen=True)
class Reason:
    """Why a row is bad: a field and a catalog key (``rules.*`` or ``group_import.reason.*``)."""

    field: str
    key: str
    values: Mapping[str, str] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class RowCheck:
    """One data row as the preview shows it: never the full ID number."""

    line: int  # line in the file (the header is line 1 when it is the first row)
    status: RowStatus
    national_id_masked: str
    chinese_name: str
    reasons: tuple[Reason, ...] = ()
    profile_complete: bool = False


@dataclass(frozen=True)
class Preview:
    """The whole file checked: per row ok / already present / bad with reasons."""

    rows: tuple[RowCheck, ...] = ()
    ignored_columns: tuple[str, ...] = ()  # header cells that name no known column
    file_error: str = ""  # catalog key when the file cannot be used at all
    file_error_values: Mapping[str, str] = field(default_factory=dict)

    def count(self, status: RowStatus) -> int:
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


@dataclass(frozen=True)
class ImportResult:
    """What an import did; ``file_error`` set means nothing was read and nothing created."""

    created: int = 0
    present: int = 0
    bad: int = 0
    file_error: str = ""
    file_error_values: Mapping[str, str] = field(default_factory=dict)
    preview: Preview = field(default_factory=Preview)


@dataclass(frozen=True)
class _Checked:
    check: RowCheck
    values: dict[str, Any]  # normalized columns, ready to insert (OK rows only)


class FileProblem(Exception):
    """The file cannot be read as a group file (internal: turned into ``file_error``)."""

    def __init__(self, key: str, **values: str) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


# --------------------------------------------------------------------------------------------
# Reading


def _header_key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in text if not ch.isspace() and ch not in "*＊:：()（）")


_ALIASES = {_header_key(name): canonical for canonical, names in COLUMNS.items() for name in names}


def decode_csv(data: bytes) -> str:
    """Text of a CSV file: a BOM decides, else UTF-8 if it decodes, else Big5 (cp950)."""
    try:
        if data.startswith(b"\xef\xbb\xbf"):
            return data[3:].decode("utf-8")
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return data.decode("utf-16")
    except UnicodeDecodeError:  # the BOM promised an encoding the bytes break
        raise FileProblem("group_import.file.encoding") from None
    for encoding in ("utf-8", "cp950", "big5hkscs"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileProblem("group_import.file.encoding")


def _cell(value: Any) -> str:
    """A spreadsheet cell as text: whole floats lose their ``.0``; None is empty."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value).strip()


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    text = decode_csv(data)
    sample = text[:4096]
    delimiter = ","
    with contextlib.suppress(csv.Error):  # one column, or no delimiter in the sample
        delimiter = csv.Sniffer().sniff(sample, delimiters=",\t;").delimiter
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            yield [cell.strip() for cell in row]
    except csv.Error:  # a quote never closed, a cell over the csv module's limit …
        raise FileProblem("group_import.file.unreadable") from None


def _xlsx_rows(path: Path) -> Iterator[list[str]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise FileProblem("group_import.file.unreadable") from error
    try:
        sheet = book.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield [_cell(value) for value in row]
    finally:
        book.close()


def read_rows(path: Path | str) -> tuple[list[tuple[int, dict[str, str]]], list[str]]:
    """The data rows of a group file as ``(line, {field: text})`` plus the unknown headers.

    Raises:
        FileProblem: missing, unreadable, wrong encoding, no header, required columns missing,
            too many rows.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as error:
        raise FileProblem("group_import.file.missing", name=path.name) from error
    if not path.is_file():
        raise FileProblem("group_import.file.missing", name=path.name)
    if size > MAX_FILE_BYTES:
        raise FileProblem("group_import.file.too_large", limit=str(MAX_FILE_BYTES // 2**20))
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        source: Iterable[list[str]] = _xlsx_rows(path)
    else:
        try:
            data = path.read_bytes()
        except OSError as error:
            raise FileProblem("group_import.file.unreadable") from error
        source = _csv_rows(data)

    header: list[str | None] | None = None
    unknown: list[str] = []
    rows: list[tuple[int, dict[str, str]]] = []
    fewest_missing: list[str] | None = None
    before_header = 0
    for line, cells in enumerate(source, start=1):
        if not any(cells):
            continue
        if header is None:
            # a sheet often starts with a title row or two (某某大學 團體報名名單) above the header
            names = [_ALIASES.get(_header_key(cell)) for cell in cells]
            missing = _missing_columns(names)
            if missing:
                if fewest_missing is None or len(missing) < len(fewest_missing):
                    fewest_missing = missing
                before_header += 1
                if before_header >= HEADER_SEARCH_ROWS:
                    break
                continue
            header = names
            unknown = [cell for cell, name in zip(cells, names, strict=True) if cell and not name]
            continue
        if len(rows) >= MAX_ROWS:
            raise FileProblem("group_import.file.too_many", limit=str(MAX_ROWS))
        values: dict[str, str] = {}
        for name, cell in zip(header, cells, strict=False):
            if name and cell and not values.get(name):
                values[name] = cell
        rows.append((line, values))
    if header is None:
        if fewest_missing is None:
            raise FileProblem("group_import.file.empty")
        raise FileProblem("group_import.file.columns", columns=", ".join(fewest_missing))
    return rows, unknown


def _missing_columns(names: list[str | None]) -> list[str]:
    found = {name for name in names if name}
    missing = [COLUMNS[name][0] for name in REQUIRED_COLUMNS if name not in found]
    if not found & set(CONTACT_COLUMNS):
        missing.append("/".join(COLUMNS[name][0] for name in CONTACT_COLUMNS))
    return missing


# --------------------------------------------------------------------------------------------
# Checking


def _normalize_education(text: str) -> str | None:
    from kiosk.infra import assets

    text = unicodedata.normalize("NFKC", text).strip()
    if not text:
        return ""
    if text.isdigit():
        code = text.zfill(2)
        return code if assets.education_level(code) else None
    folded = text.casefold().replace(" ", "")
    for level in assets.education_levels():
        names = (level.name_zh, level.name_en, level.name_zh.replace("/", ""))
        if folded in {n.casefold().replace(" ", "") for n in names}:
            return level.code
    return None


def _normalize_mobile(text: str) -> str:
    digits = unicodedata.normalize("NFKC", text).strip()
    # Excel drops the leading 0 of 0912345678 in a number cell
    if re.fullmatch(r"9\d{8}", digits):
        digits = "0" + digits
    return digits


def _errors(name: str, value: str, **context: str) -> list[Reason]:
    return [
        Reason(name, c.message_key)
        for c in rules.check(name, value, **context)
        if not c.ok and c.severity == "error"
    ]


def check_row(line: int, raw: Mapping[str, str], *, unit: str) -> _Checked:
    """One row against the registration rules (the store and the other rows not consulted)."""
    reasons: list[Reason] = []
    nid = national_id.normalize(raw.get("national_id", ""))
    nationality_text = unicodedata.normalize("NFKC", raw.get("nationality", "")).strip()
    if not nationality_text:  # no column or empty: the ID number's kind says which
        kind = national_id.shape_kind(nid)
        resident = kind in (national_id.Kind.RESIDENT_NEW, national_id.Kind.RESIDENT_OLD)
        nationality = "foreign" if resident else "TW"
    elif nationality_text.upper() in _FOREIGN or nationality_text in _FOREIGN:
        nationality = "foreign"
    elif nationality_text.upper() in _DOMESTIC or nationality_text in _DOMESTIC:
        nationality = "TW"
    else:
        nationality = "TW"
        reasons.append(Reason("nationality", "group_import.reason.nationality"))
    chinese_name = "".join(unicodedata.normalize("NFKC", raw.get("chinese_name", "")).split())
    gender_text = unicodedata.normalize("NFKC", raw.get("gender", "")).strip().upper()
    gender = _GENDERS.get(gender_text, "")
    if gender_text and not gender:
        reasons.append(Reason("gender", "group_import.reason.gender"))
    education = _normalize_education(raw.get("education", ""))
    if education is None:
        reasons.append(Reason("education", "group_import.reason.education"))
        education = ""
    profile = normalized_profile(
        {
            **raw,
            "chinese_name": chinese_name,
            "mobile": _normalize_mobile(raw.get("mobile", "")),
            "gender": gender,
            "education": education,
        }
    )
    if not nid:
        reasons.append(Reason("national_id", "accounts.required"))
    else:
        reasons.extend(_errors("national_id", nid, nationality=nationality))
    reasons.extend(_errors("chinese_name", chinese_name))
    for name in _RULE_FIELDS:
        if profile[name]:
            reasons.extend(_errors(name, profile[name]))
    if not profile["email"] and not profile["mobile"]:
        reasons.append(Reason("email", "group_import.reason.contact"))
    for name in ("school", "department"):
        if len(profile[name]) > 80:
            reasons.append(Reason(name, "accounts.too_long"))
    group_unit = (raw.get("group_unit", "") or unit).strip()
    if len(group_unit) > 80:
        reasons.append(Reason("group_unit", "accounts.too_long"))
    # A cell with control, bidi or invisible characters is refused whatever its field's rules
    # (school and department have none): it would reach other people's screens and the CSV.
    cells = {**raw, "group_unit": group_unit}
    for name in sorted(name for name, value in cells.items() if text_safety.has_unsafe(value)):
        if not any(r.field == name for r in reasons):
            reasons.append(Reason(name, text_safety.UNSAFE_KEY))
    complete = not profile_errors(profile, nationality=nationality)
    status = RowStatus.BAD if reasons else RowStatus.OK
    check = RowCheck(
        line=line,
        status=status,
        national_id_masked=national_id.mask(nid) if nid else "",
        chinese_name=chinese_name[:20],
        reasons=tuple(reasons),
        profile_complete=complete,
    )
    values: dict[str, Any] = {
        **profile,
        "nationality": nationality,
        "national_id": nid,
        "group_unit": group_unit,
        "profile_complete": complete,
    }
    return _Checked(check, values if status is RowStatus.OK else {})


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


def _check_all(
    session: Session, rows: list[tuple[int, dict[str, str]]], *, unit: str
) -> list[_Checked]:
    checked = [check_row(line, raw, unit=unit) for line, raw in rows]
    first_line: dict[str, int] = {}
    out: list[_Checked] = []
    for item in checked:
        nid = item.values.get("national_id", "")
        if item.check.status is RowStatus.OK and nid in first_line:
            reason = Reason(
                "national_id", "group_import.reason.duplicate", {"line": str(first_line[nid])}
            )
            item = _Checked(_replace(item.check, RowStatus.BAD, (reason,)), {})
        elif item.check.status is RowStatus.OK:
            first_line[nid] = item.check.line
        out.append(item)
    present = _existing_ids(session, list(first_line))
    return [
        _Checked(_replace(item.check, RowStatus.PRESENT), {})
        if item.values.get("national_id") in present
        else item
        for item in out
    ]


def _replace(check: RowCheck, status: RowStatus, reasons: tuple[Reason, ...] = ()) -> RowCheck:
    return RowCheck(
        check.line,
        status,
        check.national_id_masked,
        check.chinese_name,
        check.reasons + reasons,
        check.profile_complete,
    )


def preview_file(session: Session, *, path: Path | str, unit: str) -> Preview:
    """Read and check a group file; writes nothing. ``file_error`` when it cannot be used."""
    try:
        rows, unknown = read_rows(path)
    except FileProblem as problem:
        return Preview(file_error=problem.key, file_error_values=problem.values)
    checked = _check_all(session, rows, unit=unit)
    return Preview(rows=tuple(item.check for item in checked), ignored_columns=tuple(unknown))


def reason_text(reason: Reason, language: str) -> str:
    """``<field label>: <rule>`` in ``language``."""
    return t(
        "group_import.reason.format",
        language,
        field=t(f"group_import.field.{reason.field}", language),
        rule=t(reason.key, language, **reason.values),
    )


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


def _insert_batch(session: Session, records: list[dict[str, Any]]) -> tuple[int, int, int]:
    """Insert a batch; on a UNIQUE violation (a concurrent import) fall back to row by row.
    Returns (created, already present, failed): a row that still clashes after a few fresh
    accounts is failed, so the three always add up to the batch."""
    table = Candidate.__table__  # type: ignore[attr-defined]
    try:
        with session.begin_nested():
            session.execute(insert(table), records)
        return len(records), 0, 0
    except IntegrityError:
        pass
    created = present = failed = 0
    for record in records:
        for _attempt in range(5):
            try:
                with session.begin_nested():
                    session.execute(insert(table), [record])
                created += 1
                break
            except IntegrityError:
                if _existing_ids(session, [record["national_id"]]):
                    present += 1
                    break
                account = make_account(record["english_surname"], "", digits=10)
                record = {**record, "account": account, "account_key": account.lower()}
        else:
            failed += 1
    return created, present, failed


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
) -> ImportResult:
    """Import the good rows of a group file as origin="group" candidates without passwords.

    Commits once per batch (a large file does not hold the write lock for its whole length) and
    calls ``progress(done, total)`` after each, ``total`` being the rows to create. Rows whose ID
    number is already present create nothing. One audit event per import with the counts, the
    file's name and ``staff``; never an ID number. ``dry_run`` checks and counts only.

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
        rows, unknown = read_rows(path)
    except FileProblem as problem:
        _note(
            session, settings, staff_account, now, "file_error", f"file={name}; error={problem.key}"
        )
        return ImportResult(file_error=problem.key, file_error_values=problem.values)
    checked = _check_all(session, rows, unit=unit)
    preview = Preview(rows=tuple(item.check for item in checked), ignored_columns=tuple(unknown))
    todo = [item.values for item in checked if item.check.status is RowStatus.OK]
    present, bad = preview.present, preview.bad
    created = 0
    total = len(todo)
    if progress is not None:
        progress(0, total)
    if dry_run:
        todo = []
    session.commit()  # end the read transaction: each batch is its own
    outcome = "dry_run" if dry_run else "ok"
    try:
        for start in range(0, len(todo), batch_size):
            batch = todo[start : start + batch_size]
            made, already, failed = _insert_batch(session, _records(session, batch, now))
            session.commit()
            created += made
            present += already
            bad += failed
            if progress is not None:
                progress(start + len(batch), total)
    except BaseException:
        outcome = "interrupted"
        session.rollback()
        raise
    finally:
        detail = (
            f"file={name}; unit={unit[:80]}; rows={len(checked)}; created={created}; "
            f"present={present}; bad={bad}"
        )
        try:
            _note(session, settings, staff_account, now, outcome, detail)
            session.commit()
        except Exception:
            if outcome != "interrupted":
                raise
    return ImportResult(created=created, present=present, bad=bad, preview=preview)


def _note(
    session: Session, settings: Settings, staff: str, now: datetime, outcome: str, detail: str
) -> None:
    audit.Trail(session, settings, now, "group_import", staff=staff)(
        outcome,
        detail=mask_national_ids(detail),  # a unit or file name may hold an ID number
    )
