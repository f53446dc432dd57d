"""Search, the candidate view and the audit log, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import uuid
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select

from kiosk.core import audit, helpdesk
from kiosk.core.helpdesk import AuditFilter
from kiosk.core.helpdesk.staff_accounts import StaffView
from kiosk.infra.config import Settings
from kiosk.infra.store import Store
from kiosk.infra.tables import AuditEvent, Candidate, Delivery, StaffUser, utcnow
from tests.conftest import PG_URL, _postgres_or_skip
from tests.staff.conftest import DESK, FakeClock, candidate_id


def find(store: Store, query: str, limit: int = 50) -> helpdesk.SearchResult:
    with store.session() as session:
        return helpdesk.search(session, query=query, limit=limit)


def desk(store: Store) -> StaffView:
    from kiosk.core.helpdesk.staff_accounts import get_staff

    with store.session() as session:
        row = get_staff(session=session, account=DESK[0])
        assert row is not None
        return StaffView.of(row)


@pytest.mark.parametrize(
    ("query", "kind", "accounts"),
    [
        ("wa", "account", ["wang2026"]),
        ("WANG20", "account", ["wang2026"]),
        ("a123456789", "national_id", ["wang2026"]),
        ("A12345678", "account", []),  # an ID only matches in full
        ("meihua.lin@ex", "email", ["linmeihua01"]),
        ("Meihua.Lin@", "email", ["linmeihua01"]),
        ("0912-34", "mobile", ["wang2026"]),
        ("+886933", "mobile", ["ipas2023chen"]),
        ("林美", "chinese_name", ["linmeihua01"]),
        ("陳", "chinese_name", ["ipas2023chen"]),
        ("zz", "account", []),
        ("   ", "", []),
    ],
)
def test_search_decides_by_the_shape_of_the_query(
    desk_store: Store, query: str, kind: str, accounts: list[str]
) -> None:
    result = find(desk_store, query)
    assert result.kind == kind
    assert [r.account for r in result.rows] == accounts


def test_a_search_by_whole_national_id_is_audited_masked(
    desk_store: Store, settings: Settings, clock: FakeClock
) -> None:
    staff = desk(desk_store)
    for query in ("A12345", "a123456789", "Z999999999", "wang"):
        with desk_store.session() as session:
            helpdesk.search(session, query=query, audit_as=staff, settings=settings, clock=clock)
    with desk_store.session() as session:
        found = session.exec(select(AuditEvent).where(AuditEvent.kind == "staff_search")).all()
    assert [(e.outcome, e.account, e.staff, e.detail) for e in found] == [
        ("found", "wang2026", DESK[0], "national_id=A12345****"),
        ("none", "", DESK[0], "national_id=Z99999****"),
    ]
    assert helpdesk.audits_search("A123456789", "") == "A123456789"
    assert helpdesk.audits_search(" a123456789", "A123456789") == ""  # the same look-up again
    assert helpdesk.audits_search("A1234", "") == ""


def test_search_results_are_masked_and_limited(desk_store: Store) -> None:
    (row,) = find(desk_store, "wang").rows
    assert row.national_id_masked == "A12345****"
    assert row.email_masked == "xi****@example.com"
    assert row.mobile_masked == "0912***678"
    now = utcnow()
    with desk_store.session() as session:
        for n in range(7):
            session.add(
                Candidate(
                    account=f"wangx{n:02d}",
                    account_key=f"wangx{n:02d}",
                    national_id=f"Z1000000{n:02d}",
                    chinese_name="王大明",
                    created_at=now,
                    updated_at=now,
                )
            )
    limited = find(desk_store, "wang", limit=5)
    assert len(limited.rows) == 5 and limited.more
    assert [r.account for r in limited.rows] == sorted(r.account for r in limited.rows)
    assert not find(desk_store, "wangx0", limit=10).more


def test_prefix_end_is_exclusive_for_cjk_and_ascii(desk_store: Store) -> None:
    """``王`` must not find ``玌…`` (the next code point), and ``w`` not ``x…``."""
    now = utcnow()
    with desk_store.session() as session:
        session.add(
            Candidate(
                account="xwang01",
                account_key="xwang01",
                national_id="Z100000099",
                chinese_name=chr(ord("王") + 1) + "小明",
                created_at=now,
                updated_at=now,
            )
        )
    assert [r.account for r in find(desk_store, "王").rows] == ["wang2026"]
    assert "xwang01" not in [r.account for r in find(desk_store, "w").rows]


@pytest.mark.parametrize(
    ("query", "index"),
    [
        ("wan", "uq_candidate_account_key"),
        ("王小", "ix_candidate_chinese_name"),
        ("meihua@", "ix_candidate_email"),
        ("0912", "ix_candidate_mobile"),
        ("A123456789", "uq_candidate_national_id"),
    ],
)
def test_every_search_uses_an_index(desk_store: Store, query: str, index: str) -> None:
    _, statement = helpdesk.search_statement(query)
    with desk_store.engine.connect() as conn:
        if desk_store.backend == "sqlite":
            sql = statement.compile(
                dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}
            )
            plan = " ".join(str(r[-1]) for r in conn.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
            # SQLite names the automatic index of a UNIQUE constraint sqlite_autoindex_…
            wanted = index if not index.startswith("uq_") else "sqlite_autoindex_candidate"
            assert "USING INDEX" in plan and wanted in plan, plan
            assert "SCAN candidate" not in plan.replace("USING INDEX", ""), plan
        else:
            sql = statement.compile(
                dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}
            )
            conn.execute(text("SET enable_seqscan = off"))  # tiny tables: is an index usable?
            plan = " ".join(str(r[0]) for r in conn.execute(text(f"EXPLAIN {sql}")))
            assert index in plan, plan


def test_candidate_detail_shows_state_and_is_audited(
    desk_store: Store, settings: Settings, clock: FakeClock
) -> None:
    wang = candidate_id(desk_store, "wang2026")
    with desk_store.session() as session:
        row = session.get(Candidate, wang)
        assert row is not None
        row.failed_logins = 6
        row.locked_until = clock.now.replace(hour=10)
        session.add(row)
        session.add(
            Delivery(
                at=clock.now,
                candidate_id=wang,
                channel="email",
                destination_masked="xi****@example.com",
                purpose="credentials",
                status="sent",
            )
        )
    with desk_store.session() as session:
        detail = helpdesk.candidate_detail(
            session, candidate_id=wang, staff=desk(desk_store), settings=settings, clock=clock
        )
    assert detail.found and detail.candidate is not None
    assert detail.candidate.national_id_masked == "A12345****"
    assert detail.locked and detail.failed_logins == 6 and detail.has_password
    assert [d.destination_masked for d in detail.deliveries] == ["xi****@example.com"]
    assert [e.kind for e in detail.events] == ["seed"]
    assert detail.registrations is None or isinstance(detail.registrations, tuple)
    with desk_store.session() as session:
        seen = session.exec(select(AuditEvent).where(AuditEvent.kind == "staff_view")).one()
        assert (seen.staff, seen.candidate_id, seen.account) == (DESK[0], wang, "wang2026")
        missing = helpdesk.candidate_detail(
            session, candidate_id=99999, staff=desk(desk_store), settings=settings, clock=clock
        )
    assert not missing.found and missing.message_key == "staff.candidate.not_found"


def _event(store: Store, when: str, kind: str, staff: str = "", account: str = "") -> None:
    with store.session() as session:
        audit.record(
            session,
            kind=kind,
            outcome="ok",
            terminal_id="desk-1",
            at=datetime.fromisoformat(when),
            staff=staff,
            account=account,
            candidate_id=candidate_id(store, account) if account else None,
            detail='=HYPERLINK("http://x")' if kind == "evil" else "",
        )


def test_audit_log_filters(desk_store: Store, settings: Settings) -> None:
    _event(desk_store, "2026-11-20 10:00:00", "staff_unlock", "amy.desk", "wang2026")
    _event(desk_store, "2026-11-21 10:00:00", "staff_resend", "bob.admin", "wang2026")
    # 15:59 UTC is 23:59 in Taiwan: still the 22nd where the help desk sits
    _event(desk_store, "2026-11-22 15:59:00", "staff_unlock", "bob.admin", "linmeihua01")

    def kinds(**values: object) -> list[tuple[str, str]]:
        with desk_store.session() as session:
            log = helpdesk.audit_log(
                session,
                filters=AuditFilter(**values),  # type: ignore[arg-type]
                staff=desk(desk_store),
                settings=settings,
            )
        return [(e.kind, e.staff) for e in log.rows if e.kind not in ("seed", "staff_add")]

    assert kinds(staff="BOB.Admin ") == kinds(staff="bob.admin")  # accounts ignore case
    assert kinds(staff="bob.admin") == [
        ("staff_unlock", "bob.admin"),
        ("staff_resend", "bob.admin"),
    ]
    assert kinds(kind="staff_unlock", candidate="WANG2026") == [("staff_unlock", "amy.desk")]
    assert kinds(candidate="A123456789") == [
        ("staff_resend", "bob.admin"),
        ("staff_unlock", "amy.desk"),
    ]
    assert kinds(date_from=date(2026, 11, 21), date_to=date(2026, 11, 22)) == [
        ("staff_unlock", "bob.admin"),
        ("staff_resend", "bob.admin"),
    ]
    assert helpdesk.parse_day("2026-13-01") is False and helpdesk.parse_day(" ") is None


def test_export_writes_a_safe_csv_and_is_audited(
    desk_store: Store, settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    _event(desk_store, "2026-11-20 10:00:00", "evil", "amy.desk", "wang2026")
    with desk_store.session() as session:
        result = helpdesk.export_audit_csv(
            session,
            filters=AuditFilter(candidate="A123456789"),
            directory=tmp_path / "exports",
            staff=desk(desk_store),
            settings=settings,
            clock=clock,
        )
    assert result.ok and result.count == 2  # the seed and the evil one
    with open(result.path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == list(helpdesk.CSV_COLUMNS)
    evil = next(r for r in rows if r[1] == "evil")
    assert evil[6].startswith("'=")  # a spreadsheet shows it, never runs it
    with desk_store.session() as session:
        done = session.exec(select(AuditEvent).where(AuditEvent.kind == "audit_export")).one()
    assert done.staff == DESK[0] and "A12345****" in done.detail and "A123456789" not in done.detail


def test_candidate_detail_lists_exam_registrations(desk_store: Store, settings: Settings) -> None:
    from datetime import timedelta

    from kiosk.core import exams
    from kiosk.infra.tables import ExamSession

    wang = candidate_id(desk_store, "wang2026")
    with desk_store.session() as session:
        exam = session.exec(select(ExamSession).order_by(col(ExamSession.id))).first()
        assert exam is not None and exam.id is not None, "the demo has exam sessions"
        moment = exam.registration_opens_at + timedelta(minutes=1)
        exams.register(  # unless the demo registered this one already
            session, candidate_id=wang, session_id=exam.id, settings=settings, clock=lambda: moment
        )
    with desk_store.session() as session:
        expected = exams.list_registrations(session, candidate_id=wang, clock=lambda: moment)
        detail = helpdesk.candidate_detail(
            session,
            candidate_id=wang,
            staff=desk(desk_store),
            settings=settings,
            clock=lambda: moment,
        )
    assert detail.registrations is not None and len(expected) >= 1
    assert [(r.subject, r.venue, r.status_key) for r in detail.registrations] == [
        (e.session.subject, e.session.venue, e.status_key) for e in expected
    ]


def test_a_disabled_staff_account_sees_and_exports_nothing(
    desk_store: Store, settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    """Signed in, then disabled: the view, the audit log and the export are refused, each with
    a "denied" event."""
    staff = desk(desk_store)
    wang = candidate_id(desk_store, "wang2026")
    with desk_store.session() as session:
        row = session.get(StaffUser, staff.id)
        assert row is not None
        row.active = False
        session.add(row)
    with desk_store.session() as session:
        detail = helpdesk.candidate_detail(
            session, candidate_id=wang, staff=staff, settings=settings, clock=clock
        )
        log = helpdesk.audit_log(
            session, filters=AuditFilter(), staff=staff, settings=settings, clock=clock
        )
        export = helpdesk.export_audit_csv(
            session,
            filters=AuditFilter(),
            directory=tmp_path / "exports",
            staff=staff,
            settings=settings,
            clock=clock,
        )
    assert not detail.found and detail.candidate is None
    assert detail.message_key == "staff.action.denied"
    assert log.rows == () and log.message_key == "staff.action.denied"
    assert not export.ok and export.message_key == "staff.action.denied"
    assert not (tmp_path / "exports").exists()
    with desk_store.session() as session:
        denied = session.exec(select(AuditEvent).where(AuditEvent.outcome == "denied")).all()
    assert sorted((e.kind, e.staff) for e in denied) == [
        ("audit_export", DESK[0]),
        ("audit_view", DESK[0]),
        ("staff_view", DESK[0]),
    ]
    assert [e.candidate_id for e in denied if e.kind == "staff_view"] == [wang]


def _linguistic_locale() -> tuple[str, str] | None:
    """A non-C collation the server can make a database with: (clause, label), or None."""
    import psycopg

    with psycopg.connect(PG_URL.replace("+psycopg", "")) as conn:
        icu = conn.execute(
            "SELECT 1 FROM pg_collation WHERE collprovider = 'i' AND collname = 'en-US-x-icu'"
        ).fetchone()
        if icu is not None and conn.info.server_version >= 150000:
            return "LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'", "ICU en-US"
        libc = conn.execute(
            "SELECT collcollate FROM pg_collation WHERE collprovider = 'c' "
            "AND collcollate ILIKE 'en_US.utf%8' LIMIT 1"
        ).fetchone()
    if libc is not None:
        return f"LC_COLLATE '{libc[0]}' LC_CTYPE '{libc[0]}'", f"libc {libc[0]}"
    return None


@pytest.mark.postgres
def test_prefix_search_on_a_database_with_a_linguistic_collation(settings: Settings) -> None:
    """On a database whose default collation is linguistic, the prefix ranges still find every
    row: in en-US ":" (the bump of "9") sorts before the digits, so "0919…" is above "091:"
    unless the range compares in code-point order, and the C-collation indexes serve it."""
    import psycopg
    from sqlalchemy.engine import make_url

    _postgres_or_skip()
    found = _linguistic_locale()
    if found is None:
        pytest.skip("the server has neither an ICU en-US collation nor a libc en_US locale")
    clause, label = found
    name = f"t_ling_{uuid.uuid4().hex[:10]}"
    admin = PG_URL.replace("+psycopg", "")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 {clause}')
    store = Store(make_url(PG_URL).set(database=name).render_as_string(hide_password=False))
    try:
        with store.engine.connect() as conn:
            collate = conn.execute(
                text(
                    "SELECT datcollate, datlocprovider FROM pg_database "
                    "WHERE datname = current_database()"
                )
            ).one()
        assert collate != ("C", "c") and collate != ("C.UTF-8", "c"), (label, collate)
        store.upgrade()
        with store.session() as session:
            for n, (account, email, mobile, chinese) in enumerate(
                [
                    ("meihua9x", "meihua@example.com", "0919000001", "林美華"),
                    ("meihua99", "MeiHua@example.com", "0919000002", "林美玲"),
                    ("meihub01", "meihub@example.com", "0929000003", "王小明"),
                ]
            ):
                session.add(
                    Candidate(
                        account=account,
                        account_key=account,
                        national_id=f"A1{n:08d}",
                        chinese_name=chinese,
                        email=email,
                        mobile=mobile,
                    )
                )
        assert [r.account for r in find(store, "meihua@").rows] == ["meihua9x"]
        assert [r.account for r in find(store, "MeiHua@").rows] == ["meihua99", "meihua9x"]
        assert [r.account for r in find(store, "0919").rows] == ["meihua9x", "meihua99"]
        assert [r.account for r in find(store, "meihua9").rows] == ["meihua99", "meihua9x"]
        assert [r.account for r in find(store, "林美").rows] == ["meihua99", "meihua9x"]
        _, statement = helpdesk.search_statement("0919")
        sql = statement.compile(
            dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}
        )
        with store.engine.connect() as conn:
            conn.execute(text("SET enable_seqscan = off"))
            plan = " ".join(str(r[0]) for r in conn.execute(text(f"EXPLAIN {sql}")))
        assert "ix_candidate_mobile" in plan, plan
    finally:
        store.dispose()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_two_exports_in_one_second_make_two_files(
    desk_store: Store, settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    results = []
    for kind in ("seed", "staff_add"):
        with desk_store.session() as session:
            results.append(
                helpdesk.export_audit_csv(
                    session,
                    filters=AuditFilter(kind=kind),
                    directory=tmp_path / "exports",
                    staff=desk(desk_store),
                    settings=settings,
                    clock=clock,  # not advanced: the same second
                )
            )
    first, second = results
    assert first.ok and second.ok and first.path != second.path
    assert Path(second.path).name == Path(first.path).stem + "-2.csv"
    assert ",seed," in Path(first.path).read_text(encoding="utf-8-sig")  # not overwritten
    assert ",staff_add," in Path(second.path).read_text(encoding="utf-8-sig")
