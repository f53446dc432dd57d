"""Staff's scores: ``ipas-kiosk scores import FILE --session ID`` and ``scores release``.

The file is a CSV (the encodings and delimiters of the group import: UTF-8 with or without BOM,
UTF-16, Big5; comma, tab or semicolon) whose first row names three columns, in Chinese or
English: the national ID (``身分證號`` / ``national_id``), the part (``科目`` / ``part``: the
part's name as ``assets/ipas-subjects.csv`` lists it, or its number 1, 2, …) and the score
(``分數`` / ``score``: a whole number from 0 to 100). One row per candidate and part.

Every row is checked before anything is written, like the group import: the ID names a candidate
registered (not cancelled) for the session, the part belongs to the session's subject, the score
is a whole number in range, no candidate and part twice, no more parts than a candidate sits
(``assets.parts_taken``). The preview lists each bad row and why; the good rows are written in
one transaction. Importing the same file again changes nothing (each score is "unchanged");
a corrected file updates the scores it changes — until the session's scores are released, after
which an import is refused (a released score changes only by a re-check). One audit event per
import with the counts and the staff account, never an ID number.

Release (``release_scores``) judges every result of the session by the pass rule
(``kiosk.core.results``), gives each passed result its certificate number and shows them all to
their candidates at once. It refuses while a result lacks a part, listing whose (IDs masked).
"""

from __future__ import annotations

import contextlib
import csv
import io
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, col, select

from kiosk.core import audit, national_id, text_safety
from kiosk.core.clock import Clock
from kiosk.core.clock import now as now_of
from kiosk.core.exams import ACTIVE
from kiosk.core.helpdesk.staff_accounts import StaffView, current_staff, mask_national_ids
from kiosk.core.results import certificate_number, judge
from kiosk.infra import assets
from kiosk.infra.config import Settings
from kiosk.infra.tables import Candidate, ExamRegistration, ExamResult, ExamScore, ExamSession

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000
BATCH = 500  # IDs looked up per statement
COLUMNS: dict[str, tuple[str, ...]] = {
    "national_id": (
        "身分證號",
        "身分證字號",
        "身份證號",
        "身份證字號",
        "統一證號",
        "national_id",
        "id",
    ),
    "part": ("科目", "考科", "科目名稱", "part", "subject"),
    "score": ("分數", "成績", "score"),
}


@dataclass(frozen=True)
class ScoreRow:
    """One data row as the preview shows it (never the full ID number)."""

    line: int
    national_id_masked: str
    part: str
    score: str
    status: str  # ok | bad
    reasons: tuple[str, ...] = ()  # catalog keys


@dataclass(frozen=True)
class ImportResult:
    """What an import did (or would do: ``dry_run``). ``file_error`` set: nothing was read."""

    rows: tuple[ScoreRow, ...] = ()
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    file_error: str = ""
    file_error_values: dict[str, str] = field(default_factory=dict)

    @property
    def bad(self) -> int:
        return sum(1 for row in self.rows if row.status == "bad")


class _FileProblem(Exception):
    def __init__(self, key: str, **values: str) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


def _header_key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in text if not ch.isspace() and ch not in "*＊:：()（）")


_ALIASES = {_header_key(name): column for column, names in COLUMNS.items() for name in names}


def read_rows(path: Path | str) -> list[tuple[int, dict[str, str]]]:
    """The data rows of a scores file as ``(line, {column: text})``.

    Raises:
        _FileProblem: missing, too large, not text, no header with the three columns.
    """
    from kiosk.core.group_import import FileProblem, decode_csv

    path = Path(path)
    try:
        if not path.is_file():
            raise _FileProblem("results.import.file.missing", name=path.name)
        if path.stat().st_size > MAX_FILE_BYTES:
            raise _FileProblem("results.import.file.too_large", limit=str(MAX_FILE_BYTES >> 20))
        data = path.read_bytes()
    except OSError as error:
        raise _FileProblem("results.import.file.missing", name=path.name) from error
    try:
        text = decode_csv(data)
    except FileProblem:
        raise _FileProblem("results.import.file.encoding") from None
    header: list[str | None] | None = None
    rows: list[tuple[int, dict[str, str]]] = []
    for line, cells in enumerate(_cells(text), start=1):
        if not any(cells):
            continue
        if header is None:
            header = [_ALIASES.get(_header_key(cell)) for cell in cells]
            missing = [COLUMNS[c][0] for c in COLUMNS if c not in header]
            if missing:
                raise _FileProblem("results.import.file.columns", columns=", ".join(missing))
            continue
        if len(rows) >= MAX_ROWS:
            raise _FileProblem("results.import.file.too_many", limit=str(MAX_ROWS))
        values = {name: cell for name, cell in zip(header, cells, strict=False) if name}
        rows.append((line, values))
    if header is None:
        raise _FileProblem("results.import.file.empty")
    return rows


def _cells(text: str) -> Iterator[list[str]]:
    delimiter = ","
    with contextlib.suppress(csv.Error):  # one column, or no delimiter in the sample
        delimiter = csv.Sniffer().sniff(text[:4096], delimiters=",\t;").delimiter
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            yield [unicodedata.normalize("NFKC", cell).strip() for cell in row]
    except csv.Error:
        raise _FileProblem("results.import.file.unreadable") from None


def _part_of(text: str, parts: tuple[str, ...]) -> str | None:
    """The subject's part named by ``text``: its name, or its number (1, 科目1)."""
    if text in parts:
        return text
    number = text.removeprefix("科目").strip()
    if number.isdigit() and 1 <= int(number) <= len(parts):
        return parts[int(number) - 1]
    return None


def _score_of(text: str) -> int | None:
    try:
        value = float(text)
    except ValueError:
        return None
    if not value.is_integer() or not 0 <= value <= 100:
        return None
    return int(value)


@dataclass
class _Checked:
    rows: list[ScoreRow]
    good: list[tuple[int, str, int]]  # (registration id, part, score)


def _check(session: Session, exam: ExamSession, rows: list[tuple[int, dict[str, str]]]) -> _Checked:
    found = assets.subject(exam.subject, exam.level)
    parts = found.exam_parts if found else ()
    taken = assets.parts_taken(exam.subject, exam.level)
    ids = sorted({national_id.normalize(raw.get("national_id", "")) for _, raw in rows})
    registered: dict[str, int] = {}
    known: set[str] = set()
    for start in range(0, len(ids), BATCH):  # a statement binds at most 32,766 values on SQLite
        chunk = ids[start : start + BATCH]
        registered.update(
            (nid, registration_id or 0)
            for nid, registration_id in session.exec(
                select(Candidate.national_id, ExamRegistration.id)
                .where(ExamRegistration.candidate_id == Candidate.id)
                .where(ExamRegistration.session_id == exam.id)
                .where(col(ExamRegistration.status).in_(ACTIVE))
                .where(col(Candidate.national_id).in_(chunk))
            )
        )
        known.update(
            session.exec(select(Candidate.national_id).where(col(Candidate.national_id).in_(chunk)))
        )
    seen: set[tuple[str, str]] = set()
    per_candidate: dict[str, int] = {}
    checked = _Checked([], [])
    for line, raw in rows:
        nid = national_id.normalize(raw.get("national_id", ""))
        part = _part_of(raw.get("part", ""), parts)
        score = _score_of(raw.get("score", ""))
        reasons: list[str] = []
        if not parts:
            reasons.append("results.import.reason.no_parts")
        if not nid or national_id.kind(nid) is None:
            reasons.append("results.import.reason.national_id")
        elif nid not in known:
            reasons.append("results.import.reason.unknown_candidate")
        elif nid not in registered:
            reasons.append("results.import.reason.not_registered")
        if parts and part is None:
            reasons.append("results.import.reason.part")
        if score is None:
            reasons.append("results.import.reason.score")
        if not reasons and part is not None:
            if (nid, part) in seen:
                reasons.append("results.import.reason.duplicate")
            elif per_candidate.get(nid, 0) >= taken:
                reasons.append("results.import.reason.too_many_parts")
        row = ScoreRow(
            line=line,
            national_id_masked=national_id.mask(nid) if nid else "",
            # shown by the CLI and the audit: a cell's escape or bidi characters stay inert
            part=text_safety.scrub((part or raw.get("part", ""))[:60]),
            score=text_safety.scrub(raw.get("score", "")[:10]),
            status="bad" if reasons else "ok",
            reasons=tuple(reasons),
        )
        checked.rows.append(row)
        if not reasons and part is not None and score is not None:
            seen.add((nid, part))
            per_candidate[nid] = per_candidate.get(nid, 0) + 1
            checked.good.append((registered[nid], part, score))
    return checked


def is_released(session: Session, session_id: int) -> bool:
    return (
        session.exec(
            select(ExamResult.id)
            .where(ExamResult.session_id == session_id)
            .where(col(ExamResult.released_at).is_not(None))
        ).first()
        is not None
    )


def import_scores(
    session: Session,
    *,
    path: Path | str,
    session_id: int,
    staff: StaffView,
    settings: Settings,
    clock: Clock | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Check a scores file and write its good rows (see the module docstring)."""
    now = now_of(clock)
    name = Path(path).name
    trail = audit.Trail(session, settings, now, "scores_import", staff=staff.account)

    def refuse(key: str, **values: str) -> ImportResult:
        trail("refused", detail=mask_national_ids(f"file={name}; session={session_id}; {key}"))
        return ImportResult(file_error=key, file_error_values=values)

    if current_staff(session, staff) is None:
        return refuse("staff.action.denied")
    exam = session.get(ExamSession, session_id)
    if exam is None:
        return refuse("results.import.no_session", session=str(session_id))
    if is_released(session, session_id):
        return refuse("results.import.released", session=str(session_id))
    try:
        rows = read_rows(path)
    except _FileProblem as problem:
        return refuse(problem.key, **problem.values)
    checked = _check(session, exam, rows)
    created = updated = unchanged = 0
    results: dict[int, ExamResult] = {
        row.registration_id: row
        for row in session.exec(select(ExamResult).where(ExamResult.session_id == session_id))
    }
    existing: dict[tuple[int, str], ExamScore] = {
        (result.registration_id, score.part): score
        for score, result in session.exec(
            select(ExamScore, ExamResult)
            .where(ExamScore.result_id == ExamResult.id)
            .where(ExamResult.session_id == session_id)
        )
    }
    for registration_id, part, score in checked.good:
        result = results.get(registration_id) or _result_for(
            session, registration_id, exam, now, dry_run
        )
        results[registration_id] = result
        found = existing.get((registration_id, part))
        if found is None:
            created += 1
            if not dry_run:
                assert result.id is not None
                session.add(ExamScore(result_id=result.id, part=part, score=score, updated_at=now))
        elif found.score == score:
            unchanged += 1
        else:
            updated += 1
            if not dry_run:
                found.score = score
                found.updated_at = now
                session.add(found)
    if not dry_run:
        session.flush()
    answer = ImportResult(
        rows=tuple(checked.rows), created=created, updated=updated, unchanged=unchanged
    )
    trail(
        "dry_run" if dry_run else "ok",
        detail=mask_national_ids(
            f"file={name}; session={session_id}; rows={len(checked.rows)}; created={created}; "
            f"updated={updated}; unchanged={unchanged}; bad={answer.bad}"
        ),
    )
    return answer


def _result_for(
    session: Session, registration_id: int, exam: ExamSession, now: object, dry_run: bool
) -> ExamResult:
    registration = session.get(ExamRegistration, registration_id)
    assert registration is not None and exam.id is not None
    row = ExamResult(
        registration_id=registration_id,
        candidate_id=registration.candidate_id,
        session_id=exam.id,
        created_at=now,  # type: ignore[arg-type]
        updated_at=now,  # type: ignore[arg-type]
    )
    if not dry_run:
        session.add(row)
        session.flush()
    return row


@dataclass(frozen=True)
class ReleaseResult:
    ok: bool
    message_key: str
    released: int = 0
    passed: int = 0
    incomplete: tuple[str, ...] = ()  # masked IDs of results that lack a part


def release_scores(
    session: Session,
    *,
    session_id: int,
    staff: StaffView,
    settings: Settings,
    clock: Clock | None = None,
) -> ReleaseResult:
    """Judge and release every result of a session at once (see the module docstring)."""
    now = now_of(clock)
    trail = audit.Trail(session, settings, now, "scores_release", staff=staff.account)

    def answer(outcome: str, **counts: object) -> ReleaseResult:
        detail = f"session={session_id}; " + "; ".join(f"{k}={v}" for k, v in counts.items())
        trail(outcome, detail=detail.rstrip("; ")[:500])
        incomplete = counts.get("incomplete", ())
        return ReleaseResult(
            outcome == "ok",
            f"results.release.{outcome}",
            released=int(counts.get("released", 0)),  # type: ignore[call-overload]
            passed=int(counts.get("passed", 0)),  # type: ignore[call-overload]
            incomplete=tuple(incomplete),  # type: ignore[arg-type]
        )

    if current_staff(session, staff) is None:
        return answer("denied")
    exam = session.get(ExamSession, session_id)
    if exam is None:
        return answer("no_session")
    if is_released(session, session_id):
        return answer("already")
    rows = session.exec(
        select(ExamResult, Candidate)
        .where(ExamResult.candidate_id == Candidate.id)
        .where(ExamResult.session_id == session_id)
        .order_by(col(ExamResult.id))
    ).all()
    if not rows:
        return answer("nothing")
    ids = [result.id for result, _ in rows]
    scores: dict[int, list[int]] = {}
    for result_id, score in session.exec(
        select(ExamScore.result_id, ExamScore.score).where(col(ExamScore.result_id).in_(ids))
    ):
        scores.setdefault(result_id, []).append(score)
    taken = assets.parts_taken(exam.subject, exam.level)
    incomplete = tuple(
        national_id.mask(candidate.national_id)
        for result, candidate in rows
        if len(scores.get(result.id or 0, [])) != taken
    )
    if incomplete:
        return answer("incomplete", incomplete=incomplete)
    passed = 0
    for result, _ in rows:
        result.pass_mark = settings.pass_mark
        result.passed = judge(scores.get(result.id or 0, []), settings.pass_mark)
        result.certificate_number = certificate_number(result, exam) if result.passed else None
        result.released_at = now
        result.updated_at = now
        passed += result.passed
        session.add(result)
    session.flush()
    return answer("ok", released=len(rows), passed=passed, pass_mark=settings.pass_mark)
