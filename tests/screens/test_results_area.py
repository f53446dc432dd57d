"""成績查詢, 成績複查申請, 線上繳件申請 and 團體報名 at the terminal: driven with keys and clicks at
80x24 and 100x32, asserted on what is on screen and in the database (demo data seeded)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len
from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import Button

from kiosk.core.demo import SAMPLE_PDF
from kiosk.infra.store import Store, get_candidate_by_account
from kiosk.infra.tables import AuditEvent, RecheckApplication, RegistrationDocument
from kiosk.ui.kiosk.app import KioskApp
from kiosk.ui.kiosk.home import CandidateHomeScreen
from tests.screens.conftest import screen_name, visible_text, wait_for
from tests.screens.test_candidate_area import at_home, view_of
from tests.screens.test_registration import press_button

NEW_MENUS = {
    "menu-scores": "ScoresScreen",
    "menu-recheck": "RecheckScreen",
    "menu-documents": "DocumentsScreen",
    "menu-group": "GroupRegistrationScreen",
}
SIZES = [(80, 24), (100, 32)]


def loaded(pilot: Pilot[Any]) -> bool:
    return screen_name(pilot) != "" and bool(getattr(pilot.app.screen, "loaded", True))


async def click_visible(pilot: Pilot[Any], selector: str) -> None:
    """Scroll the widget into view, then click it (a click lands only on what is on screen)."""
    widget = pilot.app.screen.query_one(selector)
    widget.scroll_visible(animate=False)
    body = pilot.app.screen.query_one("#body")
    await wait_for(pilot, lambda: body.region.contains_region(widget.region))
    if isinstance(widget, Button):
        await wait_for(pilot, lambda: not widget.disabled and not widget.has_class("-active"))
    assert await pilot.click(selector)


async def open_page(pilot: Pilot[Any], menu: str, *, click: bool = False) -> None:
    if click:
        await click_visible(pilot, f"#{menu}")
    else:
        await press_button(pilot, f"#{menu}")
    await wait_for(pilot, lambda: screen_name(pilot) == NEW_MENUS[menu] and loaded(pilot))


@pytest.mark.parametrize("size", SIZES)
async def test_the_new_menus_open_by_click_and_escape_returns_home(
    app_factory: Callable[..., KioskApp], size: tuple[int, int]
) -> None:
    app = app_factory()
    async with app.run_test(size=size) as pilot:
        await at_home(pilot)
        body = app.screen.query_one("#body")
        assert body.max_scroll_x == 0
        for menu in NEW_MENUS:
            button = app.screen.query_one(f"#{menu}", Button)
            assert cell_len(str(button.label)) <= button.content_region.width, menu
            await open_page(pilot, menu, click=True)
            assert app.screen.query_one("#body").max_scroll_x == 0
            await pilot.press("escape")
            await wait_for(pilot, lambda: screen_name(pilot) == "CandidateHomeScreen")
        await pilot.press("f2")  # English labels fit too
        await wait_for(pilot, lambda: "Scores" in visible_text(app))
        for menu in NEW_MENUS:
            button = app.screen.query_one(f"#{menu}", Button)
            assert cell_len(str(button.label)) <= button.content_region.width, menu


async def test_scores_show_each_released_part_the_result_and_the_certificate(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await at_home(pilot)
        await open_page(pilot, "menu-scores")
        shown = visible_text(app)
        assert "AI應用規劃師 中級" in shown and "淨零碳規劃管理師 初級" in shown
        assert "人工智慧技術應用與規劃：82 分（及格 70 分）通過" in shown
        assert "淨零碳規劃管理基礎概論：68 分（及格 70 分）未通過" in shown
        assert "證書字號：iPAS-" in shown
        assert shown.count("證書字號") == 1  # the failed result has none
        assert "結果：未通過" in shown and "結果：通過" in shown
        await pilot.press("f2")
        await wait_for(pilot, lambda: "Result: Not passed" in visible_text(app))
        assert "(pass mark 70) Passed" in visible_text(app)
        await press_button(pilot, "#back")
        await wait_for(pilot, lambda: screen_name(pilot) == "CandidateHomeScreen")


async def test_a_candidate_without_released_results_sees_none(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await at_home(pilot, "maria.santos")
        await open_page(pilot, "menu-scores")
        assert "目前沒有已公布的成績。" in visible_text(app)
        assert "王小明" not in visible_text(app) and "iPAS-" not in visible_text(app)


@pytest.mark.parametrize("size", SIZES)
async def test_recheck_ticked_by_click_and_key_shows_the_fee_and_applies_once(
    app_factory: Callable[..., KioskApp], size: tuple[int, int]
) -> None:
    app = app_factory()
    async with app.run_test(size=size) as pilot:
        await at_home(pilot)
        await open_page(pilot, "menu-recheck")
        assert "複查費每科 NT$200" in visible_text(app)
        assert "繳費方式：請洽服務電話 03-5917544" in visible_text(app)
        results = app.screen.results  # type: ignore[attr-defined]
        ai = next(r for r in results if r.session.subject == "淨零碳規劃管理師")
        first, second = (f"#part-{p.score_id}" for p in ai.parts)
        await click_visible(pilot, first)  # a click ticks one
        fee = app.screen.query_one("#recheck-fee")
        await wait_for(pilot, lambda: "已勾選 1 科，複查費共 NT$200。" in str(fee.render()))
        box = app.screen.query_one(second)
        box.focus()
        await wait_for(pilot, lambda: app.focused is box)
        await pilot.press("enter")  # the keyboard ticks the other
        await wait_for(pilot, lambda: "已勾選 2 科，複查費共 NT$400。" in str(fee.render()))
        await pilot.press("space")  # and unticks it
        await wait_for(pilot, lambda: "已勾選 1 科" in str(fee.render()))
        await click_visible(pilot, "#recheck-submit")
        await wait_for(pilot, lambda: screen_name(pilot) == "ConfirmScreen")
        assert "淨零碳規劃管理基礎概論（68 分）" in visible_text(app)
        assert "複查費共 NT$200" in visible_text(app)
        await pilot.click("#confirm-yes")
        await wait_for(
            pilot, lambda: "已送出 1 科成績複查申請，複查費共 NT$200。" in visible_text(app)
        )
        await wait_for(pilot, lambda: not app.screen.query(first))  # applied: no box any more
        body = app.screen.query_one("#body")
        status = app.screen.query_one(f"#status-{ai.parts[0].score_id}")
        status.scroll_visible(animate=False)
        await wait_for(pilot, lambda: body.region.contains_region(status.region))
        assert "淨零碳規劃管理基礎概論：已申請，等候複查" in visible_text(app)
    with app.store.session() as session:
        rows = session.exec(select(RecheckApplication)).all()
    assert [(r.old_score, r.fee, r.status) for r in rows] == [(68, 200, "submitted")]


async def test_recheck_with_nothing_ticked_says_so_and_writes_nothing(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await at_home(pilot)
        await open_page(pilot, "menu-recheck")
        await press_button(pilot, "#recheck-submit")
        await wait_for(pilot, lambda: "請先勾選要複查的科目。" in visible_text(app))
        assert screen_name(pilot) == "RecheckScreen"
    with app.store.session() as session:
        assert session.exec(select(RecheckApplication)).all() == []


def sources(app: KioskApp) -> Path:
    return Path(app.settings.document_sources[0])


@pytest.mark.parametrize("size", SIZES)
async def test_documents_picked_from_the_source_are_submitted_and_shown_under_review(
    app_factory: Callable[..., KioskApp], size: tuple[int, int]
) -> None:
    app = app_factory()
    async with app.run_test(size=size) as pilot:
        await at_home(pilot)
        await open_page(pilot, "menu-documents")
        assert "AIoT應用工程師 初級" in visible_text(app)
        assert "學歷證明：尚未繳交" in visible_text(app)
        (button,) = app.screen.query("#documents Button").results(Button)
        await click_visible(pilot, f"#{button.id}")
        await wait_for(pilot, lambda: screen_name(pilot) == "FilePickerScreen")
        await wait_for(pilot, lambda: app.screen.loaded)  # type: ignore[attr-defined]
        assert SAMPLE_PDF in visible_text(app)
        await pilot.press("enter")  # the newest file is highlighted
        await wait_for(pilot, lambda: "文件已繳交，請等候審核。" in visible_text(app))
        await wait_for(pilot, lambda: "學歷證明：已繳交，審核中" in visible_text(app))
        assert not app.screen.query("#documents Button")  # nothing more to submit
    with app.store.session() as session:
        (row,) = session.exec(select(RegistrationDocument)).all()
        event = session.exec(select(AuditEvent).where(AuditEvent.kind == "document_submit")).one()
    assert row.status == "submitted" and row.media_type == "application/pdf"
    assert row.sha256 is not None
    kept = Path(app.settings.documents_dir) / row.sha256[:2] / row.sha256
    assert kept.read_bytes() == (sources(app) / SAMPLE_PDF).read_bytes()
    assert event.outcome == "submitted" and SAMPLE_PDF not in event.detail


async def test_a_file_that_is_not_what_its_name_says_is_refused(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory()
    fake = sources(app) / "成績單.pdf"
    fake.write_text("這不是 PDF", encoding="utf-8")
    fresh = fake.stat().st_mtime + 60
    import os

    os.utime(fake, (fresh, fresh))  # the newest: listed first
    async with app.run_test(size=(80, 24)) as pilot:
        await at_home(pilot)
        await open_page(pilot, "menu-documents")
        await press_button(pilot, "#submit-" + "-".join(_pending(app)))
        await wait_for(pilot, lambda: screen_name(pilot) == "FilePickerScreen")
        await wait_for(pilot, lambda: app.screen.loaded)  # type: ignore[attr-defined]
        await pilot.press("enter")
        await wait_for(pilot, lambda: "只接受 PDF、JPEG 或 PNG 檔" in visible_text(app))
        assert "學歷證明：尚未繳交" in visible_text(app)
        # Escape closes the picker without a choice, then goes home from the page
        await press_button(pilot, "#submit-" + "-".join(_pending(app)))
        await wait_for(pilot, lambda: screen_name(pilot) == "FilePickerScreen")
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(pilot) == "DocumentsScreen")
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(pilot) == "CandidateHomeScreen")
    with app.store.session() as session:
        (row,) = session.exec(select(RegistrationDocument)).all()
    assert row.status == "missing" and row.sha256 is None


def _pending(app: KioskApp) -> tuple[str, str]:
    (item,) = app.screen.items  # type: ignore[attr-defined]
    (doc,) = item.documents
    return str(doc.registration_id), doc.kind


async def test_in_a_browser_the_page_says_files_cannot_be_uploaded(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory(source="127.0.0.1")  # as `ipas-kiosk serve` starts each app process
    async with app.run_test(size=(80, 24)) as pilot:
        await at_home(pilot)
        await open_page(pilot, "menu-documents")
        assert "瀏覽器連線無法從您的電腦上傳檔案" in visible_text(app)
        assert "學歷證明：尚未繳交" in visible_text(app)
        assert not app.screen.query("#documents Button")


async def test_group_registration_says_how_and_shows_the_candidates_unit(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory()
    with app.store.session() as session:  # a group candidate who completed the basic data
        row = get_candidate_by_account(session=session, account="linmeihua01")
        assert row is not None
        row.profile_complete = True
        session.add(row)
    async with app.run_test(size=(80, 24)) as pilot:
        await at_home(pilot, "linmeihua01")
        await open_page(pilot, "menu-group")
        assert "您的團報單位：國立臺灣科技大學" in visible_text(app)
        assert "團報單位驗證碼" in visible_text(app)
        await pilot.press("f2")
        await wait_for(pilot, lambda: "Your group unit: 國立臺灣科技大學" in visible_text(app))


async def test_an_unreachable_database_gives_a_message_on_the_new_menus(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory()
    wang = view_of(app, "wang2026")
    app.store.dispose()
    app._store = Store("postgresql://nobody@127.0.0.1:1/none")
    async with app.run_test(size=(80, 24)) as pilot:
        app.signed_in(wang)
        await app.push_screen(CandidateHomeScreen())
        await wait_for(pilot, lambda: screen_name(pilot) == "CandidateHomeScreen")
        for menu in ("menu-scores", "menu-recheck", "menu-documents"):
            await press_button(pilot, f"#{menu}")
            await wait_for(pilot, lambda m=menu: screen_name(pilot) == NEW_MENUS[m])
            await wait_for(pilot, lambda: "資料庫" in visible_text(app), timeout=20)
            await pilot.press("escape")
            await wait_for(pilot, lambda: screen_name(pilot) == "CandidateHomeScreen")


async def test_a_rejected_document_shows_the_reason_and_may_be_sent_again(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory()
    with app.store.session() as session:  # as staff left it: rejected, with a reason
        row = session.exec(select(RegistrationDocument)).one()
        row.status, row.reason, row.sha256, row.size = (
            "rejected",
            "影本模糊，請重新掃描",
            "0" * 64,
            1,
        )
        row.media_type = "image/png"
        session.add(row)
    async with app.run_test(size=(80, 24)) as pilot:
        await at_home(pilot)
        await open_page(pilot, "menu-documents")
        assert "學歷證明：退件" in visible_text(app)
        assert "退件原因：影本模糊，請重新掃描" in visible_text(app)
        await press_button(pilot, "#submit-" + "-".join(_pending(app)))
        await wait_for(pilot, lambda: screen_name(pilot) == "FilePickerScreen")
        await wait_for(pilot, lambda: app.screen.loaded)  # type: ignore[attr-defined]
        await pilot.press("enter")
        await wait_for(pilot, lambda: "學歷證明：已繳交，審核中" in visible_text(app))
        assert "退件原因" not in visible_text(app)
