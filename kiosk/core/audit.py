"""Audit trail and query throttles, both kept in the database so they survive restarts.

What a person typed is recorded only when it is safe to: an account that exists is named; any
other text typed into the account box (a password typed in the wrong box passes the account
rules) is recorded as :func:`unknown_account`, a keyed hash that lets the help desk see the same
unknown text come back without the text itself. Every field of an event is scrubbed of control,
bidi and other invisible characters (``kiosk.core.text_safety``) as a last line of defence.

The events of a transaction that fails (database busy, gone, unreachable) are not lost: they are
kept in a spool file in the data directory and written into the database, each exactly once,
after the next transaction that succeeds (see the spool section at the end of this module).
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import hmac
import json
import logging
import os
import secrets
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import case, event, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Session, col, select

from kiosk.core.text_safety import scrub
from kiosk.infra.tables import AuditEvent, Candidate, Throttle, utcnow

if TYPE_CHECKING:
    from kiosk.infra.config import Settings
    from kiosk.infra.store import Store

log = logging.getLogger(__name__)
T = TypeVar("T")

UNKNOWN_MARK = "？"
"""Starts an unknown account's keyed hash: full-width, so no real account can look like one."""
UNKNOWN_DIGITS = 8
"""32 bits: enough to tell repeats apart in a venue's log, too few to confirm a guessed text."""


def record(
    session: Session,
    *,
    kind: str,
    outcome: str,
    terminal_id: str,
    at: datetime,
    account: str = "",
    candidate_id: int | None = None,
    detail: str = "",
    staff: str = "",
) -> AuditEvent:
    """Add an audit event to the session's transaction. Callers never pass secrets or full IDs.

    ``staff`` is the help-desk account that acted (empty for the candidate's own actions)."""
    event = AuditEvent(
        at=at,
        terminal_id=scrub(terminal_id[:40]),
        kind=scrub(kind[:40]),
        account=scrub(account[:40]),
        candidate_id=candidate_id,
        outcome=scrub(outcome[:40]),
        detail=scrub(detail[:500]),
        staff=scrub(staff[:40]),
    )
    session.add(event)
    return event


@dataclass
class Trail:
    """Where and when one use case writes its audit events — its session, this terminal, the time,
    the kind, who acts (a staff account, or nobody for the candidate's own acts) — said once, so
    each event names only what happened: ``trail("failed", candidate=row, detail=...)``."""

    session: Session
    settings: Settings
    at: datetime
    kind: str
    staff: str = ""

    def __call__(
        self,
        outcome: str,
        *,
        candidate: Candidate | None = None,
        account: str = "",
        candidate_id: int | None = None,
        detail: str = "",
        kind: str = "",
    ) -> AuditEvent:
        """Add one event; ``candidate`` names the account and its id (else ``account`` and
        ``candidate_id`` as given)."""
        return record(
            self.session,
            kind=kind or self.kind,
            outcome=outcome,
            terminal_id=self.settings.terminal_id,
            at=self.at,
            account=candidate.account if candidate is not None else account,
            candidate_id=candidate.id if candidate is not None else candidate_id,
            detail=detail,
            staff=self.staff,
        )


def unknown_account(typed: str, settings: Settings) -> str:
    """What the audit says of an account that names nobody: ``？`` and a keyed hash of the text.

    The same text (in any case, with surrounding spaces) gives the same value on every terminal
    that shares the key, so repeated attempts can be told apart; the text itself — perhaps a
    password typed into the account box — is not stored, and without the key it cannot be checked
    against a guess. Empty text is recorded as empty.
    """
    text = typed.strip().lower()
    if not text:
        return ""
    digest = hmac.new(
        correlation_key(settings), text.encode("utf-8", "surrogatepass"), hashlib.sha256
    )
    return UNKNOWN_MARK + digest.hexdigest()[:UNKNOWN_DIGITS]


def correlation_key(settings: Settings) -> bytes:
    """The site's key for :func:`unknown_account`: ``audit_key`` when set (terminals on several
    hosts sharing one database set the same one), else a random key kept in ``audit_key_file``
    (made on first use, readable by its owner only). Never stored in the database: whoever reads
    the audit must not be able to test guesses against it."""
    if settings.audit_key is not None:
        return settings.audit_key.get_secret_value().encode("utf-8")
    return _key_from_file(settings.audit_key_file)


@functools.cache
def _key_from_file(path: Path) -> bytes:
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another terminal made it first: use theirs
        return _read_key(path)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    return bytes.fromhex(key)


def _read_key(path: Path) -> bytes:
    raw = path.read_bytes()
    try:
        return bytes.fromhex(raw.decode("ascii").strip())
    except ValueError:  # edited by hand: still one stable key for everyone who reads the file
        return hashlib.sha256(raw).digest()


def throttle_key(*parts: str) -> str:
    """Hash the parts: a throttle row must not hold a national ID or account in the clear."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def hit(session: Session, key: str, *, limit: int, window_seconds: int, now: datetime) -> bool:
    """Count one attempt against ``key``; True while the window holds at most ``limit`` attempts.

    A fixed window: the row's counter restarts when its window is older than ``window_seconds``.
    The UPDATE takes the row lock, so concurrent terminals cannot both slip under the limit.
    """
    cutoff = now - timedelta(seconds=window_seconds)
    for _ in range(3):
        expired = col(Throttle.window_start) < cutoff
        result = session.execute(
            update(Throttle)
            .where(Throttle.key == key)  # type: ignore[arg-type]
            .values(
                count=case((expired, 1), else_=Throttle.count + 1),
                window_start=case((expired, now), else_=Throttle.window_start),
            )
        )
        if result.rowcount:  # type: ignore[attr-defined]
            break
        try:
            with session.begin_nested():
                session.add(Throttle(key=key, window_start=now, count=1))
            break
        except IntegrityError:
            continue
    count = session.exec(select(Throttle.count).where(Throttle.key == key)).one()
    return count <= limit


# --------------------------------------------------------------------------------------------
# The spool: audit events of a transaction that failed (the database busy, gone, unreachable)

SPOOL_NAME = "audit-spool.jsonl"
UNSAVED = "store_unavailable"
"""The outcome of a spooled event: the attempt happened, and nothing of it was saved (the
outcome the use case meant to record goes into ``detail``)."""
REPLAY_BATCH = 500  # events per replay transaction: the write lock stays short


def spool_for(settings: Settings) -> AuditSpool:
    """This terminal's spool: ``audit-spool.jsonl`` in the data directory (the outbox's folder,
    where exports go too), local to the terminal whatever database it uses."""
    return AuditSpool(Path(settings.outbox_dir).parent / SPOOL_NAME)


@dataclass(frozen=True)
class Attempt:
    """What the audit says of an attempt that failed before its use case recorded any event
    (a login's failure counter is written first, and that write is the one a lock stops): its
    kind (the use case's name), the terminal, the staff account if any — and no account typed,
    which only the use case knows how to audit safely."""

    kind: str
    terminal_id: str
    staff: str = ""
    clock: Callable[[], datetime] | None = None

    def event(self) -> AuditEvent:
        return AuditEvent(
            at=(self.clock or utcnow)(),
            terminal_id=self.terminal_id[:40],
            kind=self.kind[:40],
            outcome="attempt",
            detail="no event recorded before the failure",
            staff=self.staff[:40],
        )


def audited_transaction(
    store: Store,
    spool: AuditSpool,
    work: Callable[[Session], T],
    *,
    attempt: Attempt | None = None,
) -> T:
    """Run ``work`` in one transaction of ``store`` (it may commit inside, as the credential
    query does) and keep its audit trail whatever happens to the database.

    When the transaction fails (``SQLAlchemyError``, ``OSError``: busy, deleted, unreachable),
    the audit events it recorded since its last successful COMMIT go to ``spool`` — or, when it
    recorded none at all, the ``attempt`` itself — and the error goes on to the caller. After a
    transaction that did reach the database and committed, the spooled events are replayed; a
    wrong captcha, which touches no database, replays nothing.
    """
    watch: _Watch | None = None
    try:
        with store.session() as session:
            watch = _Watch(session)
            result = work(session)
    except (SQLAlchemyError, OSError) as error:
        events = watch.events if watch is not None else []
        if not events and attempt is not None and (watch is None or not watch.recorded):
            events = [attempt.event()]
        spool.keep(events, error=type(error).__name__)
        raise
    if watch.committed and spool.pending():
        try:
            spool.replay(store)
        except Exception:  # the database went again: the events wait for the next transaction
            log.warning("audit spool: replay failed; kept for later", exc_info=True)
    return result


class _Watch:
    """The audit events one session records, forgotten at each COMMIT that succeeds."""

    def __init__(self, session: Session) -> None:
        self.events: list[AuditEvent] = []
        self.recorded = False  # any event at all, committed since or not
        self.touched = False  # a connection was used (a commit alone does not say so)
        self.committed = False
        event.listen(session, "after_attach", self._attached)
        event.listen(session, "after_begin", self._after_begin)
        event.listen(session, "after_commit", self._after_commit)

    def _attached(self, _session: Session, instance: object) -> None:
        if isinstance(instance, AuditEvent) and instance.spool_id is None:
            self.events.append(instance)
            self.recorded = True

    def _after_begin(self, *_: object) -> None:
        self.touched = True

    def _after_commit(self, _session: Session) -> None:
        self.events.clear()
        self.committed = self.touched


class AuditSpool:
    """Audit events a failed transaction could not write, in a file until the database takes
    them: JSON lines, one event each, under a random ``id``; no secret is in them (an audit
    event never holds one).

    The file is only ever replaced whole — written beside it, fsynced, renamed over it, its
    folder fsynced — under an exclusive ``flock`` on ``<file>.lock`` (POSIX, like
    ``kiosk.ui.terminal``; the kiosk processes of one host share the data directory), so a crash
    leaves the old file or the new one and no process loses another's lines.

    A replay is exactly once: the events go into the database in one transaction with their
    ``id`` as ``audit_event.spool_id`` (a unique index), skipping ids already there, and leave
    the file only after that COMMIT. A crash between the two leaves them in the file; the next
    replay finds them in the database and only removes them. (A delete-then-commit order would
    lose them in that crash, and a commit-then-delete order without the id would insert them
    twice.)
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock_path = path.with_name(path.name + ".lock")

    def pending(self) -> bool:
        """Anything to replay (one ``stat``: asked after every successful transaction)."""
        try:
            return self.path.stat().st_size > 0
        except OSError:
            return False

    def entries(self) -> list[dict[str, Any]]:
        with self._locked():
            return self._read()

    def keep(self, events: Iterable[AuditEvent], *, error: str) -> int:
        """Add ``events`` (not saved because of ``error``) to the file; never raises: the
        candidate's answer is "database unavailable" either way, and a full or read-only disk
        is logged."""
        entries = [_entry(e, error) for e in events]
        if not entries:
            return 0
        try:
            with self._locked():
                self._write([*self._read(), *entries])
        except OSError:
            log.exception("audit spool: %d event(s) could not be kept", len(entries))
            return 0
        log.warning("audit spool: %d event(s) kept until the database is back", len(entries))
        return len(entries)

    def replay(self, store: Store) -> int:
        """Write the spooled events into the database, each exactly once; returns how many were
        inserted (events found already there are only removed from the file)."""
        with self._locked():
            entries = self._read()[:REPLAY_BATCH]
        if not entries:
            return 0
        ids = [entry["id"] for entry in entries]
        with store.session() as session:
            present = set(
                session.exec(select(AuditEvent.spool_id).where(col(AuditEvent.spool_id).in_(ids)))
            )
            linked = _linked_candidates(session, entries)
            for entry in entries:
                if entry["id"] in present:
                    continue
                row = record(
                    session,
                    kind=entry["kind"],
                    outcome=entry["outcome"],
                    terminal_id=entry["terminal_id"],
                    at=datetime.fromisoformat(entry["at"]),
                    account=entry["account"],
                    candidate_id=entry["candidate_id"] if entry["id"] in linked else None,
                    detail=entry["detail"],
                    staff=entry["staff"],
                )
                row.spool_id = entry["id"]
        done = set(ids)
        with self._locked():
            self._write([entry for entry in self._read() if entry["id"] not in done])
        log.info("audit spool: %d event(s) replayed", len(ids) - len(present))
        return len(ids) - len(present)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # released when the descriptor closes
            yield
        finally:
            os.close(fd)

    def _read(self) -> list[dict[str, Any]]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        entries = []
        for number, line in enumerate(text.splitlines(), 1):
            try:
                entry = json.loads(line)
                if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
                    raise ValueError("not a spooled event")
            except ValueError:  # edited by hand: the file is only ever written whole
                log.error("audit spool %s: line %d is not an event; dropped", self.path, number)
                continue
            entries.append(entry)
        return entries

    def _write(self, entries: list[dict[str, Any]]) -> None:
        if not entries:
            self.path.unlink(missing_ok=True)
        else:
            temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                for entry in entries:
                    handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)
        folder = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)  # the rename (or the unlink) itself survives a power cut
        finally:
            os.close(folder)


def _entry(row: AuditEvent, error: str) -> dict[str, Any]:
    """One spooled line: the event as it was meant, marked as not saved."""
    detail = f"outcome={row.outcome}; error={error}" + (f"; {row.detail}" if row.detail else "")
    return {
        "id": uuid.uuid4().hex,
        "at": row.at.isoformat(),
        "terminal_id": row.terminal_id,
        "kind": row.kind,
        "account": row.account,
        "candidate_id": row.candidate_id,
        "outcome": UNSAVED,
        "detail": detail[:500],
        "staff": row.staff,
    }


def _linked_candidates(session: Session, entries: list[dict[str, Any]]) -> set[str]:
    """The ids of the entries whose candidate link still holds: the candidate exists and has the
    account the event names. A registration that was never saved left a candidate id that
    SQLite may since have given to someone else."""
    wanted = {entry["candidate_id"] for entry in entries if entry.get("candidate_id") is not None}
    if not wanted:
        return set()
    accounts = dict(
        session.exec(
            select(Candidate.id, Candidate.account_key).where(col(Candidate.id).in_(wanted))
        ).all()
    )
    return {
        entry["id"]
        for entry in entries
        if entry.get("candidate_id") in accounts
        and accounts[entry["candidate_id"]] == str(entry.get("account", "")).strip().lower()
    }
