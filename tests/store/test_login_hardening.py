"""What a stranger at a shared terminal must not get from the login: a password kept in the audit,
a timing tell about the password, or unlimited guesses spread over many accounts (issue 10)."""

from __future__ import annotations

import statistics
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from kiosk.core import accounts, helpdesk
from kiosk.core.accounts import LoginOutcome, QueryOutcome, login_budget
from kiosk.core.demo import seed_demo
from kiosk.core.helpdesk import staff_accounts
from kiosk.core.helpdesk.staff_accounts import StaffView
from kiosk.infra.config import Settings
from kiosk.infra.store import Store
from kiosk.infra.tables import Candidate
from tests.conftest import StoreFactory, make_settings
from tests.store.test_accounts import (
    ANSWER,
    WANG,
    FakeClock,
    audit_rows,
    captcha,
    do_login,
    query,
    registration,
)

SPRAYED = "Spring#Taipei2026"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def demo(store: Store, settings: Settings) -> Store:
    with store.session() as session:
        seed_demo(session, settings=settings)
    return store


def add_candidates(store: Store, count: int) -> list[str]:
    """``count`` self-registered candidates with real hashes (cost 4), accounts spray0001…"""
    from kiosk.core import national_id, passwords

    made = []
    pw_hash = passwords.hash_password("Real#Password2026", 4)
    with store.session() as session:
        for n in range(count):
            body = f"A1{n:07d}"
            check = next(d for d in "0123456789" if national_id.is_valid(body + d))
            account = f"spray{n:04d}"
            session.add(
                Candidate(
                    account=account,
                    account_key=account,
                    national_id=body + check,
                    chinese_name="王小明",
                    email=f"{account}@example.com",
                    mobile="0912345678",
                    password_hash=pw_hash,
                )
            )
            made.append(account)
    return made


# ---------------------------------------------------------------- 1. nothing typed kept


def test_no_audit_writer_keeps_an_unknown_account_as_typed(
    demo: Store, settings: Settings, clock: FakeClock
) -> None:
    secret = "Kiosk#Demo2026x"  # a password typed into the account box
    seeded = len(audit_rows(demo))
    do_login(demo, settings, clock, account=secret)
    with demo.session() as session:
        accounts.register(
            session,
            data=registration(account=secret, password="bad"),
            settings=settings,
            clock=clock,
        )
        accounts.query_email(
            session,
            captcha=captcha(),
            captcha_answer=ANSWER,
            account=secret,
            chinese_name="王小明",
            mobile="0912345678",
            settings=settings,
            clock=clock,
        )
        accounts.change_password(
            session,
            account=secret,
            current_password="x",
            new_password="Taipei#Kiosk2027",
            new_password_confirm="Taipei#Kiosk2027",
            settings=settings,
            clock=clock,
        )
        staff_accounts.staff_login(session, account=secret, password="x", settings=settings)
    rows = audit_rows(demo)[seeded:]
    kinds = {e.kind for e in rows}
    assert {"login", "register", "email_query", "change_password", "staff_login"} <= kinds
    text = " ".join(f"{e.account} {e.staff} {e.detail}" for e in rows)
    assert secret.lower() not in text.lower()
    hashed = {e.account or e.staff for e in rows}
    assert len(hashed) == 1 and next(iter(hashed)).startswith("？")


def test_the_audit_export_holds_no_typed_text(
    demo: Store, settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    secret = "Kiosk#Demo2026y"
    do_login(demo, settings, clock, account=secret)
    with demo.session() as session:
        staff_accounts.create_staff(
            session, account="amy.admin", role="admin", password="Desk#Admin2026", settings=settings
        )
    with demo.session() as session:
        staff = staff_accounts.get_staff(session=session, account="amy.admin")
        assert staff is not None
        result = helpdesk.export_audit_csv(
            session,
            filters=helpdesk.AuditFilter(),
            directory=tmp_path,
            staff=StaffView.of(staff),
            settings=settings,
        )
    assert result.ok
    exported = Path(result.path).read_text(encoding="utf-8-sig")
    assert "？" in exported
    assert secret not in exported


def test_the_key_lives_outside_the_database_and_can_be_set(tmp_path: Path, demo: Store) -> None:
    from pydantic import SecretStr

    from kiosk.core import audit

    one = make_settings(tmp_path, audit_key=SecretStr("site-key-1"))
    two = make_settings(tmp_path, audit_key=SecretStr("site-key-2"))
    assert audit.unknown_account("x", one) == audit.unknown_account(" X", one)
    assert audit.unknown_account("x", one) != audit.unknown_account("x", two)
    filed = make_settings(tmp_path)  # no key set: one made once in its file, owner-only
    first = audit.unknown_account("x", filed)
    assert filed.audit_key_file.stat().st_mode & 0o077 == 0
    assert audit.unknown_account("x", filed) == first


# ---------------------------------------------------------------- 3. timing


def test_every_failure_costs_what_a_wrong_password_costs(
    demo: Store, tmp_path: Path, clock: FakeClock
) -> None:
    """Medians of interleaved logins: right password + wrong name, unknown account, locked,
    temporary password pending, all within 25 % of a plain wrong password (at cost 9 bcrypt is
    ≈ 30 ms a run, far above the database work of any path)."""
    settings = make_settings(tmp_path, bcrypt_rounds=9, lockout_threshold=1000)
    with demo.session() as session:
        row = session.exec(select(Candidate).where(Candidate.account_key == "wang2026")).one()
        from kiosk.core import passwords

        row.password_hash = passwords.hash_password(WANG["password"], 9)
        locked = session.exec(
            select(Candidate).where(Candidate.account_key == "maria.santos")
        ).one()
        locked.locked_until = clock() + timedelta(days=365)
        locked.password_hash = passwords.hash_password("Lisboa#Kiosk2026", 9)
    query(demo, settings, clock)  # linmeihua01 has a temporary password pending
    cases: dict[str, dict[str, str]] = {
        "wrong password": {"password": "Wrong#Guess2026"},
        "right password, wrong name": {"chinese_name": "王大明"},
        "unknown account": {"account": "nobody20261", "chinese_name": "王小明"},
        "locked": {
            "account": "maria.santos",
            "chinese_name": "瑪麗亞·桑托斯",
            "password": "Lisboa#Kiosk2026",
        },
        "temporary pending": {"account": "linmeihua01", "chinese_name": "林美華"},
    }
    ratios: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(15):
        # one round measures every path back to back, so a load that comes and goes on this
        # machine slows the round as a whole: each path is compared within its round
        took: dict[str, float] = {}
        for name, values in cases.items():
            started = time.perf_counter()
            result = do_login(demo, settings, clock, **values)
            took[name] = time.perf_counter() - started
            assert result.outcome in (LoginOutcome.FAILED, LoginOutcome.REGISTER), name
        for name in cases:
            ratios[name].append(took[name] / took["wrong password"])
    medians = {name: statistics.median(found) for name, found in ratios.items()}
    report = {name: f"{m:.2f}×" for name, m in medians.items()}
    assert all(0.75 < median < 1.33 for median in medians.values()), report


# ---------------------------------------------------------------- 4. spraying


def spray(
    store: Store,
    settings: Settings,
    clock: FakeClock,
    accounts_: list[str],
    rounds: int,
    *,
    step: float = 0.2,
) -> list[accounts.LoginResult]:
    """Try one password on each account, ``rounds`` times, ``step`` seconds apart."""
    outcomes = []
    for _ in range(rounds):
        for account in accounts_:
            result = do_login(store, settings, clock, account=account, password=SPRAYED)
            outcomes.append(result)
            clock.advance(seconds=step)
    return outcomes


def test_a_spray_over_many_accounts_locks_the_terminal(
    store_factory: StoreFactory, tmp_path: Path, clock: FakeClock
) -> None:
    store = store_factory.create()
    settings = make_settings(tmp_path, place_failure_threshold=20)
    sprayed = add_candidates(store, 30)
    outcomes = spray(store, settings, clock, sprayed, rounds=4)  # 120 failures, 4 per account
    keys = [r.message_key for r in outcomes]
    assert keys[:20] == [accounts.GENERIC_LOGIN_FAILURE] * 20
    assert keys[20:] == ["accounts.login.place_locked"] * 100
    assert outcomes[-1].message_values["minutes"].isdigit()
    with store.session() as session:  # no account reached its own lock
        assert all(c.locked_until is None for c in session.exec(select(Candidate)))
    # the right password does not help while the place waits; a restart does not either
    restarted = store_factory.open()
    right = do_login(restarted, settings, clock, account=sprayed[0], password="Real#Password2026")
    assert right.message_key == "accounts.login.place_locked"
    # another terminal of the same site is not affected
    other = make_settings(tmp_path, terminal_id="test-02", place_failure_threshold=20)
    assert (
        do_login(restarted, other, clock, account=sprayed[0], password="Real#Password2026").outcome
        is LoginOutcome.OK
    )
    events = [e for e in audit_rows(restarted) if e.outcome == "place_locked"]
    assert len(events) == 101 and all(e.terminal_id == "test-01" for e in events)


def test_the_wait_grows_and_ends(store: Store, tmp_path: Path, clock: FakeClock) -> None:
    settings = make_settings(
        tmp_path, place_failure_threshold=3, lockout_base_seconds=60, lockout_max_seconds=3600
    )
    sprayed = add_candidates(store, 3)
    spray(store, settings, clock, sprayed, rounds=1)  # 3 failures: waits 60 s
    assert do_login(store, settings, clock, account=sprayed[0]).message_key == (
        "accounts.login.place_locked"
    )
    clock.advance(seconds=61)
    spray(store, settings, clock, sprayed[:1], rounds=1)  # the 4th failure: 120 s
    with store.session() as session:
        waits = login_budget.blocked_seconds(session, settings, now=clock())
    assert 115 <= waits <= 120
    clock.advance(seconds=settings.place_quiet_seconds + 200)  # quiet: the count starts over
    assert (
        do_login(store, settings, clock, account=sprayed[1], password="Real#Password2026").outcome
        is LoginOutcome.OK
    )


def test_a_browser_source_has_its_own_budget(
    store: Store, tmp_path: Path, clock: FakeClock
) -> None:
    """Through ``serve`` every visitor's app has its own terminal id but shares the source."""
    sprayed = add_candidates(store, 4)
    for n, account in enumerate(sprayed):
        visitor = make_settings(
            tmp_path, terminal_id=f"web-{n}", source="203.0.113.7", place_failure_threshold=3
        )
        do_login(store, visitor, clock, account=account, password=SPRAYED)
    fresh = make_settings(
        tmp_path, terminal_id="web-9", source="203.0.113.7", place_failure_threshold=3
    )
    assert do_login(store, fresh, clock, account=sprayed[0]).message_key == (
        "accounts.login.place_locked"
    )
    elsewhere = make_settings(
        tmp_path, terminal_id="web-10", source="198.51.100.1", place_failure_threshold=3
    )
    assert (
        do_login(store, elsewhere, clock, account=sprayed[0], password="Real#Password2026").outcome
        is LoginOutcome.OK
    )


# ---------------------------------------------------------------- 5/6. hostile text


@pytest.mark.parametrize(
    "field,value",
    [
        ("account", "wang2026\x1b]52;c;ZXZpbA==\x07"),
        ("account", "wang\ud8002026"),
        ("chinese_name", "王小明\u202e"),
        ("password", "Kiosk#Demo2026\x00"),
        ("account", "a" * 1_000_001),
    ],
)
def test_hostile_login_input_is_refused_and_looks_nothing_up(
    demo: Store, settings: Settings, clock: FakeClock, field: str, value: str
) -> None:
    result = do_login(demo, settings, clock, **{field: value})
    assert result.outcome is LoginOutcome.INVALID
    assert result.field_errors[field][0] in ("accounts.unsafe_chars", "accounts.too_long")
    event = audit_rows(demo)[-1]
    assert event.outcome == "invalid"
    assert event.account.startswith("？")
    with demo.session() as session:
        assert (
            session.exec(select(Candidate).where(Candidate.account_key == "wang2026"))
            .one()
            .failed_logins
            == 0
        )


def test_a_query_with_hostile_text_is_an_answer(
    demo: Store, settings: Settings, clock: FakeClock
) -> None:
    for values in (
        {"chinese_name": "林美華\ud800"},
        {"national_id_text": "F22233344\x1b4"},
        {"email": "meihua.lin@example.com\u202e"},
    ):
        assert query(demo, settings, clock, **values).outcome is QueryOutcome.INVALID
