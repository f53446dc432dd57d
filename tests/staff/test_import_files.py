"""Files a unit really sends: a workbook with an instructions sheet first (or the sheet named),
Big5 from an old Excel, a BOM, full-width ID numbers, merged title rows; and the preview paged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook
from textual.widgets import DataTable

from kiosk.core import group_import
from kiosk.core.accounts.profile import normalized_profile, profile_errors
from kiosk.core.group_import import RowOutcome, RowStatus
from kiosk.infra.config import Settings
from kiosk.infra.store import Store
from tests.screens.conftest import visible_text, wait_for
from tests.staff.test_import import BAD_ROWS, HEADER_ZH, good_row, make_id, staff_user, write_csv
from tests.staff.test_import_screen import check, host, paste_into, screen


def workbook(path: Path, *, instructions_first: bool = True) -> Path:
    book = Workbook()
    first = book.active
    assert first is not None
    if instructions_first:
        first.title = "填表說明"
        first.append(["請依下列欄位填寫，身分證號為必填"])
        first.append(["欄位", "說明"])
        first.append(["身分證號", "10 碼"])
        names = book.create_sheet("名單")
    else:
        first.title = "名單"
        names = first
    names.append(["國立清華大學 114 年度團體報名名單"])  # a merged title row
    names.merge_cells("A1:H1")
    names.append(HEADER_ZH)
    for n in (1, 2, 3):
        names.append(good_row(n))
    book.save(path)
    return path


def test_a_workbook_finds_the_sheet_with_the_header(store: Store, tmp_path: Path) -> None:
    path = workbook(tmp_path / "unit.xlsx")
    with store.session() as session:
        found = group_import.preview_file(session, path=path, unit="U")
        named = group_import.preview_file(session, path=path, unit="U", sheet="名單")
        wrong = group_import.preview_file(session, path=path, unit="U", sheet="填表說明")
        missing = group_import.preview_file(session, path=path, unit="U", sheet="Sheet9")
    assert not found.file_error and found.sheet == "名單" and found.ok == 3
    assert [row.line for row in found.rows] == [3, 4, 5]  # rows of the sheet, title and header
    assert named.ok == 3
    assert wrong.file_error == "group_import.file.columns"
    assert missing.file_error == "group_import.file.no_sheet"
    assert missing.file_error_values == {"name": "Sheet9", "sheets": "填表說明、名單"}


def test_a_workbook_without_a_header_names_its_sheets(store: Store, tmp_path: Path) -> None:
    book = Workbook()
    first = book.active
    assert first is not None
    first.title = "說明"
    first.append(["請填寫"])
    book.create_sheet("空白")
    path = tmp_path / "unit.xlsx"
    book.save(path)
    with store.session() as session:
        preview = group_import.preview_file(session, path=path, unit="U")
    assert preview.file_error == "group_import.file.columns_in_sheets"
    assert preview.file_error_values["sheets"] == "說明、空白"


def test_big5_bom_full_width_ids_and_title_rows(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    full_width = make_id(11).translate(str.maketrans("0123456789A", "０１２３４５６７８９Ａ"))
    rows = [good_row(10), [full_width, *good_row(11)[1:]]]
    big5 = tmp_path / "big5.csv"
    big5.write_bytes(
        ("某某大學團體報名名單,,,,,,,\n" + ",".join(HEADER_ZH) + "\n").encode("cp950")
        + "\n".join(",".join(r) for r in rows).encode("cp950")
    )
    bom = write_csv(tmp_path / "bom.csv", [good_row(12)], encoding="utf-8-sig")
    seen: list[RowOutcome] = []
    with store.session() as session:
        for path in (big5, bom):
            group_import.import_file(
                session,
                path=path,
                unit="U",
                staff=staff_user(store),
                settings=settings,
                on_row=seen.append,
            )
    assert [(row.line, row.status) for row in seen] == [
        (3, "created"),
        (4, "created"),
        (2, "created"),
    ]
    assert seen[1].national_id_masked == make_id(11)[:6] + "****"


def test_the_fast_completeness_is_the_profiles_own(tmp_path: Path) -> None:
    """check_row runs each rule once; what it says of completeness is profile_errors' answer."""
    fields = ("national_id", "chinese_name", "email", "mobile")
    fields += ("gender", "education", "school", "department")
    samples = [*BAD_ROWS, good_row(20), [make_id(21), "王大明", "", "0912345678", "", "", "", ""]]
    for n, sample in enumerate(samples):
        raw = dict(zip(fields, sample, strict=True))
        checked = group_import.check_row(n, raw, unit="U")
        if checked.check.status is not RowStatus.OK:
            continue
        values = checked.values
        expected = not profile_errors(normalized_profile(values), nationality=values["nationality"])
        assert checked.check.profile_complete is expected, raw


async def test_the_preview_pages_its_rows(tmp_path: Path) -> None:
    app = host(tmp_path, "en")
    rows = [good_row(n) for n in range(1, 2_401)] + [BAD_ROWS[1]]
    path = write_csv(tmp_path / "many.csv", rows)
    async with app.run_test(size=(80, 24)) as pilot:
        await check(pilot, path)
        table = pilot.app.screen.query_one("#rows", DataTable)
        assert table.row_count == 100
        assert "Page 1 of 25 (rows 1-100 of 2401)" in visible_text(pilot.app)
        assert str(table.get_row_at(0)[0]) == "2402"  # the bad row first
        await pilot.press("pagedown")
        await wait_for(pilot, lambda: "Page 2 of 25" in visible_text(pilot.app))
        assert str(table.get_row_at(0)[0]) == "101"  # line 101 is the 100th good row
        await pilot.press("f2")  # the language switch redraws one page
        await wait_for(pilot, lambda: "第 2 / 25 頁" in visible_text(pilot.app))
        assert table.row_count == 100
        await pilot.press("pageup", "pageup")
        await wait_for(pilot, lambda: "第 1 / 25 頁" in visible_text(pilot.app))
    app.store.dispose()


async def test_the_screen_reads_the_named_sheet(tmp_path: Path) -> None:
    app = host(tmp_path, "en")
    path = workbook(tmp_path / "unit.xlsx", instructions_first=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await paste_into(pilot, "#sheet", "填表說明")
        await check(pilot, path)
        assert "Required columns missing" in visible_text(pilot.app)
        screen(pilot).preview = None
        sheet: Any = pilot.app.screen.query_one("#sheet")
        sheet.value = ""
        button = pilot.app.screen.query_one("#preview")
        # a button ignores clicks while it still shows the last one (Textual's press effect)
        await wait_for(pilot, lambda: not button.has_class("-active"))
        await pilot.click("#preview")
        await wait_for(pilot, lambda: screen(pilot).preview is not None)
        assert 'Sheet "名單": 3 to create' in visible_text(pilot.app)
    app.store.dispose()


def test_mobile_numbers_are_stored_as_the_rules_store_them() -> None:
    from kiosk.core import rules

    for typed in (
        "0912-345-678",
        "+886 912 345 678",
        "０９１２３４５６７８",
        "912345678",
        "09 1234 5678",
    ):
        raw = {"national_id": make_id(30), "chinese_name": "王大明", "mobile": typed}
        checked = group_import.check_row(2, raw, unit="U")
        assert checked.check.status is RowStatus.OK, typed
        expected = rules.normalize_mobile(typed if typed != "912345678" else "0" + typed)
        assert checked.values["mobile"] == expected == "0912345678", typed
