"""The seat limit under concurrent terminals: separate processes (spawned, each with its own
engine) race for fewer seats on one SQLite file and on PostgreSQL. Every process must get a
definite answer (registered or full): 0 overbooked, 0 lost."""

from __future__ import annotations

import multiprocessing
import traceback
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from kiosk.core import exams
from kiosk.infra.config import Settings
from kiosk.infra.store import Store
from kiosk.infra.tables import Candidate, ExamRegistration, ExamSession, utcnow
from tests.conftest import StoreFactory

TERMINALS = 16
SEATS = 5
# made-up IDs: the table only needs them unique (no checksum is checked there)
IDS = [f"Z{100000000 + n}" for n in range(TERMINALS)]


def _terminal(
    url: str,
    connect_args: dict[str, Any],
    candidate_id: int,
    session_id: int,
    start: Any,
    answers: Any,
) -> None:
    """One kiosk terminal in its own process: wait for all, register, report the outcome."""
    try:
        store = Store(url, connect_args=connect_args) if connect_args else Store(url)
        settings = Settings(terminal_id=f"race-{candidate_id}", database_url=url)
        with store.engine.connect():  # connected and imported: only the race is left
            pass
        start.wait(timeout=120)  # a barrier: every terminal leaves it at the same moment
        with store.session() as session:
            result = exams.register(
                session, candidate_id=candidate_id, session_id=session_id, settings=settings
            )
        answers.put((candidate_id, result.outcome.value))
        store.dispose()
    except BaseException:  # reported, so the test sees it instead of a lost answer
        answers.put((candidate_id, "error: " + traceback.format_exc(limit=3)))


def _prepare(store: Store, *, candidates: int, seats: int) -> tuple[list[int], int]:
    now = utcnow()
    with store.session() as session:
        rows = [
            Candidate(
                account=f"racer{n:03d}",
                account_key=f"racer{n:03d}",
                national_id=IDS[n],
                chinese_name="測試員",
                gender="F",
                education="04",
                created_at=now,
                updated_at=now,
            )
            for n in range(candidates)
        ]
        session.add_all(rows)
        exam = ExamSession(
            subject="電磁相容工程師",
            level="初級",
            starts_at=now + timedelta(days=30),
            ends_at=now + timedelta(days=30, hours=2),
            venue="併發測試考場",
            seats=seats,
            registration_opens_at=now - timedelta(days=1),
            registration_closes_at=now + timedelta(days=10),
        )
        session.add(exam)
        session.flush()
        assert exam.id is not None
        return [r.id for r in rows if r.id is not None], exam.id


def _more_sessions(store: Store, session_id: int, count: int) -> list[int]:
    """``count`` more sessions of the same subject and level as ``session_id``, other venues."""
    with store.session() as session:
        first = session.get(ExamSession, session_id)
        assert first is not None
        rows = [
            ExamSession(
                subject=first.subject,
                level=first.level,
                starts_at=first.starts_at + timedelta(days=n + 1),
                ends_at=first.ends_at + timedelta(days=n + 1),
                venue=f"併發測試考場 {n}",
                seats=first.seats,
                registration_opens_at=first.registration_opens_at,
                registration_closes_at=first.registration_closes_at,
            )
            for n in range(count)
        ]
        session.add_all(rows)
        session.flush()
        return [r.id for r in rows if r.id is not None]


def _race(
    factory: StoreFactory, store: Store, candidate_ids: list[int], session_id: int | list[int]
) -> list:
    connect_args = (
        {} if factory.backend == "sqlite" else {"options": f"-csearch_path={factory.schema}"}
    )
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(len(candidate_ids))
    answers = context.Queue()
    session_ids = session_id if isinstance(session_id, list) else [session_id] * len(candidate_ids)
    processes = [
        context.Process(
            target=_terminal,
            args=(store.url, connect_args, cid, sid, start, answers),
        )
        for cid, sid in zip(candidate_ids, session_ids, strict=True)
    ]
    for process in processes:
        process.start()
    got = [answers.get(timeout=180) for _ in processes]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    return got


@pytest.mark.slow
def test_sixteen_terminals_race_for_five_seats(store_factory: StoreFactory) -> None:
    store = store_factory.create()
    candidate_ids, session_id = _prepare(store, candidates=TERMINALS, seats=SEATS)
    answers = _race(store_factory, store, candidate_ids, session_id)
    outcomes = Counter(outcome for _, outcome in answers)
    assert outcomes == {"registered": SEATS, "full": TERMINALS - SEATS}, answers  # 0 lost
    assert sorted(cid for cid, _ in answers) == sorted(candidate_ids)
    with store.session() as session:
        exam = session.get(ExamSession, session_id)
        assert exam is not None and exam.seats_taken == SEATS  # 0 overbooked
        rows = session.exec(select(ExamRegistration)).all()
        assert len(rows) == SEATS
        winners = {cid for cid, outcome in answers if outcome == "registered"}
        assert {r.candidate_id for r in rows} == winners


@pytest.mark.slow
def test_one_candidate_on_eight_terminals_registers_once(store_factory: StoreFactory) -> None:
    store = store_factory.create()
    (candidate_id,), session_id = _prepare(store, candidates=1, seats=SEATS)
    answers = _race(store_factory, store, [candidate_id] * 8, session_id)
    outcomes = Counter(outcome for _, outcome in answers)
    assert outcomes == {"registered": 1, "already": 7}, answers
    with store.session() as session:
        exam = session.get(ExamSession, session_id)
        assert exam is not None and exam.seats_taken == 1
        assert len(session.exec(select(ExamRegistration)).all()) == 1


@pytest.mark.slow
def test_one_candidate_on_eight_terminals_gets_one_session_of_a_subject(
    store_factory: StoreFactory,
) -> None:
    """Each terminal picks a different session of the same subject and level: one wins."""
    store = store_factory.create()
    (candidate_id,), first = _prepare(store, candidates=1, seats=SEATS)
    session_ids = [first, *_more_sessions(store, first, 7)]
    answers = _race(store_factory, store, [candidate_id] * 8, session_ids)
    outcomes = Counter(outcome for _, outcome in answers)
    assert outcomes == {"registered": 1, "already": 7}, answers
    with store.session() as session:
        rows = session.exec(select(ExamRegistration)).all()
        assert [r.status for r in rows] == ["registered"]
        taken = {s.id: s.seats_taken for s in session.exec(select(ExamSession))}
        assert taken == {sid: int(sid == rows[0].session_id) for sid in session_ids}
