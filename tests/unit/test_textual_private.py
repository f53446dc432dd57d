"""kiosk.ui.textual_private: every private thing of Textual and Rich the kiosk relies on is still
where it looks for it (an upgrade that moves one fails here, loudly)."""

from __future__ import annotations

import pytest
from rich.cells import cell_len
from textual._styles_cache import StylesCache
from textual.color import Color

from kiosk.ui.textual_private import PRIVATE_CACHES, forget_rendered_text, private_cache


@pytest.mark.parametrize(("module", "path"), PRIVATE_CACHES)
def test_every_cache_it_empties_still_exists(module: str, path: str) -> None:
    """Fails loudly after an upgrade that moved one: find where it went, update the list."""
    assert private_cache(module, path) is not None, f"{module}.{path} is gone"


def test_a_missing_cache_is_skipped_not_a_crash() -> None:
    assert private_cache("textual._styles_cache", "StylesCache.no_such_cache") is None
    assert private_cache("no_such_module_here", "cache") is None


def test_forgetting_empties_what_drawing_text_filled() -> None:
    cell_len("wang.xiaoming@example.com")
    StylesCache().get_inner_outer(Color(1, 2, 3), Color(4, 5, 6))
    caches = [private_cache(module, path) for module, path in PRIVATE_CACHES]
    assert all(cache.cache_info().currsize > 0 for cache in caches)
    forget_rendered_text()
    assert [cache.cache_info().currsize for cache in caches] == [0] * len(caches)


def test_the_overridden_private_members_still_exist_where_they_are_overridden() -> None:
    """Each override replaces a member of Textual's class: gone, the override would silently do
    nothing (a bullet drawn for a password, a layout on every key)."""
    from textual.reactive import Reactive
    from textual.widgets import Input
    from textual.widgets._toggle_button import ToggleButton

    from kiosk.ui.textual_private import CURSOR_BLINK, QuietVirtualSize

    assert isinstance(Input.__dict__.get("_value"), property), "Input._value"
    assert isinstance(ToggleButton.__dict__.get("_button"), property), "ToggleButton._button"
    size = Input.__mro__[1:]  # virtual_size is declared on a base of Input (ScrollView/Widget)
    assert any(isinstance(cls.__dict__.get("virtual_size"), Reactive) for cls in size)
    assert QuietVirtualSize.__dict__["virtual_size"]._layout is False
    owner, name = CURSOR_BLINK
    assert callable(getattr(owner, name, None)), f"{owner.__name__}.{name}"


async def test_an_app_that_crashed_keeps_its_exception_where_the_log_reads_it() -> None:
    from textual.app import App

    from kiosk.ui.textual_private import crash_of

    class Crashing(App[None]):
        def on_mount(self) -> None:
            raise RuntimeError("boom")

    app = Crashing()
    with pytest.raises(RuntimeError):  # run_test re-raises it; `ipas-kiosk run` logs it
        async with app.run_test():
            pass
    assert isinstance(crash_of(app), RuntimeError)


async def test_a_password_box_draws_stars_and_toggles_draw_ascii() -> None:
    from textual.app import App, ComposeResult

    from kiosk.ui.widgets.field import KioskInput
    from kiosk.ui.widgets.toggles import NarrowCheckbox, NarrowRadioButton
    from tests.screens.conftest import visible_text

    class Boxes(App[None]):
        def compose(self) -> ComposeResult:
            yield KioskInput("Secret#2026", password=True, id="pw")
            yield NarrowCheckbox("show", value=True)
            yield NarrowRadioButton("one", value=True)

    app = Boxes()
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        shown = visible_text(app)
    assert "*" * 11 in shown and "Secret" not in shown and "•" not in shown
    assert "[X]" in shown and "(*)" in shown and "▐" not in shown


async def test_the_test_helpers_read_select_and_table_internals() -> None:
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable, Select

    from kiosk.ui.textual_private import select_values, table_is_sized
    from tests.screens.conftest import wait_for

    class Both(App[None]):
        def compose(self) -> ComposeResult:
            yield Select([("one", 1), ("two", 2)], id="pick")
            yield DataTable(id="table")

    app = Both()
    async with app.run_test() as pilot:
        assert select_values(app.query_one(Select)) == [Select.NULL, 1, 2]  # the blank first
        table = app.query_one(DataTable)
        table.add_column("x")
        table.add_row("a")
        assert not table_is_sized(table)  # rows given, not yet laid out
        await wait_for(pilot, lambda: table_is_sized(table))
