"""The audit of an attempt whose transaction failed is kept and written later, once (issue 10,
item 8): the spool file, its replay, and the use cases through ``KioskApp.use``."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, select

from kiosk.core import accounts, audit
from kiosk.infra.store import Store, get_candidate_by_account
from kiosk.infra.tables import AuditEvent, Candidate, utcnow
from kiosk.ui.kiosk.app import KioskApp, StoreUnavailable

PASSWORD = "Kiosk#Demo2026"


class _Code:
    def __init__(self, ok: bool = True) -> None:
        self.ok = ok

    def verify(self, text: str) -> bool:
        return self.ok


def _events(store: Store, **where: str) -> list[AuditEvent]:
    with store.session() as session:
        statement = select(AuditEvent)
        for name, value in where.items():
            statement = statement.where(getattr(AuditEvent, name) == value)
        return list(session.exec(statement))


def _login(app: KioskApp, password: str, *, captcha_ok: bool = True) -> Any:
    return app.use(
        accounts.login,
        captcha=_Code(captcha_ok),
        captcha_answer="12345",
        account="wang2026",
        chinese_name="王小明",
        password=password,
        settings=app.settings,
        clock=app.clock,
    )


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator[KioskApp]:
    from tests.screens.conftest import build_app

    app = build_app(tmp_path, store_busy_seconds=0.3)
    yield app
    app.store.dispose()


def _locked(path: Path) -> sqlite3.Connection:
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another terminal's long write
    return holder


def test_a_login_while_the_database_is_locked_is_audited_once_it_is_free(
    kiosk: KioskApp, tmp_path: Path
) -> None:
    spool = audit.spool_for(kiosk.settings)
    holder = _locked(tmp_path / "kiosk.db")
    try:
        with pytest.raises(StoreUnavailable):
            _login(kiosk, PASSWORD)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert _events(kiosk.store, kind="login") == []
    [kept] = spool.entries()
    assert (kept["kind"], kept["account"], kept["outcome"]) == ("login", "wang2026", audit.UNSAVED)
    assert "outcome=ok" in kept["detail"] and "OperationalError" in kept["detail"]
    assert PASSWORD not in spool.path.read_text(encoding="utf-8")

    assert _login(kiosk, PASSWORD).outcome is accounts.LoginOutcome.OK  # the next transaction
    logins = [(e.outcome, e.spool_id is not None) for e in _events(kiosk.store, kind="login")]
    assert sorted(logins) == [("ok", False), (audit.UNSAVED, True)]
    [replayed] = _events(kiosk.store, outcome=audit.UNSAVED)
    with kiosk.store.session() as session:
        wang = get_candidate_by_account(session=session, account="wang2026")
    assert wang is not None and replayed.candidate_id == wang.id
    assert replayed.at == datetime.fromisoformat(kept["at"]) and replayed.terminal_id == "test-01"
    assert not spool.pending() and spool.entries() == []


def test_a_login_stopped_before_it_recorded_anything_is_still_audited(
    kiosk: KioskApp, tmp_path: Path
) -> None:
    """A wrong password writes the failure counter first: that write is what the lock stops,
    before the use case records its event. The attempt is audited all the same (without the
    text typed into the account box, which only the use case knows how to audit safely)."""
    holder = _locked(tmp_path / "kiosk.db")
    try:
        with pytest.raises(StoreUnavailable):
            _login(kiosk, "Wrong#Pass2026")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    _login(kiosk, PASSWORD)
    [attempt] = _events(kiosk.store, outcome=audit.UNSAVED)
    assert (attempt.kind, attempt.account, attempt.terminal_id) == ("login", "", "test-01")
    assert "outcome=attempt" in attempt.detail and "Wrong#Pass2026" not in attempt.detail


def test_a_registration_while_the_database_is_locked_is_audited_later(
    kiosk: KioskApp, tmp_path: Path
) -> None:
    data = accounts.Registration(
        account="newuser2026",
        national_id="A234567893",
        chinese_name="張志明",
        email="zhiming.zhang@example.com.tw",
        mobile="0912987654",
        gender="M",
        education="04",
        school="國立清華大學",
        department="資訊工程學系",
        password="Zhang#Kiosk2026x",
        password_confirm="Zhang#Kiosk2026x",
    )
    holder = _locked(tmp_path / "kiosk.db")
    try:
        with pytest.raises(StoreUnavailable):
            kiosk.use(accounts.register, data=data, settings=kiosk.settings, clock=kiosk.clock)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    _login(kiosk, PASSWORD)
    [replayed] = _events(kiosk.store, kind="register")  # stopped at its INSERT: the attempt
    assert replayed.outcome == audit.UNSAVED and "outcome=attempt" in replayed.detail
    assert replayed.candidate_id is None
    with kiosk.store.session() as session:
        assert get_candidate_by_account(session=session, account="newuser2026") is None


def test_a_wrong_captcha_replays_nothing(kiosk: KioskApp, tmp_path: Path) -> None:
    """A wrong captcha costs no database work, not even a replay."""
    spool = audit.spool_for(kiosk.settings)
    holder = _locked(tmp_path / "kiosk.db")
    try:
        with pytest.raises(StoreUnavailable):
            _login(kiosk, "Wrong#Pass2026")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    kiosk.store.dispose()  # no connection left open: any database work would open one
    opened: list[object] = []
    from sqlalchemy import event

    event.listen(kiosk.store.engine, "connect", lambda *args: opened.append(args))
    result = _login(kiosk, PASSWORD, captcha_ok=False)
    assert result.outcome is accounts.LoginOutcome.CAPTCHA
    assert opened == [] and len(spool.entries()) == 1


def _spool_one(store: Store, spool: audit.AuditSpool, **values: Any) -> None:
    """Record an event in a transaction that then fails: it goes to the spool."""

    def work(session: Session) -> None:
        audit.record(
            session,
            kind=values.get("kind", "login"),
            outcome="failed",
            terminal_id="test-01",
            at=utcnow(),
            account=values.get("account", "wang2026"),
            candidate_id=values.get("candidate_id"),
        )
        session.flush()
        session.execute(text("SELECT * FROM no_such_table"))  # the database fails

    with pytest.raises(SQLAlchemyError):
        audit.audited_transaction(store, spool, work)


def test_replaying_twice_inserts_once(store: Store, tmp_path: Path) -> None:
    spool = audit.AuditSpool(tmp_path / "data" / "audit-spool.jsonl")
    _spool_one(store, spool)
    assert _events(store) == [] and len(spool.entries()) == 1
    before = tmp_path / "copy.jsonl"
    shutil.copy(spool.path, before)
    assert spool.replay(store) == 1
    shutil.copy(before, spool.path)  # as if the process died between the COMMIT and the rewrite
    assert spool.replay(store) == 0
    assert spool.replay(store) == 0
    assert len(_events(store)) == 1
    assert not spool.pending()


def test_events_committed_inside_a_failing_use_case_are_not_spooled_again(
    store: Store, tmp_path: Path
) -> None:
    spool = audit.AuditSpool(tmp_path / "audit-spool.jsonl")

    def work(session: Session) -> None:
        now = utcnow()
        audit.record(session, kind="first", outcome="ok", terminal_id="t", at=now)
        session.commit()  # as query_credentials does before it sends
        audit.record(session, kind="second", outcome="ok", terminal_id="t", at=now)
        session.flush()
        session.execute(text("SELECT * FROM no_such_table"))

    with pytest.raises(SQLAlchemyError):
        audit.audited_transaction(store, spool, work)
    assert [e.kind for e in _events(store)] == ["first"]
    assert [e["kind"] for e in spool.entries()] == ["second"]


def test_a_replayed_event_links_its_candidate_only_if_it_still_names_the_account(
    store: Store, tmp_path: Path
) -> None:
    now = utcnow()
    with store.session() as session:
        session.add(
            Candidate(
                account="wang2026",
                account_key="wang2026",
                national_id="A123456789",
                chinese_name="王小明",
                created_at=now,
                updated_at=now,
            )
        )
    with store.session() as session:
        wang = session.exec(select(Candidate)).one()
    spool = audit.AuditSpool(tmp_path / "audit-spool.jsonl")
    _spool_one(store, spool, account="wang2026", candidate_id=wang.id)
    _spool_one(store, spool, kind="register", account="someone2026", candidate_id=wang.id)
    assert spool.replay(store) == 2
    links = {e.kind: e.candidate_id for e in _events(store)}
    assert links == {"login": wang.id, "register": None}


def test_the_spool_file_is_private_and_survives_a_second_writer(
    store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "audit-spool.jsonl"
    first, second = audit.AuditSpool(path), audit.AuditSpool(path)  # two kiosks of one host
    _spool_one(store, first, account="first2026")
    _spool_one(store, second, account="second2026")
    assert {e["account"] for e in first.entries()} == {"first2026", "second2026"}
    assert path.stat().st_mode & 0o777 == 0o600
    assert first.replay(store) == 2 and second.replay(store) == 0
    assert sorted(e.account for e in _events(store)) == ["first2026", "second2026"]
