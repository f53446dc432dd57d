"""Every use case fed hostile text: an answer every time, never an exception, and nothing
invisible or controlling stored (issue 10, items 5 and 6).

The text mixes what a stranger at a kiosk can deliver — paste, an IME, a barcode scanner, a
terminal that forwards escape sequences — with values that reach the deeper paths (demo accounts,
names, valid ID numbers). ``make test`` runs a short pass; ``make probe`` runs 10,000 cases each
and prints the figures in bench/README.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import select

from kiosk.core import accounts, exams, group_import, helpdesk, text_safety
from kiosk.core.accounts import Registration
from kiosk.core.demo import seed_demo
from kiosk.core.exams import sessions as exam_sessions
from kiosk.core.helpdesk import actions as helpdesk_actions
from kiosk.core.helpdesk import staff_accounts
from kiosk.core.helpdesk.staff_accounts import StaffView
from kiosk.infra.config import Settings
from kiosk.infra.store import Store
from kiosk.infra.tables import AuditEvent, Candidate, ExamSession, StaffUser
from tests.conftest import make_settings

ANSWER = "12345"
HOSTILE = [
    "\x00",
    "\x1b",
    "\x1b[2J",
    "\x1b]52;c;ZXZpbA==\x07",
    "\x9b",
    "\x7f",
    "\u202e",
    "\u2066",
    "\u200d",
    "\ufeff",
    "\u2028",
    "\ud800",
    "\udfff",
    "\n",
    "\t",
    "\r",
    "\u3000",
    "＃",
    "Ａ",
    "[b]",
    "[/]",
    "=cmd|' /C calc'!A0",
    "'",
    '"',
    ";",
    "%",
    "\\",
]
PLAUSIBLE = [
    "wang2026",
    "linmeihua01",
    "王小明",
    "林美華",
    "Kiosk#Demo2026",
    "F222333444",
    "A123456789",
    "B812345672",
    "meihua.lin@example.com",
    "0933555777",
    "0912345678",
    "國立清華大學",
    "資訊管理學系",
    "04",
    "M",
    "F",
    "TW",
    "foreign",
]

pieces = st.one_of(
    st.sampled_from(HOSTILE),
    st.sampled_from(PLAUSIBLE),
    st.text(st.characters(exclude_categories=()), max_size=6),  # surrogates included
)
joined = st.lists(pieces, max_size=8).map("".join)
huge = st.builds(
    lambda part, n: part * n, st.sampled_from(HOSTILE + PLAUSIBLE), st.integers(200, 20_000)
)
text = st.one_of(st.sampled_from(PLAUSIBLE), joined, huge, st.text(max_size=30))


class FixedCaptcha:
    """Any answer is right: the fuzz is about what comes after the captcha."""

    def verify(self, _text: str) -> bool:
        return True


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, Settings, StaffView]]:
    folder = tmp_path_factory.mktemp("fuzz")
    settings = make_settings(
        folder,
        lockout_threshold=1_000_000,
        place_failure_threshold=1_000_000,
        query_limit=1_000_000,
    )
    store = Store(f"sqlite:///{folder / 'kiosk.db'}")
    store.upgrade()
    with store.session() as session:
        seed_demo(session, settings=settings)
        staff_accounts.create_staff(
            session,
            account="fuzz.admin",
            role="admin",
            password="Fuzz#Admin2026x",
            settings=settings,
        )
    with store.session() as session:
        row = session.exec(select(StaffUser)).one()
        staff = StaffView.of(row)
    yield store, settings, staff
    assert_nothing_hostile_stored(store)
    store.dispose()


def assert_nothing_hostile_stored(store: Store) -> None:
    with store.session() as session:
        for model in (Candidate, AuditEvent, ExamSession):
            for row in session.exec(select(model)):
                for name, value in row.model_dump().items():
                    if isinstance(value, str) and name != "password_hash":
                        assert not text_safety.has_unsafe(value), (model.__name__, name, value[:80])


def candidate_ids(store: Store) -> list[int]:
    with store.session() as session:
        return [i for i in session.exec(select(Candidate.id)) if i is not None]


@given(account=text, chinese_name=text, password=text)
def test_login(world, account: str, chinese_name: str, password: str) -> None:
    store, settings, _ = world
    with store.session() as session:
        result = accounts.login(
            session,
            captcha=FixedCaptcha(),
            captcha_answer=ANSWER,
            account=account,
            chinese_name=chinese_name,
            password=password,
            settings=settings,
        )
    assert isinstance(result, accounts.LoginResult)


@given(values=st.fixed_dictionaries({name: text for name in Registration.__dataclass_fields__}))
def test_register(world, values: dict[str, str]) -> None:
    store, settings, _ = world
    with store.session() as session:
        result = accounts.register(session, data=Registration(**values), settings=settings)
    assert isinstance(result, accounts.RegisterResult)


@given(
    changes=st.dictionaries(
        st.sampled_from([*accounts.PROFILE_FIELDS, "account", "bogus"]), text, max_size=5
    )
)
def test_update_profile(world, changes: dict[str, str]) -> None:
    store, settings, _ = world
    with store.session() as session:
        result = accounts.update_profile(
            session, candidate_id=candidate_ids(store)[0], changes=changes, settings=settings
        )
    assert isinstance(result, accounts.UpdateResult)


@given(
    account=text,
    current=st.one_of(st.none(), text),
    new=text,
    confirm=text,
    ticket=st.one_of(st.none(), text),
)
def test_change_password(
    world, account: str, current: str | None, new: str, confirm: str, ticket: str | None
) -> None:
    store, settings, _ = world
    with store.session() as session:
        result = accounts.change_password(
            session,
            account=account,
            new_password=new,
            new_password_confirm=confirm,
            current_password=current,
            change_ticket=ticket,
            settings=settings,
        )
    assert isinstance(result, accounts.ChangePasswordResult)


@given(channel=st.sampled_from(["email", "sms"]), nid=text, name=text, email=text, mobile=text)
def test_query_credentials(world, channel, nid: str, name: str, email: str, mobile: str) -> None:
    store, settings, _ = world
    with store.session() as session:
        result = accounts.query_credentials(
            session,
            captcha=FixedCaptcha(),
            captcha_answer=ANSWER,
            channel=channel,
            national_id_text=nid,
            chinese_name=name,
            email=email,
            mobile=mobile,
            settings=settings,
        )
    assert isinstance(result, accounts.QueryResult)


@given(account=text, name=text, mobile=text)
def test_query_email(world, account: str, name: str, mobile: str) -> None:
    store, settings, _ = world
    with store.session() as session:
        result = accounts.query_email(
            session,
            captcha=FixedCaptcha(),
            captcha_answer=ANSWER,
            account=account,
            chinese_name=name,
            mobile=mobile,
            settings=settings,
        )
    assert isinstance(result, accounts.QueryResult)


@given(account=text, password=text)
def test_staff_login(world, account: str, password: str) -> None:
    store, settings, _ = world
    with store.session() as session:
        result = staff_accounts.staff_login(
            session, account=account, password=password, settings=settings
        )
    assert isinstance(result, staff_accounts.StaffResult)


@given(account=text, password=text, role=st.sampled_from(["helpdesk", "admin", "root"]))
def test_create_staff(world, account: str, password: str, role: str) -> None:
    store, settings, _ = world
    with store.session() as session:
        result = staff_accounts.create_staff(
            session, account=account, role=role, password=password, settings=settings
        )
    assert isinstance(result, staff_accounts.StaffResult)


@given(query=text)
def test_search(world, query: str) -> None:
    store, settings, staff = world
    with store.session() as session:
        result = helpdesk.search(session, query=query, audit_as=staff, settings=settings)
    assert isinstance(result, helpdesk.SearchResult)


@given(
    candidate=text,
    staff_text=text,
    kind=text,
    day_from=st.one_of(st.none(), st.dates(date(2000, 1, 1), date(2100, 1, 1))),
    day_text=text,
)
def test_audit_log(
    world, candidate: str, staff_text: str, kind: str, day_from, day_text: str
) -> None:
    store, settings, staff = world
    parsed = helpdesk.parse_day(day_text)
    with store.session() as session:
        result = helpdesk.audit_log(
            session,
            filters=helpdesk.AuditFilter(candidate, staff_text, kind, day_from, parsed or None),
            staff=staff,
            settings=settings,
        )
    assert isinstance(result, helpdesk.AuditLog)


@given(
    action=st.sampled_from(["unlock", "mark_incomplete", "correct", "resend"]),
    reason=text,
    changes=st.dictionaries(
        st.sampled_from([*helpdesk_actions.EDITABLE_FIELDS, "bogus"]), text, max_size=4
    ),
    channel=st.sampled_from(["email", "sms"]),
)
def test_helpdesk_actions(
    world, action: str, reason: str, changes: dict[str, str], channel
) -> None:
    store, settings, staff = world
    target = candidate_ids(store)[1]
    with store.session() as session:
        if action == "unlock":
            result = helpdesk_actions.unlock(
                session, staff=staff, candidate_id=target, reason=reason, settings=settings
            )
        elif action == "mark_incomplete":
            result = helpdesk_actions.mark_incomplete(
                session, staff=staff, candidate_id=target, reason=reason, settings=settings
            )
        elif action == "correct":
            result = helpdesk_actions.correct_profile(
                session,
                staff=staff,
                candidate_id=target,
                changes=changes,
                reason=reason,
                settings=settings,
            )
        else:
            result = helpdesk_actions.resend_credentials(
                session,
                staff=staff,
                candidate_id=target,
                channel=channel,
                reason=reason,
                settings=settings,
            )
    assert isinstance(result, helpdesk_actions.ActionResult)


@given(
    venue=text,
    address=text,
    bring=text,
    subject=st.one_of(text, st.sampled_from([c.subject for c in exams.subject_choices()])),
    seats=st.integers(-5, 10_000),
)
def test_add_session(world, venue: str, address: str, bring: str, subject: str, seats: int) -> None:
    store, settings, _ = world
    start = datetime(2027, 3, 1, 9, 0)
    data = exam_sessions.NewSession(
        subject=subject,
        level="初級",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        venue=venue,
        address=address,
        seats=seats,
        opens_at=start - timedelta(days=30),
        closes_at=start - timedelta(days=7),
        bring=bring,
    )
    with store.session() as session:
        result = exam_sessions.add_session(session, data=data, settings=settings, actor="fuzz")
    assert isinstance(result, exam_sessions.AddSessionResult)


BOMS = [b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"]
HEADER = "身分證號,中文姓名,電子郵件,手機號碼,團報單位\n"


@given(
    bom=st.sampled_from(BOMS),
    body=st.one_of(st.binary(max_size=400), text.map(lambda s: s.encode("utf-8", "surrogatepass"))),
    keep_header=st.booleans(),
    unit=text,
    dry_run=st.booleans(),
)
def test_group_import(
    world, tmp_path_factory, bom: bytes, body: bytes, keep_header: bool, unit: str, dry_run: bool
) -> None:
    store, settings, staff = world
    path = tmp_path_factory.mktemp("unit") / "unit.csv"
    path.write_bytes(bom + (HEADER.encode() if keep_header else b"") + body)
    with store.session() as session:
        preview = group_import.preview_file(session, path=path, unit=unit)
    assert isinstance(preview, group_import.Preview)
    with store.session() as session:
        result = group_import.import_file(
            session, path=path, unit=unit, staff=staff, settings=settings, dry_run=dry_run
        )
    assert isinstance(result, group_import.ImportResult)
