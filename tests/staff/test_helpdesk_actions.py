"""Help-desk actions: each needs a reason, each writes an audit row with the staff account, and
a temporary password goes only into the candidate's message — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from kiosk.core import accounts
from kiosk.core.accounts import LoginOutcome
from kiosk.core.delivery import SendResult, list_outbox
from kiosk.core.helpdesk import actions as helpdesk_actions
from kiosk.core.helpdesk.staff_accounts import StaffView, get_staff
from kiosk.infra.config import Settings
from kiosk.infra.store import Store
from kiosk.infra.tables import AuditEvent, Candidate, Delivery, StaffUser
from tests.staff.conftest import ADMIN, DESK, FakeClock, candidate_id
from tests.store.test_accounts import captcha, temporary_password_from_outbox


def staff_view(store: Store, account: str) -> StaffView:
    with store.session() as session:
        row = get_staff(session=session, account=account)
        assert row is not None
        return StaffView.of(row)


def act(store: Store, action: Any, **values: Any) -> helpdesk_actions.ActionResult:
    with store.session() as session:
        result: helpdesk_actions.ActionResult = action(session, **values)
        return result


def events(store: Store, kind: str) -> list[AuditEvent]:
    with store.session() as session:
        return list(
            session.exec(select(AuditEvent).where(AuditEvent.kind == kind).order_by(AuditEvent.id))
        )


def candidate(store: Store, account: str) -> Candidate:
    with store.session() as session:
        row = session.exec(select(Candidate).where(Candidate.account_key == account)).one()
        return row


@pytest.fixture
def base(desk_store: Store, settings: Settings, clock: FakeClock) -> dict[str, Any]:
    return {"staff": staff_view(desk_store, DESK[0]), "settings": settings, "clock": clock}


def test_every_action_needs_a_reason(desk_store: Store, base: dict[str, Any]) -> None:
    wang = candidate_id(desk_store, "wang2026")
    lin = candidate_id(desk_store, "linmeihua01")  # a group candidate: it can be marked
    for action, who, extra in (
        (helpdesk_actions.unlock, wang, {}),
        (helpdesk_actions.mark_incomplete, lin, {}),
        (helpdesk_actions.resend_credentials, wang, {"channel": "email"}),
        (helpdesk_actions.correct_profile, wang, {"changes": {"school": "X"}}),
    ):
        result = act(desk_store, action, candidate_id=who, reason=" \t ", **base, **extra)
        assert not result.ok and result.message_key == "staff.reason.required"
    assert list_outbox(base["settings"]) == []
    assert candidate(desk_store, "wang2026").school == "國立臺灣大學"


def test_resend_by_email_sends_a_temporary_password_staff_never_see(
    desk_store: Store, base: dict[str, Any], settings: Settings, clock: FakeClock
) -> None:
    chen = candidate_id(desk_store, "linmeihua01")
    result = act(
        desk_store,
        helpdesk_actions.resend_credentials,
        candidate_id=chen,
        channel="email",
        reason="caller verified by phone",
        **base,
    )
    assert result.ok and result.values == {"to": "me****@example.com"}
    temporary = temporary_password_from_outbox(settings)
    assert "linmeihua01" in list_outbox(settings)[0].body
    assert temporary not in repr(result)
    (event,) = events(desk_store, "staff_resend")
    assert (event.staff, event.outcome, event.candidate_id) == (DESK[0], "sent", chen)
    assert "reason=caller verified by phone" in event.detail and temporary not in event.detail
    with desk_store.session() as session:
        sent = session.exec(select(Delivery)).one()
        assert (sent.destination_masked, sent.status) == ("me****@example.com", "sent")
        login = accounts.login(
            session,
            captcha=captcha(),
            captcha_answer="12345",
            account="linmeihua01",
            chinese_name="林美華",
            password=temporary,
            settings=settings,
            clock=clock,
        )
    assert login.outcome is LoginOutcome.CHANGE_PASSWORD


def test_resend_by_sms_and_the_missing_destination(
    desk_store: Store, base: dict[str, Any], settings: Settings
) -> None:
    chen = candidate_id(desk_store, "ipas2023chen")  # a mobile, no e-mail
    no_mail = act(
        desk_store,
        helpdesk_actions.resend_credentials,
        candidate_id=chen,
        channel="email",
        reason="asked for mail",
        **base,
    )
    assert not no_mail.ok and no_mail.message_key == "staff.resend.no_email"
    sms = act(
        desk_store,
        helpdesk_actions.resend_credentials,
        candidate_id=chen,
        channel="sms",
        reason="asked for SMS",
        **base,
    )
    assert sms.ok and sms.values == {"to": "0933***777"}
    assert [i.channel for i in list_outbox(settings)] == ["sms"]
    assert [e.outcome for e in events(desk_store, "staff_resend")] == ["no_destination", "sent"]


def test_resend_commits_the_password_with_its_audit_and_delivery_rows_before_sending(
    desk_store: Store, base: dict[str, Any]
) -> None:
    """While the message travels (and if the process dies then) the new password is never
    stored without a trace: a "pending" event and a "sending" delivery are committed with it."""
    wang = candidate_id(desk_store, "wang2026")
    seen: list[tuple[Any, ...]] = []

    def crashing(settings: Settings, **values: Any) -> SendResult:
        with desk_store.session() as other:  # another connection: only what was committed
            row = other.get(Candidate, wang)
            assert row is not None
            resends = select(AuditEvent).where(AuditEvent.kind == "staff_resend")
            outcomes = [e.outcome for e in other.exec(resends)]
            statuses = [d.status for d in other.exec(select(Delivery))]
            seen.append((bool(row.temp_password_hash), outcomes, statuses))
        raise RuntimeError("power cut")

    with pytest.raises(RuntimeError):
        act(
            desk_store,
            helpdesk_actions.resend_credentials,
            candidate_id=wang,
            channel="email",
            reason="caller verified",
            send=crashing,
            **base,
        )
    assert seen == [(True, ["pending"], ["sending"])]
    (event,) = events(desk_store, "staff_resend")
    assert event.outcome == "pending" and "to=xi****@example.com" in event.detail
    with desk_store.session() as session:
        (sent,) = session.exec(select(Delivery)).all()
    assert (sent.status, sent.destination_masked, sent.candidate_id) == (
        "sending",
        "xi****@example.com",
        wang,
    )


def test_a_failed_send_is_answered_and_recorded(desk_store: Store, base: dict[str, Any]) -> None:
    def broken(settings: Settings, **values: Any) -> SendResult:
        return SendResult(False, "email", "smtp", "xi****@example.com", "ConnectionRefusedError")

    result = act(
        desk_store,
        helpdesk_actions.resend_credentials,
        candidate_id=candidate_id(desk_store, "wang2026"),
        channel="email",
        reason="retry",
        send=broken,
        **base,
    )
    assert not result.ok and result.message_key == "staff.resend.failed"
    assert [e.outcome for e in events(desk_store, "staff_resend")] == ["send_failed"]


def test_unlock_clears_the_lock(desk_store: Store, base: dict[str, Any], clock: FakeClock) -> None:
    wang = candidate_id(desk_store, "wang2026")
    with desk_store.session() as session:
        row = session.get(Candidate, wang)
        assert row is not None
        row.failed_logins, row.locked_until = 7, clock() + timedelta(hours=1)
        session.add(row)
    result = act(
        desk_store, helpdesk_actions.unlock, candidate_id=wang, reason="id checked", **base
    )
    assert result.ok
    row = candidate(desk_store, "wang2026")
    assert (row.failed_logins, row.locked_until) == (0, None)
    (event,) = events(desk_store, "staff_unlock")
    assert event.staff == DESK[0] and event.detail == "failures=7; locked=yes; reason=id checked"


def test_an_id_number_in_a_reason_is_stored_masked(desk_store: Store, base: dict[str, Any]) -> None:
    wang = candidate_id(desk_store, "wang2026")
    reason = "card A123456789 seen; said f222333444, old Ａ８００００００１４ or B1 2345 6789"
    result = act(desk_store, helpdesk_actions.unlock, candidate_id=wang, reason=reason, **base)
    assert result.ok
    (event,) = events(desk_store, "staff_unlock")
    detail = event.detail
    assert "A12345****" in detail and "F22233****" in detail and "A80000****" in detail
    assert "B12345****" in detail
    for full in ("A123456789", "f222333444", "Ａ８００００００１４", "6789"):
        assert full not in detail


def test_mark_incomplete_only_for_group_candidates(desk_store: Store, base: dict[str, Any]) -> None:
    lin = candidate_id(desk_store, "linmeihua01")
    with desk_store.session() as session:
        row = session.get(Candidate, lin)
        assert row is not None
        row.profile_complete = True
        session.add(row)
    self_made = act(
        desk_store,
        helpdesk_actions.mark_incomplete,
        candidate_id=candidate_id(desk_store, "wang2026"),
        reason="wrong school",
        **base,
    )
    assert not self_made.ok and self_made.message_key == "staff.incomplete.not_group"
    group = act(
        desk_store, helpdesk_actions.mark_incomplete, candidate_id=lin, reason="unit asked", **base
    )
    assert group.ok and not candidate(desk_store, "linmeihua01").profile_complete
    assert [(e.outcome, e.staff) for e in events(desk_store, "staff_incomplete")] == [
        ("not_group", DESK[0]),
        ("ok", DESK[0]),
    ]


def test_helpdesk_corrects_fields_but_not_account_or_id(
    desk_store: Store, base: dict[str, Any]
) -> None:
    wang = candidate_id(desk_store, "wang2026")
    denied = act(
        desk_store,
        helpdesk_actions.correct_profile,
        candidate_id=wang,
        changes={"account": "wang2027", "email": "new.wang@example.com"},
        reason="typo",
        **base,
    )
    assert not denied.ok and denied.field_errors == {"account": ["staff.profile.admin_only"]}
    ok = act(
        desk_store,
        helpdesk_actions.correct_profile,
        candidate_id=wang,
        changes={"email": "new.wang@example.com", "mobile": "0911-222-333", "account": "wang2026"},
        reason="candidate moved",
        **base,
    )
    assert ok.ok, ok
    row = candidate(desk_store, "wang2026")
    assert (row.email, row.mobile) == ("new.wang@example.com", "0911222333")
    bad = act(
        desk_store,
        helpdesk_actions.correct_profile,
        candidate_id=wang,
        changes={"email": "not an address"},
        reason="typo",
        **base,
    )
    assert not bad.ok and "email" in bad.field_errors
    outcomes = [(e.outcome, e.staff) for e in events(desk_store, "staff_profile")]
    assert outcomes == [("denied", DESK[0]), ("ok", DESK[0]), ("invalid", DESK[0])]
    detail = events(desk_store, "staff_profile")[1].detail
    assert "email xi****@example.com->ne****@example.com" in detail
    assert "reason=candidate moved" in detail and "new.wang@" not in detail


def test_admin_changes_account_and_national_id_with_clear_duplicates(
    desk_store: Store, base: dict[str, Any]
) -> None:
    admin = {**base, "staff": staff_view(desk_store, ADMIN[0])}
    wang = candidate_id(desk_store, "wang2026")
    taken = act(
        desk_store,
        helpdesk_actions.correct_profile,
        candidate_id=wang,
        changes={"account": "LinMeiHua01", "national_id": "f222333444"},
        reason="merge request",
        **admin,
    )
    assert not taken.ok
    assert taken.field_errors == {
        "account": ["staff.profile.duplicate_account"],
        "national_id": ["staff.profile.duplicate_national_id"],
    }
    done = act(
        desk_store,
        helpdesk_actions.correct_profile,
        candidate_id=wang,
        changes={"account": "Wang2027", "national_id": "a223456781"},
        reason="ID card shows another number",
        **admin,
    )
    assert done.ok, done
    with desk_store.session() as session:
        row = session.get(Candidate, wang)
        assert row is not None
        assert (row.account, row.account_key, row.national_id) == (
            "Wang2027",
            "wang2027",
            "A223456781",
        )
    detail = events(desk_store, "staff_profile")[-1].detail
    assert "national_id A12345****->A22345****" in detail and "A223456781" not in detail
    assert "account wang2026->Wang2027" in detail
    assert "reason=ID card shows another number" in detail


def test_a_disabled_staff_account_is_refused(desk_store: Store, base: dict[str, Any]) -> None:
    with desk_store.session() as session:
        row = session.exec(select(StaffUser).where(StaffUser.account_key == DESK[0])).one()
        row.active = False
        session.add(row)
    result = act(
        desk_store,
        helpdesk_actions.unlock,
        candidate_id=candidate_id(desk_store, "wang2026"),
        reason="caller asked",
        **base,
    )
    assert not result.ok and result.message_key == "staff.action.denied"
    assert [e.outcome for e in events(desk_store, "staff_unlock")] == ["denied"]


def test_a_resend_says_it_replaced_the_outstanding_temporary_password(
    desk_store: Store, base: dict[str, Any], settings: Settings, clock: FakeClock
) -> None:
    """One temporary password at a time: the candidate's own query sent one; the help desk's
    resend replaces it, says so on the console and in the message, and only the newest works."""
    with desk_store.session() as session:
        accounts.query_credentials(
            session,
            captcha=captcha(),
            captcha_answer="12345",
            channel="email",
            national_id_text="F222333444",
            chinese_name="林美華",
            email="meihua.lin@example.com",
            settings=settings,
            clock=clock,
        )
    first = temporary_password_from_outbox(settings)
    own = list_outbox(settings)[0].body
    assert "忘記帳號或密碼" in own and "已取代先前寄出的所有臨時密碼" in own
    clock.advance(minutes=5)
    lin = candidate_id(desk_store, "linmeihua01")
    resent = act(
        desk_store,
        helpdesk_actions.resend_credentials,
        candidate_id=lin,
        channel="email",
        reason="caller did not get the mail",
        **base,
    )
    assert resent.ok and resent.message_key == "staff.resend.sent_email_replaced"
    newest = list_outbox(settings)[0].body
    assert "服務台人員" in newest and "已取代先前寄出的所有臨時密碼" in newest
    second = temporary_password_from_outbox(settings)
    assert second != first
    assert events(desk_store, "staff_resend")[-1].detail.count("replaced=yes") == 1

    def login(password: str) -> LoginOutcome:
        with desk_store.session() as session:
            return accounts.login(
                session,
                captcha=captcha(),
                captcha_answer="12345",
                account="linmeihua01",
                chinese_name="林美華",
                password=password,
                settings=settings,
                clock=clock,
            ).outcome

    assert login(first) is LoginOutcome.FAILED
    assert login(second) is LoginOutcome.CHANGE_PASSWORD
    again = act(
        desk_store,
        helpdesk_actions.resend_credentials,
        candidate_id=candidate_id(desk_store, "ipas2023chen"),
        channel="sms",
        reason="first time",
        **base,
    )
    assert again.message_key == "staff.resend.sent_sms"  # nothing outstanding: nothing replaced
