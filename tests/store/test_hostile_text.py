"""No control, bidi, zero-width or NUL character is stored by any writer (issue 10, item 5): each
is refused with a field message in the user's language, or stripped where the portal would (a
staff reason is one line of plain text). Every refusal changes nothing."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from sqlmodel import select

from kiosk.core import accounts, audit, group_import
from kiosk.core.demo import seed_demo
from kiosk.core.exams import sessions as exam_sessions
from kiosk.core.helpdesk import actions as helpdesk_actions
from kiosk.core.helpdesk import staff_accounts
from kiosk.infra.config import Settings
from kiosk.infra.i18n import t
from kiosk.infra.store import Store
from kiosk.infra.tables import AuditEvent, Candidate, ExamSession, StaffUser
from tests.staff.conftest import add_staff, candidate_id
from tests.staff.test_import import good_row, write_csv
from tests.store.test_accounts import registration

HOSTILE = {
    "osc52": "\x1b]52;c;ZXZpbA==\x07",
    "csi": "\x1b[2J",
    "rlo": "\u202e",
    "lri": "\u2066",
    "zwj": "\u200d",
    "nul": "\x00",
}


@pytest.fixture
def desk_store(store: Store, settings: Settings) -> Store:
    with store.session() as session:
        seed_demo(session, settings=settings)
    add_staff(store, settings)
    return store


def stored(store: Store, account: str) -> Candidate | None:
    with store.session() as session:
        return session.exec(select(Candidate).where(Candidate.account_key == account)).first()


def test_the_message_is_in_both_languages() -> None:
    zh, en = t("accounts.unsafe_chars", "zh-TW"), t("accounts.unsafe_chars", "en")
    assert "控制字元" in zh and "control" in en


@pytest.mark.parametrize("bad", sorted(HOSTILE))
def test_registration_refuses_a_hostile_school(store: Store, settings: Settings, bad: str) -> None:
    with store.session() as session:
        result = accounts.register(
            session,
            data=registration(school="國立清華大學" + HOSTILE[bad]),
            settings=settings,
        )
    assert not result.ok
    assert result.field_errors["school"] == ["accounts.unsafe_chars"]
    assert stored(store, "newcomer01") is None


@pytest.mark.parametrize("field", ["department", "school", "english_surname", "email"])
def test_basic_data_refuses_hostile_text_and_keeps_the_old(
    store: Store, settings: Settings, field: str
) -> None:
    with store.session() as session:
        made = accounts.register(session, data=registration(), settings=settings)
    assert made.candidate is not None
    before = stored(store, "newcomer01")
    with store.session() as session:
        result = accounts.update_profile(
            session,
            candidate_id=made.candidate.id,
            changes={field: "資訊\u202e管理"},
            settings=settings,
        )
    assert not result.ok and result.field_errors[field] == ["accounts.unsafe_chars"]
    assert stored(store, "newcomer01") == before


def test_a_staff_correction_refuses_hostile_text(desk_store: Store, settings: Settings) -> None:
    with desk_store.session() as session:
        admin = staff_accounts.get_staff(session=session, account="bob.admin")
        assert admin is not None
        result = helpdesk_actions.correct_profile(
            session,
            staff=staff_accounts.StaffView.of(admin),
            candidate_id=candidate_id(desk_store, "wang2026"),
            changes={"school": "國立\u2066清華大學"},
            reason="考生來電更正學校",
            settings=settings,
        )
    assert not result.ok and result.field_errors["school"] == ["accounts.unsafe_chars"]
    wang = stored(desk_store, "wang2026")
    assert wang is not None and "\u2066" not in wang.school


def test_a_staff_reason_is_stripped_to_plain_text() -> None:
    assert helpdesk_actions.clean_reason("考生\x1b[31m來電\u202e\x00更正") == "考生 [31m來電 更正"


def test_group_import_refuses_a_hostile_cell(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    staff, _ = add_staff(store, settings)
    bad = good_row(1)
    bad[6] = "國立臺灣科技大學" + HOSTILE["osc52"]  # 學校名稱
    path = write_csv(tmp_path / "unit.csv", [bad, good_row(2)])
    with store.session() as session:
        preview = group_import.preview_file(session, path=path, unit="某某大學\u202e")
    reasons = [{r.field: r.key for r in row.reasons} for row in preview.rows]
    assert reasons[0]["school"] == "accounts.unsafe_chars"
    assert reasons[1]["group_unit"] == "accounts.unsafe_chars"  # the unit typed on the screen
    with store.session() as session:
        result = group_import.import_file(
            session, path=path, unit="某某大學", staff=staff, settings=settings
        )
    assert result.created == 1
    with store.session() as session:
        schools = list(session.exec(select(Candidate.school)))
    assert all("\x1b" not in school for school in schools)


def test_a_session_with_a_hostile_venue_is_refused(store: Store, settings: Settings) -> None:
    data = exam_sessions.NewSession(
        subject="資訊安全工程師",
        level="初級",
        starts_at=datetime(2027, 3, 1, 9),
        ends_at=datetime(2027, 3, 1, 11),
        venue="台北考場\x1b]8;;http://evil/\x07",
        address="台北市",
        seats=10,
        opens_at=datetime(2027, 1, 1, 9),
        closes_at=datetime(2027, 2, 1, 9),
        bring="准考證\u202e",
    )
    with store.session() as session:
        result = exam_sessions.add_session(session, data=data, settings=settings, actor="cli")
    assert not result.ok
    assert result.errors["venue"] == ["exams.add.unsafe_chars"]
    assert result.errors["bring"] == ["exams.add.unsafe_chars"]
    with store.session() as session:
        assert session.exec(select(ExamSession)).all() == []


def test_staff_add_refuses_a_hostile_account(store: Store, settings: Settings) -> None:
    with store.session() as session:
        result = staff_accounts.create_staff(
            session,
            account="amy\x00desk",
            role="helpdesk",
            password="Desk#Amy2026xx",
            settings=settings,
        )
    assert not result.ok and result.field_errors["account"] == ["accounts.unsafe_chars"]
    with store.session() as session:
        assert session.exec(select(StaffUser)).all() == []


def test_the_audit_keeps_a_visible_stand_in(store: Store) -> None:
    with store.session() as session:
        audit.record(
            session,
            kind="x",
            outcome="ok",
            terminal_id="t\x1b",
            at=datetime(2026, 12, 1),
            detail="reason=\x1b]52;c;ZXZpbA==\x07\u202e",
        )
    with store.session() as session:
        event = session.exec(select(AuditEvent)).one()
    assert event.detail == "reason=\ufffd]52;c;ZXZpbA==\ufffd\ufffd"
    assert event.terminal_id == "t\ufffd"


def test_the_sessions_command_refuses_a_hostile_venue(tmp_path: Path) -> None:
    env = {
        "IPAS_KIOSK_DATABASE_URL": f"sqlite:///{tmp_path / 'kiosk.db'}",
        "IPAS_KIOSK_OUTBOX_DIR": str(tmp_path / "outbox"),
        "IPAS_KIOSK_CONFIG_FILE": str(tmp_path / "none.toml"),
        "PATH": "/usr/bin:/bin",
    }
    run = [sys.executable, "-m", "kiosk"]
    subprocess.run([*run, "db", "upgrade"], env=env, check=True, capture_output=True)
    added = subprocess.run(
        [
            *run, "sessions", "add", "--subject", "資訊安全工程師", "--level", "初級",
            "--starts", "2027-03-01 09:00", "--ends", "2027-03-01 11:00", "--venue", "考場\x1b[2J",
            "--seats", "10", "--opens", "2027-01-01 09:00", "--closes", "2027-02-01 09:00",
        ],
        env=env,
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert added.returncode == 2, added.stderr
    assert "\x1b" not in added.stdout + added.stderr


def test_lone_surrogates_are_answered_not_raised(desk_store: Store, settings: Settings) -> None:
    """A paste can deliver a lone surrogate; SQLite cannot even encode one to look it up."""
    lone = "\ud800"
    wang = candidate_id(desk_store, "wang2026")
    with desk_store.session() as session:
        changed = accounts.change_password(
            session,
            account="wang2026" + lone,
            current_password="Kiosk#Demo2026",
            new_password="Taipei#Kiosk2027",
            new_password_confirm="Taipei#Kiosk2027",
            settings=settings,
        )
        updated = accounts.update_profile(
            session, candidate_id=wang, changes={"chinese_name": "王" + lone}, settings=settings
        )
        admin = staff_accounts.get_staff(session=session, account="bob.admin")
        assert admin is not None
        corrected = helpdesk_actions.correct_profile(
            session,
            staff=staff_accounts.StaffView.of(admin),
            candidate_id=wang,
            changes={"account": "wang" + lone},
            reason="test",
            settings=settings,
        )
    assert changed.field_errors["account"] == ["accounts.unsafe_chars"]
    assert updated.field_errors["chinese_name"] == ["accounts.unsafe_chars"]
    assert corrected.field_errors["account"] == ["accounts.unsafe_chars"]
