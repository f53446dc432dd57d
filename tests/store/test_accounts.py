"""Every outcome of every account use case, on a real SQLite file and the real PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from kiosk.core import accounts, passwords
from kiosk.core.accounts import LoginOutcome, QueryOutcome, Registration
from kiosk.core.captcha import Captcha
from kiosk.core.delivery import list_outbox
from kiosk.core.demo import seed_demo
from kiosk.infra.config import Settings
from kiosk.infra.store import Store
from kiosk.infra.tables import AuditEvent, Candidate, Delivery
from tests.conftest import StoreFactory, make_settings
from tests.servers import SmtpServer

ANSWER = "12345"
WANG = {"account": "wang2026", "chinese_name": "王小明", "password": "Kiosk#Demo2026"}


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 25, 9, 0, 0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def demo(store: Store, settings: Settings) -> Store:
    with store.session() as session:
        seed_demo(session, settings=settings)
    return store


def captcha() -> Captcha:
    """A real captcha with a fixed answer, shown once (a challenge never shown cannot be passed)."""
    box = Captcha(source=lambda: ANSWER)
    assert len(box.challenge.lines) > 0
    return box


def do_login(store: Store, settings: Settings, clock: Callable[[], datetime], **values: str):
    values = {**WANG, **values}
    with store.session() as session:
        return accounts.login(
            session,
            captcha=captcha(),
            captcha_answer=values.pop("captcha", ANSWER),
            settings=settings,
            clock=clock,
            **values,
        )


def audit_rows(store: Store) -> list[AuditEvent]:
    with store.session() as session:
        return list(session.exec(select(AuditEvent).order_by(AuditEvent.id)))  # type: ignore[arg-type]


def candidate(store: Store, account: str) -> Candidate:
    with store.session() as session:
        row = session.exec(select(Candidate).where(Candidate.account_key == account.lower())).one()
        return row


def registration(**values: str) -> Registration:
    base = dict(
        account="newcomer01",
        nationality="TW",
        national_id="A223456781",
        chinese_name="張志明",
        email="chih.ming@example.com",
        mobile="0911222333",
        gender="M",
        education="04",
        school="國立政治大學",
        department="資訊管理學系",
        password="Tq7#pLm2$Vx9",
        password_confirm="Tq7#pLm2$Vx9",
    )
    base.update(values)
    return Registration(**base)


# ---------------------------------------------------------------- login


def test_login_ok_resets_failures(demo: Store, settings: Settings, clock: FakeClock) -> None:
    do_login(demo, settings, clock, password="Wrong#Pass2026")
    assert candidate(demo, "wang2026").failed_logins == 1
    result = do_login(demo, settings, clock, account="WANG2026")  # case-insensitive account
    assert result.outcome is LoginOutcome.OK
    assert result.candidate is not None and result.candidate.chinese_name == "王小明"
    assert result.candidate.national_id_masked == "A12345****"
    assert candidate(demo, "wang2026").failed_logins == 0
    assert audit_rows(demo)[-1].outcome == "ok"


def test_wrong_captcha_costs_no_database_work(
    demo: Store, settings: Settings, clock: FakeClock
) -> None:
    before = len(audit_rows(demo))
    result = do_login(demo, settings, clock, captcha="54321")
    assert result.outcome is LoginOutcome.CAPTCHA
    assert len(audit_rows(demo)) == before
    assert candidate(demo, "wang2026").failed_logins == 0


def test_wrong_password_and_wrong_name_get_one_generic_answer(
    demo: Store, settings: Settings, clock: FakeClock
) -> None:
    wrong_pw = do_login(demo, settings, clock, password="Wrong#Pass2026")
    wrong_name = do_login(demo, settings, clock, chinese_name="王大明")
    assert wrong_pw.outcome is wrong_name.outcome is LoginOutcome.FAILED
    assert wrong_pw.message_key == wrong_name.message_key == accounts.GENERIC_LOGIN_FAILURE
    assert candidate(demo, "wang2026").failed_logins == 2


def test_unknown_account_that_passes_rules_goes_to_registration(
    demo: Store, settings: Settings, clock: FakeClock
) -> None:
    result = do_login(
        demo,
        settings,
        clock,
        account="brand.new.user",
        chinese_name="蕭心恬",
        password="Tq7#pLm2$Vx9",
    )
    assert result.outcome is LoginOutcome.REGISTER
    assert dict(result.prefill) == {
        "account": "brand.new.user",
        "chinese_name": "蕭心恬",
        "password": "Tq7#pLm2$Vx9",
    }
    assert audit_rows(demo)[-1].outcome == "register"


def test_unknown_account_breaking_rules_is_invalid(
    demo: Store, settings: Settings, clock: FakeClock
) -> None:
    result = do_login(demo, settings, clock, account="short", password="weak")
    assert result.outcome is LoginOutcome.INVALID
    assert set(result.field_errors) == {"account", "password"}


def test_lockout_grows_and_survives_a_restart(
    store_factory: StoreFactory, tmp_path: Path, clock: FakeClock
) -> None:
    settings = make_settings(tmp_path, lockout_threshold=3, lockout_base_seconds=60)
    store = store_factory.create()
    with store.session() as session:
        seed_demo(session, settings=settings)
    for _ in range(3):
        assert (
            do_login(store, settings, clock, password="Wrong#Pass2026").outcome
            is LoginOutcome.FAILED
        )
    first_lock = candidate(store, "wang2026").locked_until
    assert first_lock == clock.now + timedelta(seconds=60)
    store.dispose()

    restarted = store_factory.open()  # a new engine: the kiosk was restarted
    locked = do_login(restarted, settings, clock)
    assert locked.outcome is LoginOutcome.FAILED  # right password, still locked, same answer
    assert locked.message_key == accounts.GENERIC_LOGIN_FAILURE
    assert audit_rows(restarted)[-1].outcome == "locked"

    clock.advance(seconds=61)
    assert (
        do_login(restarted, settings, clock, password="Wrong#Pass2026").outcome
        is LoginOutcome.FAILED
    )
    second_lock = candidate(restarted, "wang2026").locked_until
    assert second_lock is not None and second_lock - clock.now == timedelta(seconds=120)
    clock.advance(seconds=121)
    assert do_login(restarted, settings, clock).outcome is LoginOutcome.OK
    assert candidate(restarted, "wang2026").locked_until is None


# ---------------------------------------------------------------- credential query → temp password


def query(store: Store, settings: Settings, clock: Callable[[], datetime], **values: str):
    base = dict(
        channel="email",
        national_id_text="F222333444",
        chinese_name="林美華",
        email="meihua.lin@example.com",
    )
    base.update(values)
    with store.session() as session:
        return accounts.query_credentials(
            session,
            captcha=captcha(),
            captcha_answer=base.pop("captcha", ANSWER),
            settings=settings,
            clock=clock,
            **base,  # type: ignore[arg-type]
        )


def temporary_password_from_outbox(settings: Settings) -> str:
    item = list_outbox(settings)[0]
    for token in item.body.replace("：", " ").replace(":", " ").split():
        if passwords_like(token):
            return token
    raise AssertionError(f"no temporary password in {item.body!r}")


def passwords_like(token: str) -> bool:
    return (
        len(token) >= 12
        and any(c.isupper() for c in token)
        and any(c.isdigit() for c in token)
        and any(c in "#$@?" for c in token)
    )


def test_group_candidate_first_login_through_credential_query(
    demo: Store, settings: Settings, clock: FakeClock
) -> None:
    assert (
        do_login(demo, settings, clock, account="linmeihua01", chinese_name="林美華").outcome
        is LoginOutcome.FAILED
    )  # no password yet
    result = query(demo, settings, clock, national_id_text=" f222333444 ")
    assert result.outcome is QueryOutcome.SENT
    temporary = temporary_password_from_outbox(settings)
    assert "linmeihua01" in list_outbox(settings)[0].body

    login = do_login(
        demo, settings, clock, account="linmeihua01", chinese_name="林美華", password=temporary
    )
    assert login.outcome is LoginOutcome.CHANGE_PASSWORD and login.change_ticket
    again = do_login(
        demo, settings, clock, account="linmeihua01", chinese_name="林美華", password=temporary
    )
    assert again.outcome is LoginOutcome.FAILED  # single use

    with demo.session() as session:
        bad = accounts.change_password(
            session,
            account="linmeihua01",
            new_password="short",
            new_password_confirm="short",
            change_ticket=login.change_ticket,
            settings=settings,
            clock=clock,
        )
    assert not bad.ok and "password" in bad.field_errors
    with demo.session() as session:
        reused = accounts.change_password(
            session,
            account="linmeihua01",
            new_password=temporary,
            new_password_confirm=temporary,
            change_ticket=login.change_ticket,
            settings=settings,
            clock=clock,
        )
    assert not reused.ok and "accounts.change.same" in reused.field_errors["password"]
    with demo.session() as session:
        changed = accounts.change_password(
            session,
            account="linmeihua01",
            new_password="Hsinchu#Kiosk77",
            new_password_confirm="Hsinchu#Kiosk77",
            change_ticket=login.change_ticket,
            settings=settings,
            clock=clock,
        )
    assert changed.ok and changed.next_step == "complete_profile"
    row = candidate(demo, "linmeihua01")
    assert row.change_ticket_hash is None and not row.must_change_password

    login = do_login(
        demo,
        settings,
        clock,
        account="linmeihua01",
        chinese_name="林美華",
        password="Hsinchu#Kiosk77",
    )
    assert login.outcome is LoginOutcome.COMPLETE_PROFILE
    assert login.candidate is not None
    with demo.session() as session:
        update = accounts.update_profile(
            session,
            candidate_id=login.candidate.id,
            settings=settings,
            clock=clock,
            changes={
                "gender": "F",
                "education": "04",
                "school": "國立臺灣科技大學",
                "department": "資訊管理系",
            },
        )
    assert update.ok, update.field_errors
    assert update.candidate is not None and update.candidate.english_surname == "LIN"
    login = do_login(
        demo,
        settings,
        clock,
        account="linmeihua01",
        chinese_name="林美華",
        password="Hsinchu#Kiosk77",
    )
    assert login.outcome is LoginOutcome.OK


def test_sms_temporary_password_expires_after_ten_minutes(
    demo: Store, settings: Settings, clock: FakeClock
) -> None:
    result = query(
        demo,
        settings,
        clock,
        channel="sms",
        national_id_text="H124680240",
        chinese_name="陳志豪",
        email="",
        mobile="0933-555-777",
    )
    assert result.outcome is QueryOutcome.SENT
    item = list_outbox(settings)[0]
    assert item.channel == "sms" and "ipas2023chen" in item.body
    temporary = temporary_password_from_outbox(settings)
    clock.advance(minutes=11)
    login = do_login(
        demo, settings, clock, account="ipas2023chen", chinese_name="陳志豪", password=temporary
    )
    assert login.outcome is LoginOutcome.FAILED


def test_unmatched_query_gives_the_same_answer_and_sends_nothing(
    demo: Store, settings: Settings, clock: FakeClock
) -> None:
    matched = query(demo, settings, clock)
    unmatched = query(demo, settings, clock, email="someone.else@example.com")
    unknown = query(demo, settings, clock, national_id_text="A223456781")
    assert matched.outcome == unmatched.outcome == unknown.outcome == QueryOutcome.SENT
    assert matched.message_key == unmatched.message_key == unknown.message_key
    assert len(list_outbox(settings)) == 1
    with demo.session() as session:
        deliveries = list(session.exec(select(Delivery)))
    assert [d.status for d in deliveries] == ["sent"]
    assert (
        "@" in deliveries[0].destination_masked
        and "meihua.lin" not in deliveries[0].destination_masked
    )
    assert [e.outcome for e in audit_rows(demo) if e.kind == "credential_query"] == [
        "sent",
        "unmatched",
        "unmatched",
    ]


def test_query_answer_is_padded_to_the_same_minimum_time(
    demo: Store, tmp_path: Path, clock: FakeClock
) -> None:
    settings = make_settings(tmp_path, query_min_seconds=0.4)
    for email in ("meihua.lin@example.com", "nobody@example.com"):
        started = time.monotonic()
        assert query(demo, settings, clock, email=email).outcome is QueryOutcome.SENT
        assert time.monotonic() - started >= 0.4


def test_a_slow_mail_server_does_not_delay_a_matched_answer(
    demo: Store, tmp_path: Path, clock: FakeClock
) -> None:
    """The answer comes back while the message is still on its way, then the delivery is
    logged when the sender is done (no timing threshold: the sender is held by an event)."""
    settings = make_settings(tmp_path, query_min_seconds=0.2)
    release, sent = threading.Event(), threading.Event()

    def stuck_sender(*args: object, **kwargs: object) -> object:
        from kiosk.core.delivery import send_credentials

        release.wait(30)
        result = send_credentials(*args, **kwargs)  # type: ignore[arg-type]
        sent.set()
        return result

    with demo.session() as session:
        answer = accounts.query_credentials(
            session,
            captcha=captcha(),
            captcha_answer=ANSWER,
            channel="email",
            national_id_text="F222333444",
            chinese_name="林美華",
            email="meihua.lin@example.com",
            settings=settings,
            clock=clock,
            send=stuck_sender,
        )
    assert answer.outcome is QueryOutcome.SENT and not sent.is_set()
    with demo.session() as session:
        assert session.exec(select(Delivery)).all() == []  # not out yet
    release.set()
    assert sent.wait(30)

    def logged() -> list[Delivery]:
        with demo.session() as session:
            return list(session.exec(select(Delivery)).all())

    deadline = time.monotonic() + 30
    while not logged() and time.monotonic() < deadline:
        time.sleep(0.02)
    (row,) = logged()
    assert (row.purpose, row.status, row.channel) == ("credentials", "sent", "email")
    assert temporary_password_from_outbox(settings)


def test_query_is_throttled_per_id_across_restarts(
    store_factory: StoreFactory, tmp_path: Path, clock: FakeClock
) -> None:
    settings = make_settings(tmp_path, query_limit=2)
    store = store_factory.create()
    for _ in range(2):
        assert query(store, settings, clock).outcome is QueryOutcome.SENT
    store.dispose()
    restarted = store_factory.open()
    assert query(restarted, settings, clock).outcome is QueryOutcome.THROTTLED
    clock.advance(seconds=settings.query_window_seconds + 1)
    assert query(restarted, settings, clock).outcome is QueryOutcome.SENT


def test_query_with_bad_input_or_captcha_changes_nothing(
    demo: Store, settings: Settings, clock: FakeClock
) -> None:
    assert query(demo, settings, clock, captcha="00000").outcome is QueryOutcome.CAPTCHA
    bad = query(demo, settings, clock, national_id_text="A123456780", email="not-an-email")
    assert bad.outcome is QueryOutcome.INVALID
    assert set(bad.field_errors) == {"national_id", "email"}
    assert list_outbox(settings) == []
    assert candidate(demo, "linmeihua01").temp_password_hash is None


def test_credential_query_by_email_through_a_real_smtp_server(
    demo: Store, tmp_path: Path, clock: FakeClock, smtp_factory: Callable[..., SmtpServer]
) -> None:
    server = smtp_factory()
    settings = make_settings(tmp_path, smtp_host="127.0.0.1", smtp_port=server.port)
    assert query(demo, settings, clock).outcome is QueryOutcome.SENT
    message = server.collector.parsed()
    assert message["To"] == "meihua.lin@example.com"
    body = message.get_content()
    assert "linmeihua01" in body
    temporary = next(token for token in body.replace("：", " ").split() if passwords_like(token))
    login = do_login(
        demo, settings, clock, account="linmeihua01", chinese_name="林美華", password=temporary
    )
    assert login.outcome is LoginOutcome.CHANGE_PASSWORD
    with demo.session() as session:
        delivery = session.exec(select(Delivery)).one()
    assert (delivery.transport, delivery.status) == ("smtp", "sent")


def test_failed_send_is_recorded_and_answered_the_same(
    demo: Store, tmp_path: Path, clock: FakeClock
) -> None:
    settings = make_settings(tmp_path, smtp_host="127.0.0.1", smtp_port=9, smtp_timeout=2)
    assert query(demo, settings, clock).outcome is QueryOutcome.SENT
    with demo.session() as session:
        delivery = session.exec(select(Delivery)).one()
    assert delivery.status == "failed" and delivery.error
    assert audit_rows(demo)[-1].outcome == "send_failed"


# ---------------------------------------------------------------- email query


def email_query(store: Store, settings: Settings, clock: Callable[[], datetime], **values: str):
    base = dict(account="wang2026", chinese_name="王小明", mobile="0912345678")
    base.update(values)
    with store.session() as session:
        return accounts.query_email(
            session,
            captcha=captcha(),
            captcha_answer=base.pop("captcha", ANSWER),
            settings=settings,
            clock=clock,
            **base,
        )


def test_email_query_shows_the_masked_email(
    demo: Store, settings: Settings, clock: FakeClock
) -> None:
    found = email_query(demo, settings, clock, mobile="+886912345678")
    assert found.outcome is QueryOutcome.FOUND
    assert found.masked_email.endswith("@example.com") and "xiaoming" not in found.masked_email
    assert email_query(demo, settings, clock, mobile="0912000000").outcome is QueryOutcome.NOT_FOUND
    assert (
        email_query(demo, settings, clock, chinese_name="王大明").outcome is QueryOutcome.NOT_FOUND
    )
    assert email_query(demo, settings, clock, captcha="1").outcome is QueryOutcome.CAPTCHA
    assert email_query(demo, settings, clock, mobile="12").outcome is QueryOutcome.INVALID


# ---------------------------------------------------------------- registration


def test_register_saves_a_row_with_a_hash_and_default_english_name(
    store: Store, settings: Settings, clock: FakeClock
) -> None:
    with store.session() as session:
        result = accounts.register(session, data=registration(), settings=settings, clock=clock)
    assert result.ok, result.field_errors
    row = candidate(store, "newcomer01")
    assert (row.english_surname, row.english_given_name) == ("JHANG", "JHIH-MING")
    assert row.password_hash and row.password_hash.startswith("$2")
    assert passwords.verify_password("Tq7#pLm2$Vx9", row.password_hash)
    assert row.origin == "self" and row.profile_complete
    assert (
        do_login(
            store,
            settings,
            clock,
            account="newcomer01",
            chinese_name="張志明",
            password="Tq7#pLm2$Vx9",
        ).outcome
        is LoginOutcome.OK
    )


def test_register_duplicates_are_answered_per_field(
    store: Store, settings: Settings, clock: FakeClock
) -> None:
    with store.session() as session:
        assert accounts.register(session, data=registration(), settings=settings, clock=clock).ok
    with store.session() as session:
        same_account = accounts.register(
            session,
            data=registration(account="NEWCOMER01", national_id="A123456789"),
            settings=settings,
            clock=clock,
        )
    assert not same_account.ok and same_account.field_errors == {
        "account": ["accounts.duplicate.account"]
    }
    with store.session() as session:
        same_id = accounts.register(
            session, data=registration(account="another01"), settings=settings, clock=clock
        )
    assert not same_id.ok and same_id.field_errors == {
        "national_id": ["accounts.duplicate.national_id"]
    }


def test_register_rejects_bad_fields_and_saves_nothing(
    store: Store, settings: Settings, clock: FakeClock
) -> None:
    data = registration(
        account="A123456789",
        national_id="A123456788",
        email="x@",
        mobile="0212345678",
        password="abc",
        password_confirm="abd",
        gender="",
        education="99",
    )
    with store.session() as session:
        result = accounts.register(session, data=data, settings=settings, clock=clock)
    assert not result.ok
    assert {
        "account",
        "national_id",
        "email",
        "mobile",
        "password",
        "password_confirm",
        "gender",
        "education",
    } <= set(result.field_errors)
    with store.session() as session:
        assert session.exec(select(Candidate)).first() is None


def test_foreign_resident_needs_a_resident_number(
    store: Store, settings: Settings, clock: FakeClock
) -> None:
    with store.session() as session:
        citizen_id = accounts.register(
            session, data=registration(nationality="foreign"), settings=settings, clock=clock
        )
    assert "national_id" in citizen_id.field_errors
    with store.session() as session:
        ok = accounts.register(
            session,
            data=registration(nationality="foreign", national_id="B812345672"),
            settings=settings,
            clock=clock,
        )
    assert ok.ok, ok.field_errors


def test_duplicate_registration_racing_from_two_threads(
    store: Store, settings: Settings, clock: FakeClock
) -> None:
    barrier = threading.Barrier(2)
    results: list[accounts.RegisterResult] = []

    def attempt(national: str) -> None:
        barrier.wait()
        with store.session() as session:
            results.append(
                accounts.register(
                    session,
                    data=registration(account="racer2026", national_id=national),
                    settings=settings,
                    clock=clock,
                )
            )

    threads = [
        threading.Thread(target=attempt, args=(nid,)) for nid in ("A223456781", "A123456789")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(r.ok for r in results) == [False, True]
    loser = next(r for r in results if not r.ok)
    assert loser.field_errors == {"account": ["accounts.duplicate.account"]}
    with store.session() as session:
        assert len(list(session.exec(select(Candidate)))) == 1


# ---------------------------------------------------------------- profile and password


def test_update_profile_keeps_account_and_id_and_audits_contact_changes(
    demo: Store, settings: Settings, clock: FakeClock
) -> None:
    row = candidate(demo, "wang2026")
    assert row.id is not None
    with demo.session() as session:
        refused = accounts.update_profile(
            session,
            candidate_id=row.id,
            settings=settings,
            clock=clock,
            changes={"account": "hacker", "national_id": "A223456781"},
        )
    assert not refused.ok and set(refused.field_errors) == {"account", "national_id"}
    with demo.session() as session:
        changed = accounts.update_profile(
            session,
            candidate_id=row.id,
            settings=settings,
            clock=clock,
            changes={"email": "new.mail@example.net", "mobile": "0987654321"},
        )
    assert changed.ok
    event = audit_rows(demo)[-1]
    assert event.kind == "profile" and "email" in event.detail and "mobile" in event.detail
    assert "new.mail" not in event.detail and "0987654321" not in event.detail
    assert candidate(demo, "wang2026").account == "wang2026"


def test_change_password_needs_the_current_one(
    demo: Store, settings: Settings, clock: FakeClock
) -> None:
    with demo.session() as session:
        denied = accounts.change_password(
            session,
            account="wang2026",
            current_password="Nope#Nope2026",
            new_password="Taipei#Kiosk101",
            new_password_confirm="Taipei#Kiosk101",
            settings=settings,
            clock=clock,
        )
    assert not denied.ok
    with demo.session() as session:
        ok = accounts.change_password(
            session,
            account="wang2026",
            current_password="Kiosk#Demo2026",
            new_password="Taipei#Kiosk101",
            new_password_confirm="Taipei#Kiosk101",
            settings=settings,
            clock=clock,
        )
    assert ok.ok and ok.next_step == "home"
    assert do_login(demo, settings, clock, password="Taipei#Kiosk101").outcome is LoginOutcome.OK


def test_audit_never_holds_a_password_or_full_id(
    demo: Store, settings: Settings, clock: FakeClock
) -> None:
    do_login(demo, settings, clock)
    do_login(demo, settings, clock, password="Wrong#Pass2026")
    query(demo, settings, clock)
    with demo.session() as session:
        accounts.register(session, data=registration(), settings=settings, clock=clock)
    text = " ".join(f"{e.account} {e.outcome} {e.detail}" for e in audit_rows(demo))
    for secret in ("Kiosk#Demo2026", "Wrong#Pass2026", "Tq7#pLm2$Vx9", "A223456781", "F222333444"):
        assert secret not in text


def test_audit_never_keeps_text_typed_as_an_unknown_account(
    demo: Store, settings: Settings, clock: FakeClock
) -> None:
    """A password typed into the account box passes the account rules: the audit keeps only a
    keyed hash of it, the same for the same text (so repeats show), never the text."""
    do_login(demo, settings, clock, account="Kiosk#Demo2026", password="x")
    do_login(demo, settings, clock, account="KIOSK#DEMO2026 ", password="y")
    do_login(demo, settings, clock, account="A987654321", password="x")
    do_login(demo, settings, clock)  # a real account is named
    seen = [e.account for e in audit_rows(demo) if e.kind == "login"]
    assert seen[0] == seen[1] != seen[2]
    assert all(a.startswith("？") and len(a) == 9 for a in seen[:3])
    assert not any("Kiosk" in a or "A98765" in a or "987654" in a for a in seen)
    assert seen[3] == "wang2026"


def test_a_temporary_password_wins_on_one_terminal_only(
    demo: Store, settings: Settings, clock: FakeClock
) -> None:
    query(demo, settings, clock)
    temporary = temporary_password_from_outbox(settings)
    barrier = threading.Barrier(2)
    outcomes: list[LoginOutcome] = []

    def attempt() -> None:
        barrier.wait()
        result = do_login(
            demo, settings, clock, account="linmeihua01", chinese_name="林美華", password=temporary
        )
        outcomes.append(result.outcome)

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == sorted([LoginOutcome.CHANGE_PASSWORD, LoginOutcome.FAILED])


def test_guessing_the_current_password_locks_the_account(
    demo: Store, tmp_path: Path, clock: FakeClock
) -> None:
    settings = make_settings(tmp_path, lockout_threshold=2)
    for _ in range(2):
        with demo.session() as session:
            denied = accounts.change_password(
                session,
                account="wang2026",
                current_password="Guess#Guess2026",
                new_password="Taipei#Kiosk101",
                new_password_confirm="Taipei#Kiosk101",
                settings=settings,
                clock=clock,
            )
        assert not denied.ok
    with demo.session() as session:
        right_but_locked = accounts.change_password(
            session,
            account="wang2026",
            current_password="Kiosk#Demo2026",
            new_password="Taipei#Kiosk101",
            new_password_confirm="Taipei#Kiosk101",
            settings=settings,
            clock=clock,
        )
    assert not right_but_locked.ok
    assert do_login(demo, settings, clock).outcome is LoginOutcome.FAILED


def test_every_failed_login_costs_the_same_bcrypt_work(
    demo: Store, settings: Settings, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unknown, wrong, temporary-pending and locked attempts all run bcrypt exactly twice."""
    calls: list[str] = []
    real = passwords.verify_password

    def counting(password: str, password_hash: str | None) -> bool:
        calls.append(password)
        return real(password, password_hash)

    monkeypatch.setattr(passwords, "verify_password", counting)
    query(demo, settings, clock)  # linmeihua01 now has a temporary password pending
    attempts = {
        "unknown": {"account": "nobody2026", "password": "Tq7#pLm2$Vx9"},
        "wrong": {"password": "Wrong#Pass2026"},
        "pending": {"account": "linmeihua01", "chinese_name": "林美華", "password": "Wrong#1"},
    }
    for name, values in attempts.items():
        calls.clear()
        do_login(demo, settings, clock, **values)
        assert len(calls) == 2, name
