"""Picker: a text box that suggests names from a list as the candidate types (學校名稱, 系所名稱).

The lists in ``kiosk/assets`` are incomplete by nature, so this is a combo box, not a drop-down:
any text is accepted and the list only helps. The ``Input`` keeps the field's id (``#school``), so
its value is the answer; the suggestions are the ``OptionList`` ``#<id>-options`` below it, shown
while the picker has focus and there is something to suggest.

Keys: typing filters; down moves from the box into the list; enter or a click fills the box with
the highlighted name; up on the first name or escape returns to the box; tab leaves the picker
(never into its list).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, TypeGuard

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import Input, OptionList

from kiosk.infra import assets
from kiosk.ui.widgets.field import LabelledField
from kiosk.ui.widgets.scrolling import show_region
from kiosk.ui.widgets.text import current_language


@dataclass(frozen=True)
class Choice:
    """A listed name: ``value`` goes into the box (and the database); ``english`` helps find it."""

    value: str
    english: str = ""


def find(choices: Sequence[Choice], text: str, limit: int) -> list[Choice]:
    """Choices matching ``text``: the Chinese name (臺 and 台 alike), then the names ``text``
    abbreviates (台大, 清大: ``assets.search_abbreviation``), then the English name."""
    by_value = {choice.value: choice for choice in choices}
    names = tuple(by_value)
    found: list[str] = []
    for variant in dict.fromkeys((text, text.replace("台", "臺"), text.replace("臺", "台"))):
        found += [name for name in assets.search(names, variant, limit) if name not in found]
    if len(found) < limit:
        found += [n for n in assets.search_abbreviation(names, text, limit) if n not in found]
    parts = text.lower().split()
    if parts and text.isascii():
        found += [
            choice.value
            for choice in choices
            if choice.english
            and choice.value not in found
            and all(part in choice.english.lower() for part in parts)
        ]
    return [by_value[name] for name in found[:limit]]


def _scrolls(widget: object) -> TypeGuard[Widget]:
    return isinstance(widget, Widget) and widget.styles.overflow_y in ("auto", "scroll")


class _Suggestions(OptionList):
    """The picker's list: up from the first name and escape go back to the box."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", show=False)]

    def action_cursor_up(self) -> None:
        if self.highlighted in (None, 0):
            self.action_back()
        else:
            super().action_cursor_up()

    def action_back(self) -> None:
        parent = self.parent
        if isinstance(parent, Picker):
            self.screen.set_focus(parent.input)


class Picker(LabelledField):
    """A :class:`LabelledField` whose box suggests names from ``choices`` (loaded on first use).

    Free text is always accepted; choosing a suggestion only fills the box, which posts the usual
    ``Input.Changed``.
    """

    DEFAULT_CSS = """
    Picker { layout: vertical; }
    Picker > .picker-row { layout: grid; grid-size: 2; grid-columns: 20 1fr; grid-rows: auto;
                           height: auto; }
    Picker > .picker-row > .field-error { column-span: 2; color: $error; text-style: bold;
                                          padding: 0 0 0 20; height: auto; }
    Picker > .picker-row > .field-error.-empty { display: none; }
    Picker > .picker-options { height: auto; max-height: 6; width: 1fr; max-width: 70;
                               margin: 0 0 0 20; border: none; padding: 0; background: $panel;
                               overlay: screen; constrain: none inflect; }
    Picker > .picker-options:focus { background: $panel; }
    """
    """The list is an overlay: drawn over the rows below, it displaces nothing, so closing it
    when the focus leaves (a click on 存檔 below it) moves nothing under the pointer. An overlay
    needs a vertical parent (a grid lays out every child), so the field's own grid is a row
    inside the picker."""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "open_list", "Suggestions", show=False),
        Binding("tab", "leave", "Next field", show=False),
    ]
    LIMIT: ClassVar[int] = 6

    def __init__(
        self, input_id: str, label_key: str, *, choices: Callable[[], Sequence[Choice]], **kw: Any
    ) -> None:
        kw.setdefault("placeholder_key", "ui.picker.placeholder")
        super().__init__(input_id, label_key, **kw)
        self._load = choices
        self._choices: Sequence[Choice] | None = None
        self._shown: list[Choice] = []
        self._chosen = ""

    def compose(self) -> ComposeResult:
        yield Container(*super().compose(), classes="picker-row")
        options = _Suggestions(id=f"{self.input_id}-options", classes="picker-options")
        options.display = False
        yield options

    @property
    def options(self) -> OptionList:
        return self.query_one(f"#{self.input_id}-options", OptionList)

    @property
    def choices(self) -> Sequence[Choice]:
        if self._choices is None:
            self._choices = tuple(self._load())
        return self._choices

    @property
    def is_open(self) -> bool:
        return self.options.display

    def _focus_inside(self) -> bool:
        focused = self.screen.focused
        return focused is not None and focused in (self.input, self.options)

    def _open(self, found: list[Choice]) -> None:
        english = current_language() == "en"
        prompts = []
        for choice in found:
            prompt = Text(choice.value, no_wrap=True, overflow="ellipsis")
            if english and choice.english:
                prompt.append(f"  {choice.english}", style="dim")
            prompts.append(prompt)
        self._shown = found
        self.options.set_options(prompts)
        self.options.highlighted = None
        self.options.display = True  # inline, not a class: the focus chain sees it at once
        self._show_box_with_list(len(prompts))
        self.call_after_refresh(self._show_box_with_list, len(prompts))

    def _show_box_with_list(self, rows: int) -> None:
        """Scroll the page the least that shows the box with ``rows`` list rows under it, at once.

        The list is an overlay placed under the box, or flipped above it when the box is near the
        bottom; flipped, it covered the box being typed into, and scrolling the list itself into
        view then did nothing (it was in view). So the room is made under the box before the list
        is laid out, from the box's own place."""
        body = next((a for a in self.ancestors if _scrolls(a)), None)
        box = self.input.region
        if body is None or not box or not self.is_open:
            return
        below = Region(box.x, box.y, box.width, box.height + min(rows, self.LIMIT))
        show_region(body, below, self.input)

    def close(self) -> None:
        self._shown = []
        self.options.display = False

    def refresh_options(self, *, browse: bool = False) -> None:
        """Show what matches the box now (``browse``: the whole list when the box is empty)."""
        text = self.input.value.strip()
        if not self._focus_inside() or (not text and not browse) or text == self._chosen:
            self.close()
            return
        found = find(self.choices, text, self.LIMIT) if text else list(self.choices)
        if not found or (len(found) == 1 and found[0].value == text):
            self.close()
        else:
            self._open(found)

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        if event.input.id == self.input_id:
            if event.value.strip() != self._chosen:
                self._chosen = ""
            self.refresh_options()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        # Enter in the box keeps the typed text; close first so the screen's "next field" skips
        # the list.
        if event.input.id == self.input_id:
            self.close()

    @on(events.DescendantFocus)
    @on(events.DescendantBlur)
    def _focus_moved(self) -> None:
        self.call_after_refresh(self._after_focus_moved)

    def _after_focus_moved(self) -> None:
        if not self._focus_inside():
            self.close()
        elif self.input.has_focus and not self.is_open:
            self.refresh_options()

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if not 0 <= event.option_index < len(self._shown):
            return
        value = self._shown[event.option_index].value
        self._chosen = value
        self.close()
        self.input.value = value
        self.input.cursor_position = len(value)
        self.screen.set_focus(self.input)

    def action_open_list(self) -> None:
        if not self.input.has_focus:
            return
        if not self.is_open:
            self.refresh_options(browse=True)
        if self.is_open:
            # Synchronously: keys typed ahead (down, enter) must reach the list, not the box.
            self.screen.set_focus(self.options)
            self.options.highlighted = 0

    def action_leave(self) -> None:
        list_had_focus = self.options.has_focus
        self.close()
        if list_had_focus:
            self.screen.set_focus(self.input)
        self.screen.focus_next()

    def clear(self, *, collapse: bool = False) -> None:
        super().clear(collapse=collapse)
        self._chosen = ""
        self.close()
