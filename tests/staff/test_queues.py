"""The console's queues (issue 14): re-check applications (F8) and submitted documents (F4),
opened by key and by click, decided with a reason, audited with the staff account; what is on
screen and what is in the database."""

from __future__ import annotations

from typing import Any

from sqlmodel import select
from textual.widgets import Input

from kiosk.core import documents, results
from kiosk.core.demo import SAMPLE_PDF
from kiosk.core.documents import files
from kiosk.core.results import recheck
from kiosk.infra.i18n import t
from kiosk.infra.tables import ExamRegistration, RegistrationDocument
from kiosk.ui.staff.app import StaffApp
from tests.screens.conftest import screen_name, visible_text, wait_for
from tests.staff.conftest import candidate_id
from tests.staff.test_console import audit_rows, signed_in, type_into

REQUIRED = t("staff.reason.required", "zh-TW")


def recheck_applied(app: StaffApp, part: str = "淨零碳規劃管理基礎概論") -> None:
    """wang2026 applies for a re-check of the demo's failed part, as at the kiosk."""
    wang = candidate_id(app.store, "wang2026")
    with app.store.session() as session:
        found = results.list_results(session, candidate_id=wang, settings=app.settings)
        score_id = next(p.score_id for r in found for p in r.parts if p.part == part)
        assert recheck.apply(
            session, candidate_id=wang, score_ids=[score_id], settings=app.settings
        ).ok


def document_submitted(app: StaffApp) -> int:
    """wang2026 submits the demo's sample PDF for the 待補件 registration; its id."""
    wang = candidate_id(app.store, "wang2026")
    stored = files.take(app.settings, 0, SAMPLE_PDF).stored
    assert stored is not None
    with app.store.session() as session:
        registration = session.exec(
            select(ExamRegistration)
            .where(ExamRegistration.candidate_id == wang)
            .where(ExamRegistration.status == "documents_pending")
        ).one()
        assert registration.id is not None
        assert documents.submit(
            session,
            candidate_id=wang,
            registration_id=registration.id,
            kind="education_proof",
            stored=stored,
            settings=app.settings,
        ).ok
        return registration.id


async def test_f8_opens_the_recheck_queue_and_a_correction_is_decided(
    staff_app_factory: Any,
) -> None:
    app: StaffApp = staff_app_factory()
    recheck_applied(app)
    async with app.run_test(size=(100, 32)) as pilot:
        await signed_in(pilot)
        await pilot.press("f8")
        await wait_for(pilot, lambda: screen_name(pilot) == "RecheckQueueScreen")
        await wait_for(pilot, lambda: "淨零碳規劃管理基礎概論" in visible_text(app))
        assert "共 1 筆待處理" in visible_text(app) and "wang2026" in visible_text(app)
        await pilot.click("#recheck-correct")
        await wait_for(pilot, lambda: screen_name(pilot) == "CorrectScoreScreen")
        await type_into(pilot, "#new-score", "101")
        await pilot.click("#confirm")
        await wait_for(pilot, lambda: "更正後的分數須為 0 到 100 的整數" in visible_text(app))
        app.screen.query_one("#new-score", Input).value = ""
        await type_into(pilot, "#new-score", "72")
        await pilot.click("#confirm")  # no reason yet: asked for, nothing decided
        await wait_for(pilot, lambda: REQUIRED in visible_text(app))
        assert screen_name(pilot) == "CorrectScoreScreen"
        await type_into(pilot, "#reason", "rescored the answer sheet")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "已完成複查：成績更正為 72 分" in visible_text(app))
        await wait_for(pilot, lambda: "目前沒有待處理的項目" in visible_text(app))
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(pilot) == "SearchScreen")
    (event,) = audit_rows(app, "recheck_decide")
    assert event.outcome == "corrected" and event.staff == "amy.desk"
    assert "score=68->72" in event.detail and "reason=rescored the answer sheet" in event.detail
    with app.store.session() as session:
        found = results.list_results(
            session, candidate_id=candidate_id(app.store, "wang2026"), settings=app.settings
        )
    (net_zero,) = [r for r in found if r.session.subject == "淨零碳規劃管理師"]
    assert net_zero.passed and net_zero.certificate_number  # 72 and 75 now pass


async def test_the_recheck_queue_by_click_decides_the_score_stands(
    staff_app_factory: Any,
) -> None:
    app: StaffApp = staff_app_factory()
    recheck_applied(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in(pilot)
        await pilot.click("#recheck-queue")
        await wait_for(pilot, lambda: screen_name(pilot) == "RecheckQueueScreen")
        await wait_for(pilot, lambda: "共 1 筆待處理" in visible_text(app))
        await pilot.click("#recheck-unchanged")
        await wait_for(pilot, lambda: screen_name(pilot) == "ReasonScreen")
        await type_into(pilot, "#reason", "checked twice")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "已完成複查：成績無誤" in visible_text(app))
    (event,) = audit_rows(app, "recheck_decide")
    assert event.outcome == "unchanged" and event.staff == "amy.desk"


async def test_f4_reviews_documents_and_the_last_acceptance_registers(
    staff_app_factory: Any,
) -> None:
    app: StaffApp = staff_app_factory()
    registration = document_submitted(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await signed_in(pilot)
        await pilot.press("f4")
        await wait_for(pilot, lambda: screen_name(pilot) == "DocumentQueueScreen")
        await wait_for(pilot, lambda: "學歷證明" in visible_text(app))
        shown = visible_text(app)
        assert "PDF" in shown and "AIoT應用工程師 初級" in shown
        with app.store.session() as session:
            row = session.exec(select(RegistrationDocument)).one()
        assert row.sha256 is not None and row.sha256 in "".join(visible_text(app).split())
        await pilot.click("#document-reject")
        await wait_for(pilot, lambda: screen_name(pilot) == "ReasonScreen")
        await type_into(pilot, "#reason", "unreadable scan")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "文件已退件" in visible_text(app))
        await wait_for(pilot, lambda: "目前沒有待處理的項目" in visible_text(app))
        with app.store.session() as session:
            row = session.exec(select(RegistrationDocument)).one()
            assert (row.status, row.reason) == ("rejected", "unreadable scan")
            reg = session.get(ExamRegistration, registration)
            assert reg is not None and reg.status == "documents_pending"
        document_submitted(app)  # sent again from the kiosk
        await pilot.click("#refresh")
        await wait_for(pilot, lambda: "共 1 筆待處理" in visible_text(app))
        await pilot.click("#document-accept")
        await wait_for(pilot, lambda: screen_name(pilot) == "ReasonScreen")
        await type_into(pilot, "#reason", "matches the records")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "文件已審核通過" in visible_text(app))
    with app.store.session() as session:
        reg = session.get(ExamRegistration, registration)
        assert reg is not None and reg.status == "registered"
    outcomes = [(e.outcome, e.staff) for e in audit_rows(app, "document_decide")]
    assert outcomes == [("rejected", "amy.desk"), ("accepted", "amy.desk")]
