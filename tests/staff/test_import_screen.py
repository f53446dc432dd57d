"""Pilot tests of the group import screen on a small host app (the staff console pushes the same
screen from its search page): preview with bad rows and reasons, import with the progress bar,
a repeated import, the language switch."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from sqlmodel import func, select
from textual import events
from textual.app import App
from textual.binding import Binding, BindingType
from textual.pilot import Pilot
from textual.reactive import reactive
from textual.widgets import Button, DataTable, Input, ProgressBar, Static

from kiosk.infra.config import Settings
from kiosk.infra.store import Store
from kiosk.infra.tables import AuditEvent, Candidate
from kiosk.ui.staff.import_screen import GroupImportScreen
from tests.conftest import make_settings
from tests.screens.conftest import visible_text, wait_for
from tests.staff.test_import import (
    BAD_ROWS,
    HEADER_ZH,
    good_file,
    good_row,
    staff_user,
    write_csv,
)


class Host(App[None]):
    """Just enough of a staff console: the language (F2) and the screen pushed on mount."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("f2", "toggle_language", priority=True)]
    language: reactive[str] = reactive("zh-TW", init=False)

    def __init__(self, store: Store, settings: Settings, language: str = "zh-TW") -> None:
        super().__init__()
        self.store = store
        self.settings = settings
        self.set_reactive(Host.language, language)
        self.seen: list[Any] = []

    def on_mount(self) -> None:
        self.push_screen(GroupImportScreen(self.store, self.settings, staff_user(self.store)))

    def action_toggle_language(self) -> None:
        self.language = "en" if self.language == "zh-TW" else "zh-TW"

    def watch_language(self, language: str) -> None:
        for screen in self.screen_stack:
            for widget in screen.query("*"):
                apply = getattr(widget, "apply_language", None)
                if apply is not None:
                    apply(language)
            apply = getattr(screen, "apply_language", None)
            if apply is not None:
                apply(language)


def host(tmp_path: Path, language: str = "zh-TW") -> Host:
    store = Store(f"sqlite:///{tmp_path / 'kiosk.db'}")
    store.upgrade()
    return Host(store, make_settings(tmp_path), language)


def screen(pilot: Pilot[Any]) -> GroupImportScreen:
    current = pilot.app.screen
    assert isinstance(current, GroupImportScreen)
    return current


async def paste_into(pilot: Pilot[Any], selector: str, text: str) -> None:
    """What a help-desk user does with a path: paste it into the box."""
    widget = pilot.app.screen.query_one(selector, Input)
    widget.focus()
    widget.post_message(events.Paste(text))
    await wait_for(pilot, lambda: widget.value == text)


def message(pilot: Pilot[Any]) -> str:
    return str(pilot.app.screen.query_one("#message", Static).render())


def table_rows(pilot: Pilot[Any]) -> list[list[str]]:
    table = pilot.app.screen.query_one("#rows", DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def candidates(store: Store) -> int:
    with store.session() as session:
        return session.exec(select(func.count()).select_from(Candidate)).one()


async def check(pilot: Pilot[Any], path: Path, unit: str = "國立臺灣科技大學") -> None:
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, GroupImportScreen))
    await paste_into(pilot, "#path", str(path))
    await paste_into(pilot, "#unit", unit)
    await pilot.click("#preview")
    await wait_for(pilot, lambda: screen(pilot).preview is not None, timeout=60)


async def test_preview_shows_each_bad_row_and_why(tmp_path: Path) -> None:
    app = host(tmp_path, "en")
    path = write_csv(tmp_path / "bad.csv", BAD_ROWS)
    async with app.run_test(size=(80, 24)) as pilot:
        assert pilot.app.screen.query_one("#import", Button).disabled
        await check(pilot, path)
        assert message(pilot) == "2 to create, 0 already present, 5 bad rows"
        rows = table_rows(pilot)
        assert [r[0] for r in rows] == ["3", "4", "5", "6", "7", "2", "8"]  # bad rows first
        assert rows[0][1] == "A12345****"  # masked
        assert rows[0][3] == "Bad: ID number: wrong check digit"
        assert rows[2][3] == (
            "Bad: E-mail: neither an e-mail nor a mobile number: one is needed to receive the"
            " account"
        )
        assert rows[4][3] == "Bad: ID number: duplicates line 2"
        assert rows[5][3] == "OK"
        # the highlighted bad row's reasons, whole, under the table
        table = pilot.app.screen.query_one("#rows", DataTable)
        table.focus()
        await pilot.press("down", "down", "down")
        reasons = pilot.app.screen.query_one("#reasons", Static)
        await wait_for(pilot, lambda: str(reasons.render()).startswith("6: "))
        text = str(reasons.render())
        for label in ("E-mail", "Mobile number", "Gender", "Education"):
            assert label in text
        assert not pilot.app.screen.query_one("#import", Button).disabled
        assert candidates(app.store) == 0  # the preview wrote nothing

        await pilot.press("f2")  # the whole table follows the language
        await wait_for(pilot, lambda: table_rows(pilot)[4][3] == "有誤：身分證號：與第 2 列重複")
        assert message(pilot) == "可新增 2 筆，已存在 0 筆，有誤 5 筆"
    app.store.dispose()


async def test_columns_the_import_does_not_use_are_named(tmp_path: Path) -> None:
    app = host(tmp_path, "en")
    path = write_csv(tmp_path / "unit.csv", [[*good_row(1), "x"]], header=[*HEADER_ZH, "電郵備註"])
    async with app.run_test(size=(80, 24)) as pilot:
        await check(pilot, path)
        assert message(pilot) == (
            "1 to create, 0 already present, 0 bad rows; columns ignored: 電郵備註"
        )
    app.store.dispose()


async def test_file_problems_are_shown_not_raised(tmp_path: Path) -> None:
    app = host(tmp_path, "en")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, GroupImportScreen))
        await pilot.click("#preview")
        assert message(pilot) == "Please enter the path of a CSV or XLSX file"
        await check(pilot, tmp_path / "missing.csv")
        assert message(pilot) == "File not found: missing.csv"
        assert pilot.app.screen.query_one("#import", Button).disabled
    app.store.dispose()


async def test_import_ten_thousand_rows_with_progress_then_again(tmp_path: Path) -> None:
    app = host(tmp_path, "en")
    path = good_file(tmp_path / "big.csv", 10_000)
    progress_seen: list[float] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await check(pilot, path)
        assert message(pilot) == "10000 to create, 0 already present, 0 bad rows"
        # a page of the rows, not all of them
        assert pilot.app.screen.query_one("#rows", DataTable).row_count == 100
        assert "Page 1 of 100 (rows 1-100 of 10000)" in visible_text(pilot.app)
        bar = pilot.app.screen.query_one("#progress", ProgressBar)
        assert not bar.display

        def watch() -> bool:
            progress_seen.append(bar.progress)
            return screen(pilot).result is not None

        await pilot.click("#import")
        assert bar.display
        await wait_for(pilot, watch, timeout=120)
        assert bar.total == 10_000 and bar.progress == 10_000
        assert any(0 < p < 10_000 for p in progress_seen)  # it moved while the import ran
        assert message(pilot) == "Import done: 10000 created, 0 already present, 0 bad rows skipped"
        assert pilot.app.screen.query_one("#import", Button).disabled
        assert candidates(app.store) == 10_000

        # the same file again: everything is already present, nothing to import
        screen(pilot).preview = None
        await pilot.click("#preview")
        await wait_for(pilot, lambda: screen(pilot).preview is not None, timeout=60)
        # a clean re-check: nothing is wrong with the file, and nothing asks to fix it
        assert message(pilot) == (
            "All 10000 candidates of the file are in the system already: nothing to import"
        )
        assert table_rows(pilot)[0][3] == "Already present"
        assert pilot.app.screen.query_one("#import", Button).disabled
    assert candidates(app.store) == 10_000
    with app.store.session() as session:
        events_ = session.exec(select(AuditEvent).where(AuditEvent.kind == "group_import")).all()
    assert [(e.staff, e.outcome) for e in events_] == [("desk01", "ok")]
    app.store.dispose()


async def test_changing_the_file_after_the_check_needs_a_new_check(tmp_path: Path) -> None:
    app = host(tmp_path)
    path = good_file(tmp_path / "unit.csv", 3)
    async with app.run_test(size=(80, 24)) as pilot:
        await check(pilot, path)
        button = pilot.app.screen.query_one("#import", Button)
        assert not button.disabled
        pilot.app.screen.query_one("#path", Input).focus()
        await pilot.press("end", "x")
        await wait_for(pilot, lambda: button.disabled)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(pilot.app.screen, GroupImportScreen))
    assert candidates(app.store) == 0
    app.store.dispose()


async def test_values_from_the_file_are_shown_literally(tmp_path: Path) -> None:
    app = host(tmp_path, "en")
    path = write_csv(
        tmp_path / "odd.csv",
        [["A123456788", "[b]林[/b]\x1b[31m", "a@school.example.edu.tw", "", "", "", "", ""]],
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await check(pilot, path)
        assert table_rows(pilot)[0][2] == "[b]林[/b][31m"  # markup as typed, escape dropped
    app.store.dispose()
