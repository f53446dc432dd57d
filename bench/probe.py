"""``make probe``: the hardening figures of issue 10, rerun from scratch and printed as markdown
for bench/README.md — fuzz cases and crashes per use case, rows lost to ``kill -9`` during
registrations on SQLite and PostgreSQL, and what a vanished or locked database answers.

Slow on purpose (minutes): it is not part of ``make test``; run it before a release or nightly.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get(
    "IPAS_KIOSK_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


# ------------------------------------------------------------------ fuzz


def fuzz(cases: int) -> list[str]:
    """Every use case of tests/fuzz with ``cases`` examples each (hypothesis)."""
    env = {**os.environ, "HYPOTHESIS_PROFILE": "probe", "HYPOTHESIS_MAX_EXAMPLES": str(cases)}
    started = time.perf_counter()
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/fuzz"]
    command += ["--hypothesis-show-statistics", "-o", "addopts="]
    run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    out = run.stdout
    rows = []
    for block in re.split(r"\n(?=tests/fuzz/test_use_cases\.py::)", out):
        name = re.match(r"tests/fuzz/test_use_cases\.py::(\w+)", block)
        if not name:
            continue
        passing = sum(int(n) for n in re.findall(r"(\d+) passing", block))
        failing = sum(int(n) for n in re.findall(r"(\d+) failing", block))
        invalid = sum(int(n) for n in re.findall(r"(\d+) invalid", block))
        rows.append((name.group(1).removeprefix("test_"), passing, failing, invalid))
    failed = re.findall(r"FAILED tests/fuzz/test_use_cases\.py::(\w+)", out)
    lines = [
        f"### Fuzz: every use case fed hostile text ({cases:,} cases each asked, hypothesis)",
        "",
        "| use case | cases run | failing | invalid (filtered) | exception |",
        "|---|---|---|---|---|",
    ]
    for case, passing, failing, invalid in rows:
        crashed = "yes" if f"test_{case}" in failed else "none"
        lines.append(f"| {case} | {passing + failing:,} | {failing} | {invalid} | {crashed} |")
    total = sum(p + f for _, p, f, _ in rows)
    lines += [
        "",
        f"{total:,} cases in {seconds:.0f} s; pytest exit code {run.returncode}; after each use "
        "case nothing stored held a control, bidi or invisible character.",
    ]
    if run.returncode:
        lines += ["", "```", out[-3000:], "```"]
    return lines


# ------------------------------------------------------------------ kill -9


def kill_nine(backend: str, kills: int) -> list[str]:
    from sqlmodel import select

    from kiosk.infra.store import Store
    from kiosk.infra.tables import AuditEvent, Candidate, ExamRegistration, ExamSession
    from tests.conftest import make_settings

    folder = Path(tempfile.mkdtemp(prefix="probe-kill-"))
    extra: list[str] = []
    if backend == "sqlite":
        url = f"sqlite:///{folder / 'kiosk.db'}"
        store = Store(url)
    else:
        import psycopg

        schema = f"probe_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(PG_URL.replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        url = PG_URL
        extra = [schema]
        store = Store(url, connect_args={"options": f"-csearch_path={schema}"})
    store.upgrade()
    settings = make_settings(folder)
    with store.session() as session:
        exam = ExamSession(
            subject="資訊安全工程師",
            level="初級",
            starts_at=_utc(days=60),
            ends_at=_utc(days=60, hours=2),
            venue="probe",
            seats=10_000,
            registration_opens_at=_utc(days=-1),
            registration_closes_at=_utc(days=30),
        )
        session.add(exam)
        session.flush()
        session_id = exam.id
    del settings
    saved: set[str] = set()
    booked: set[str] = set()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for k in range(kills):
        child = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.probe_child",
                url,
                str(folder),
                f"{k:x}",
                str(session_id),
                *extra,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
            cwd=ROOT,
        )
        assert child.stdout is not None
        first = child.stdout.readline()  # it is writing now: the kill lands among writes
        time.sleep(random.uniform(0.0, 0.5))
        child.send_signal(signal.SIGKILL)
        out, _ = child.communicate()
        out = first + out
        for line in out.splitlines():
            word, _, account = line.partition(" ")
            (saved if word == "saved" else booked).add(account)
    with store.session() as session:
        rows = {c.account: c for c in session.exec(select(Candidate))}
        registered = select(AuditEvent).where(
            AuditEvent.kind == "register", AuditEvent.outcome == "ok"
        )
        events = {e.account for e in session.exec(registered)}
        regs = list(session.exec(select(ExamRegistration)))
        exam_row = session.get(ExamSession, session_id)
    lost = sorted(saved - set(rows))
    partial = [a for a, c in rows.items() if not c.password_hash or a not in events]
    active = [r for r in regs if r.status != "cancelled"]
    seat_gap = (exam_row.seats_taken if exam_row else 0) - len(active)
    seated = {r.candidate_id for r in active}
    lost_bookings = [a for a in booked if a not in rows or rows[a].id not in seated]
    store.dispose()
    if backend != "sqlite":
        import psycopg

        with psycopg.connect(PG_URL.replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{extra[0]}" CASCADE')
    return [
        f"| {backend} | {kills} | {len(saved)} | {len(rows)} | {len(lost)} | {len(partial)} | "
        f"{len(booked)} | {len(lost_bookings)} | {seat_gap} |"
    ]


# ------------------------------------------------------------------ a vanished and a locked store


def faults(attempts: int) -> list[str]:
    """A database deleted, then replaced, under a running kiosk; a database locked by another
    writer: what the kiosk reports and what is on disk at the path afterwards."""
    import os
    import sqlite3

    from sqlmodel import select

    from kiosk.core import accounts, audit
    from kiosk.core.accounts import Registration
    from kiosk.infra.store import Store
    from kiosk.infra.tables import AuditEvent, Candidate
    from kiosk.ui.shell import StoreUnavailable
    from tests.screens.conftest import build_app

    lines = [
        "### A vanished and a locked database under a running kiosk",
        "",
        "| fault | attempts | answered unavailable | reported saved | rows at the path "
        "| seconds to answer (max) |",
        "|---|---|---|---|---|---|",
    ]

    def registration(n: int) -> Registration:
        from bench.probe_child import citizen_id

        return Registration(
            account=f"fault{n:05d}",
            national_id=citizen_id(9_000_000 + n),
            chinese_name="王小明",
            email=f"fault{n}@example.com",
            mobile="0912345678",
            gender="M",
            education="04",
            school="國立清華大學",
            department="資訊工程學系",
            password="Tq7#pLm2$Vx9",
            password_confirm="Tq7#pLm2$Vx9",
        )

    for fault in ("deleted", "replaced", "locked"):
        folder = Path(tempfile.mkdtemp(prefix=f"probe-{fault}-"))
        app = build_app(folder, store_busy_seconds=2.0)
        path = folder / "kiosk.db"
        with app.store.session() as session:  # the pool holds the file open, as a kiosk does
            session.exec(select(Candidate.id).limit(1)).all()
        holder = None
        if fault == "deleted":
            os.remove(path)
        elif fault == "replaced":
            other = Store(f"sqlite:///{folder / 'other.db'}")
            other.upgrade()
            other.dispose()
            os.replace(folder / "other.db", path)
        else:
            holder = sqlite3.connect(path, isolation_level=None)
            holder.execute("BEGIN IMMEDIATE")
        unavailable = saved = 0
        slowest = 0.0
        for n in range(attempts):
            started = time.perf_counter()
            try:
                result = app.use(
                    accounts.register,
                    data=registration(n),
                    settings=app.settings,
                    clock=app.clock,
                )
                saved += bool(result.ok)
            except StoreUnavailable:
                unavailable += 1
            slowest = max(slowest, time.perf_counter() - started)
        if holder is not None:
            holder.execute("ROLLBACK")
            holder.close()
        spooled = ""
        if fault == "locked":  # the next transaction that succeeds writes the spooled audit
            app.use(accounts.register, data=registration(attempts), settings=app.settings)
            with app.store.session() as session:
                kept = session.exec(select(AuditEvent).where(AuditEvent.outcome == audit.UNSAVED))
                spooled = f"; {len(kept.all())} audit events replayed from the spool"
        rows = 0
        if path.exists():
            check = Store(f"sqlite:///{path}")
            with check.session() as session:
                found = session.exec(select(Candidate.account)).all()
                rows = sum(account.startswith("fault") for account in found)
            check.dispose()
        app.store.dispose()
        lines.append(
            f"| {fault} | {attempts} | {unavailable} | {saved} | {rows}{spooled} | {slowest:.2f} |"
        )
    lines += [
        "",
        'Deleted: every attempt is answered "unavailable", nothing is reported saved and no '
        "empty file appears. Replaced: the kiosk goes on with the file now at the path, and what "
        "it reports saved is in that file. Locked: each answer comes within the busy bound "
        "(`store_busy_seconds`, 2 s here); the attempts' audit waits in the spool and is written "
        "once the database is free.",
    ]
    return lines


def _utc(**delta: float) -> datetime:
    from datetime import timedelta

    from kiosk.infra.tables import utcnow

    return utcnow() + timedelta(**delta)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.probe")
    parser.add_argument("--cases", type=int, default=10_000, help="fuzz cases per use case")
    parser.add_argument("--kills", type=int, default=60, help="kill -9 per backend")
    parser.add_argument("--attempts", type=int, default=20, help="registrations per fault")
    parser.add_argument("--skip", action="append", default=[], help="fuzz, kill, faults")
    args = parser.parse_args(argv)
    print(f"## Hardening probe — {time.strftime('%Y-%m-%d %H:%M')} (`make probe`)")
    print()
    if "kill" not in args.skip:
        print(f"### kill -9 during registrations ({args.kills} kills per backend)")
        print()
        print(
            "| backend | kills | reported saved | rows | saved but lost | partial rows "
            "| reported booked | booked but lost | seats_taken − active registrations |"
        )
        print("|---|---|---|---|---|---|---|---|---|")
        for backend in ("sqlite", "postgres"):
            print("\n".join(kill_nine(backend, args.kills)))
            sys.stdout.flush()
        print()
    if "faults" not in args.skip:
        print("\n".join(faults(args.attempts)))
        print()
        sys.stdout.flush()
    if "fuzz" not in args.skip:
        print("\n".join(fuzz(args.cases)))
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
