"""Every use of Textual's (and Rich's) private API, in one module.

Each exists for a reason a public API does not serve, and each is checked by
``tests/unit/test_textual_private.py``, which fails loudly when a Textual or Rich upgrade moves
what it relies on — instead of the kiosk quietly drawing a bullet, laying out on every key or
keeping a past candidate's text.

- :class:`QuietVirtualSize`: Textual's Input sets its ``virtual_size`` reactive on every
  keystroke, and that reactive asks for a layout of the whole screen (≈ 16 ms per key on the
  registration page). A box whose size never depends on its text redeclares it without layout.
- :class:`StarredPassword`: an Input draws a password as ``•`` (``Input._value``), an East Asian
  ambiguous-width glyph a kiosk terminal may draw two cells wide; ``*`` instead.
- :class:`AsciiRadioButton`, :class:`AsciiCheckbox`: ``ToggleButton._button`` draws ``▐●▌``,
  ambiguous-width too; ``(*)`` and ``[X]`` instead.
- :data:`PRIVATE_CACHES` and :func:`forget_rendered_text`: caches of Textual and Rich that
  outlive the widgets that filled them and hold what they drew (a candidate's typed values).
- :func:`share_parsed_css`: Textual parses every widget class's CSS again for each app
  (``Stylesheet._parse_rules`` caches per stylesheet only); ``serve``'s warmed parent parses it
  once for all the sessions it forks.
- :func:`crash_of`: the exception that ended an app (``App._exception``), for the operator log.
- For tests: :data:`CURSOR_BLINK` (``Input._toggle_cursor``, frozen in snapshots),
  :func:`select_values` (a Select's options, ``Select._options``) and :func:`table_is_sized`
  (a DataTable has laid out the rows it was given, ``_updated_cells`` and
  ``_require_update_dimensions``, which it does on a later idle event).
"""

from __future__ import annotations

import importlib
from typing import Any

from rich.text import Text
from textual.content import Content
from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import Checkbox, DataTable, Input, RadioButton, Select


class QuietVirtualSize(Input):
    """An Input whose size never depends on its text: its virtual size repaints the box instead
    of laying out the page (its horizontal scrolling reads the value directly)."""

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)


class StarredPassword(Input):
    """An Input that draws a password as ``*`` (one cell in every terminal)."""

    @property
    def _value(self) -> Text:
        if self.password:
            return Text("*" * len(self.value), no_wrap=True, overflow="ignore", end="")
        return super()._value


class AsciiRadioButton(RadioButton):
    """``(*)`` when chosen, ``( )`` otherwise."""

    @property
    def _button(self) -> Content:
        style = self.get_visual_style("toggle--button")
        return Content.assemble("(", ("*" if self.value else " ", style), ")")


class AsciiCheckbox(Checkbox):
    """``[X]`` when checked, ``[ ]`` otherwise."""

    @property
    def _button(self) -> Content:
        style = self.get_visual_style("toggle--button")
        return Content.assemble("[", ("X" if self.value else " ", style), "]")


PRIVATE_CACHES: tuple[tuple[str, str], ...] = (
    ("textual._styles_cache", "StylesCache.get_inner_outer"),
    ("rich.cells", "cached_cell_len"),
)
"""(module, attribute path) of every cache that holds rendered text beyond its widget's life:

- ``textual._styles_cache.StylesCache.get_inner_outer`` is an ``lru_cache(1024)`` on a *method*:
  its keys hold every recently drawn widget's ``StylesCache``, and so the last lines it painted.
- ``rich.cells.cached_cell_len`` (``lru_cache(4096)``) keeps every short text it measured.
"""


def private_cache(module: str, path: str) -> Any | None:
    """The cache object at ``module``.``path``, or None when this version has no such thing."""
    try:
        found: Any = importlib.import_module(module)
    except ImportError:
        return None
    for name in path.split("."):
        found = getattr(found, name, None)
    return found if callable(getattr(found, "cache_clear", None)) else None


def forget_rendered_text() -> None:
    """Empty the caches that keep a past session's text (a missing one is skipped: the kiosk
    goes on; the test fails so the list gets updated)."""
    for module, path in PRIVATE_CACHES:
        cache = private_cache(module, path)
        if cache is not None:
            cache.cache_clear()


_PARSED_CSS: dict[tuple[Any, ...], Any] = {}


def share_parsed_css() -> None:
    """Make ``Stylesheet._parse_rules`` one cache for the whole process, keyed by everything its
    own per-stylesheet cache uses plus the CSS variables the rules were parsed with.

    Only for a process that runs one app at a time — ``serve``'s warmed parent, whose forks each
    run one session: the rule sets are shared by every stylesheet of the process, so they must
    be treated as read-only (Textual's own cache already hands one list to every parse of a
    stylesheet). A fork's copy is its own: nothing it does reaches another session."""
    from textual.css.stylesheet import Stylesheet

    original = Stylesheet._parse_rules
    if getattr(original, "shared", False):
        return

    def parse_rules(
        self: Stylesheet,
        css: str,
        read_from: Any,
        is_default_rules: bool = False,
        tie_breaker: int = 0,
        scope: str = "",
    ) -> Any:
        variables = self._variables
        key = (css, read_from, is_default_rules, tie_breaker, scope, tuple(variables.items()))
        rules = _PARSED_CSS.get(key)
        if rules is None:
            rules = original(self, css, read_from, is_default_rules, tie_breaker, scope)
            _PARSED_CSS[key] = rules
        return rules

    parse_rules.shared = True  # type: ignore[attr-defined]
    Stylesheet._parse_rules = parse_rules  # type: ignore[method-assign]


def crash_of(app: Any) -> BaseException | None:
    """The exception that ended ``app``, if one did (Textual keeps it in ``App._exception``)."""
    error = getattr(app, "_exception", None)
    return error if isinstance(error, BaseException) else None


CURSOR_BLINK: tuple[type[Input], str] = (Input, "_toggle_cursor")
"""What snapshot tests replace by a no-op so every picture shows the cursor the same way."""


def select_values(select: Select[Any]) -> list[Any]:
    """The values of a Select's options, in order."""
    return [value for _, value in select._options]


def table_is_sized(table: DataTable[Any]) -> bool:
    """A DataTable has measured and drawn the rows given to it (it does so on a later idle
    event, so a picture taken before shows the columns at their labels' widths)."""
    return not (table._updated_cells or table._require_update_dimensions)
