"""RuleHints: the portal's 請注意 notes for one field, live as the candidate types.

One line per rule of ``kiosk.core.rules.check(field, …)``: pending until the first keystroke, then
ok, error or warning. Until the field first has focus only broken rules show (none, on a fresh
page); from then on every rule shows (a checklist) until the page is wiped. It never folds back
when the focus leaves: the rows below would move up between a click's press (which moves the
focus) and its release, and the click would land on whatever moved under the pointer (issue 12).
Glyphs are narrow in every terminal (✓ ✗ ! -): no East Asian ambiguous-width symbols.

Drawn by hand rather than as a Rich ``Table.grid``: a grid is rendered again (twice) whenever the
screen is laid out, and a registration page with nine of them spent most of a 60–100 ms layout
there. Here the wrapped lines (glyph, then the text with its wrapped lines hanging under it) are
computed once per width and state, and a state change that keeps the height (a rule turning from
pending to ok while the field has focus) repaints this widget alone instead of laying out the
whole page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from textual.content import Content
from textual.geometry import Size
from textual.message import Message
from textual.timer import Timer
from textual.widget import Widget

from kiosk.core import rules
from kiosk.infra.i18n import t
from kiosk.ui.widgets.text import current_language, plain

GLYPHS = {"pending": "-", "ok": "✓", "error": "✗", "warning": "!", "advice": " "}
STYLES = {
    "pending": "dim",
    "ok": "green",
    "error": "bold red",
    "warning": "yellow",
    "advice": "dim",
}
"""``advice``: a warning that is not raised (an e-mail that is no free mail) is a note without a
mark — a green ✓ beside 「免費信箱易將通知信件列為垃圾郵件…」 read as approval of free mail."""


def _pending(field: str) -> tuple[rules.RuleCheck, ...]:
    """The rule lines before the first keystroke, without running any check (start-up stays
    cheap: some checks load their data — common passwords, phone metadata — on first use)."""
    return tuple(
        rules.RuleCheck(rule, False, "error", rules.message_key(field, rule))
        for rule in rules.rules_for(field)
    )


Row = tuple[str, str, str, str]  # glyph, glyph style, text, text style


class RuleHints(Widget):
    """Live rule lines for ``field``; give it the id ``<field>-rules``.

    Call :meth:`show` with every new value (it is debounced). Posts :class:`RuleHints.Changed`
    after each evaluation; the screen receives it as ``on_rule_hints_changed``.
    """

    DEFAULT_CSS = """
    RuleHints { height: auto; padding: 0 0 0 2; color: $text-muted; }
    RuleHints.-empty { display: none; }
    """
    DEBOUNCE: ClassVar[float] = 0.08

    @dataclass
    class Changed(Message):
        hints: RuleHints
        checks: tuple[rules.RuleCheck, ...]

        @property
        def control(self) -> RuleHints:
            return self.hints

    def __init__(
        self, field: str, *, id: str | None = None, expanded: bool = False, always: bool = False
    ) -> None:
        super().__init__(id=id or f"{field.replace('_', '-')}-rules")
        self.always = always  # open from the start and never folded: nothing moves on focus
        expanded = expanded or always
        self.field = field
        self.value = ""
        self.context: dict[str, str] = {}
        self.checks: tuple[rules.RuleCheck, ...] = ()
        self.touched = False
        self.expanded = expanded
        self._timer: Timer | None = None
        self.shown: list[str] = []  # the lines on screen now, as plain text
        self._rows: tuple[Row, ...] = ()
        self._wrapped: dict[int, list[Content]] = {}  # width -> lines of the current rows

    def on_mount(self) -> None:
        self._render_lines()

    def show(
        self, value: str, context: Mapping[str, str] | None = None, *, now: bool = False
    ) -> None:
        """Check ``value`` (with ``context`` for password rules) after a short pause in typing."""
        self.value = value
        self.context = dict(context or {})
        self.touched = self.touched or bool(value)
        if self._timer is not None:
            self._timer.stop()
        if now:
            self._evaluate()
        else:
            self._timer = self.set_timer(self.DEBOUNCE, self._evaluate)

    @property
    def settled(self) -> bool:
        """No evaluation is waiting for the pause in typing (tests await this)."""
        return self._timer is None

    def show_all(self) -> None:
        """Show every rule from now on (the field has focus); only :meth:`collapse` folds back."""
        if not self.expanded:
            self.expanded = True
            self._render_lines()

    def collapse(self) -> None:
        """Back to the fresh page's state: only broken rules (the page is wiped), or every rule
        for a checklist that is always open."""
        self.expanded = self.always
        self.reset()

    def reset(self) -> None:
        self.value, self.context, self.checks, self.touched = "", {}, (), False
        self._render_lines()

    def apply_language(self, language: str) -> None:
        self._render_lines()

    def _evaluate(self) -> None:
        self._timer = None
        self.checks = tuple(rules.check(self.field, self.value, **self.context))
        self._render_lines()
        self.post_message(self.Changed(self, self.checks))

    def state_of(self, check: rules.RuleCheck) -> str:
        if not self.touched:
            return "pending"
        if check.ok:
            return "advice" if check.severity == "warning" else "ok"
        return check.severity

    def _render_lines(self) -> None:
        language = current_language()
        checks = self.checks or _pending(self.field)
        rows: list[Row] = []
        for check in checks:
            state = self.state_of(check)
            if not self.expanded and state in ("ok", "pending", "advice"):
                continue
            text_style = STYLES[state] if state != "ok" else ""
            rows.append((GLYPHS[state], STYLES[state], t(check.message_key, language), text_style))
        self.shown = [f"{glyph} {text}" for glyph, _, text, _ in rows]
        if tuple(rows) == self._rows:
            return
        width = self.content_size.width
        height = len(self.lines(width)) if width else -1
        self._rows = tuple(rows)
        self._wrapped = {}
        self.set_class(not rows, "-empty")
        self.refresh(layout=not width or len(self.lines(width)) != height)

    def lines(self, width: int) -> list[Content]:
        """The rows wrapped to ``width`` cells: ``glyph text``, continuation lines indented under
        the text (cached per width until the rows change: a layout asks for several widths)."""
        cached = self._wrapped.get(width)
        if cached is not None:
            return cached
        lines: list[Content] = []
        for glyph, glyph_style, text, text_style in self._rows:
            body = Content.styled(plain(text).plain, text_style) if text_style else plain(text)
            parts = [body] if body.cell_length <= width - 2 else body.wrap(max(1, width - 2))
            for number, part in enumerate(parts):
                head = Content.styled(glyph, glyph_style) if number == 0 else Content(" ")
                lines.append(Content.assemble(head, " ", part))
        self._wrapped[width] = lines
        return lines

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lines(width))

    def render(self) -> Content:
        return Content("\n").join(self.lines(self.content_size.width))
