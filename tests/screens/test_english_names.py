"""English mode shows iPAS names as the official Chinese name with an English rendering, marked
as a translation where iPAS publishes none (issue 12, item 7); the data is in the assets."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from kiosk.core.exams import display_name
from kiosk.infra import assets
from kiosk.ui.kiosk.app import KioskApp
from tests.screens.conftest import page_built, screen_name, visible_text, wait_for
from tests.screens.test_candidate_area import at_home


def test_every_name_listed_has_a_rendering_and_no_row_is_made_up() -> None:
    names = {s.subject_zh for s in assets.subjects()}
    names |= {part for s in assets.subjects() for part in s.exam_parts}
    rows = assets._english_names()
    assert set(rows) == names  # one row per name of ipas-subjects.csv, no other
    for name_zh, english in rows.items():
        assert english.name_en.isascii() and english.name_en.strip(), name_zh
        assert not english.official  # none is published (DATA-SOURCES.md)


def test_a_name_reads_chinese_first_and_says_the_english_is_a_translation() -> None:
    assert display_name("AI應用規劃師", "zh-TW") == "AI應用規劃師"
    english = "AI應用規劃師 (AI Application Planner, translation)"
    assert display_name("AI應用規劃師", "en") == english
    assert display_name("某個未列出的名稱", "en") == "某個未列出的名稱"


@pytest.mark.parametrize("size", [(80, 24), (100, 32)])
async def test_english_pages_show_certification_and_part_names_with_their_rendering(
    app_factory: Callable[..., KioskApp], size: tuple[int, int]
) -> None:
    app = app_factory()
    async with app.run_test(size=size) as pilot:
        app.language = "en"
        await at_home(pilot)
        await pilot.click("#menu-scores")
        await wait_for(pilot, lambda: screen_name(pilot) == "ScoresScreen")
        await page_built(pilot)
        await wait_for(pilot, lambda: "AI應用規劃師" in visible_text(app))
        shown = visible_text(app)
        assert "AI應用規劃師 (AI Application Planner, translation)" in shown
        # each part's name too (lines wrap at 80 columns: count the marks)
        assert shown.count("translation)") >= 3, shown
        await pilot.press("f2")
        await wait_for(pilot, lambda: "AI應用規劃師 中級" in visible_text(app))
        assert "translation" not in visible_text(app) and "Planner" not in visible_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(pilot) == "CandidateHomeScreen")
        await pilot.press("f2")
        await pilot.click("#service-desks")
        await wait_for(pilot, lambda: screen_name(pilot) == "ServiceDesksScreen")
        await page_built(pilot)
        shown = visible_text(app)  # the name column wraps: the names' starts and their marks
        assert "無形資產評價管理師" in shown and "(Intangible Asset" in shown
        assert shown.count("translation)") >= 3, shown


async def test_re_check_boxes_wrap_the_rendering_and_keep_the_score_at_80x24(
    app_factory: Callable[..., KioskApp],
) -> None:
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        app.language = "en"
        await at_home(pilot)
        await pilot.click("#menu-recheck")
        await wait_for(pilot, lambda: screen_name(pilot) == "RecheckScreen")
        await page_built(pilot)
        await wait_for(pilot, lambda: "(82)" in visible_text(app))
        shown = visible_text(app)
        assert "人工智慧技術應用與規劃 (82) (AI Technology Application and" in shown
        assert "Planning, translation)" in shown  # the label's second line, not cut off
