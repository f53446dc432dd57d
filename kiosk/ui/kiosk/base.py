"""KioskScreen: what every portal page shares on top of the shell's page (``ShellScreen``: the
message line, busy buttons, worker results) — the frame (top bar, scrolling body, footer), rows
built after the first paint, the captcha row, field helpers and the wipe."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, cast

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Input

from kiosk.ui.shell import ShellScreen
from kiosk.ui.widgets.chrome import FooterBar, TopBar
from kiosk.ui.widgets.field import LabelledField
from kiosk.ui.widgets.scrolling import show_region
from kiosk.ui.widgets.text import TLabel

if TYPE_CHECKING:
    from kiosk.core.captcha import Captcha
    from kiosk.ui.kiosk.app import KioskApp


_ARROWS = {"left": -1, "right": 1, "up": -1, "down": 1}


def _grid_columns(container: object) -> int | None:
    """The column count of a grid of buttons (the home menu); None for any other container."""
    from textual.containers import Grid

    if not isinstance(container, Grid):
        return None
    return max(1, container.styles.grid_size_columns or 1)


class CaptchaAnswer(Protocol):
    """What every captcha-guarded use case answers (``LoginResult``, ``QueryResult``)."""

    @property
    def outcome(self) -> str: ...

    @property
    def message_key(self) -> str: ...


class KioskScreen(ShellScreen):
    """A portal page. Subclasses set ``TITLE_KEY`` and implement :meth:`compose_body`."""

    TITLE_KEY: ClassVar[str] = "ui.app.title"
    AUTO_FOCUS = "#body, #body *"
    """Where the focus goes when a page opens or comes back with nothing focused (its focused
    button was removed while a confirmation was up): the page's first focusable widget, never
    the top bar (Textual's default, ``*``, picks the English button: the next Enter would
    switch the language)."""
    BODY_TAKES_FOCUS: ClassVar[bool] = False
    """Reading pages (a notice, a list) let the body take focus so the arrow keys scroll it. On a
    form the focus lives in the fields, which scroll themselves into view: a focused body losing
    focus would restyle every widget of the page at once (≈ 30 ms on registration)."""
    ROW_PER_FRAME: ClassVar[bool] = False
    """Long forms (registration) lay out one more row per frame; a short page (login) builds its
    few rows at once, so the captcha and buttons are there sooner."""
    IS_HOME: ClassVar[bool] = False
    """The candidate home (the menu the area's pages return to)."""
    BACK_BUTTONS: ClassVar[tuple[str, ...]] = ("back", "to-login", "cancel")
    """What Escape presses: the first of these buttons the page shows and enables (返回, 回登入頁面,
    registration's 取消). A page without one (login, the home menu, a forced password change)
    ignores Escape: it never ends a session."""
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", show=False)]
    ready = True  # False while widgets of compose_later are still to be mounted
    captcha: Captcha | None = None  # set by compose_captcha on pages that have one
    DEFAULT_CSS = """
    KioskScreen #body { padding: 0 2; scrollbar-gutter: stable; }
    KioskScreen .page-heading { text-style: bold; color: $accent; margin: 1 0 0 0; }
    KioskScreen .note { color: $text-muted; }
    KioskScreen .buttons { height: auto; margin: 1 0; }
    KioskScreen .buttons > Button { margin: 0 1 0 0; }
    KioskScreen .message { height: auto; margin: 0 0 1 0; }
    KioskScreen .message.-empty { display: none; }
    KioskScreen .message.-error { color: $error; text-style: bold; }
    KioskScreen .message.-ok { color: $success; text-style: bold; }
    KioskScreen .message.-busy { color: $warning; text-style: bold; }
    KioskScreen .captcha-row { height: auto; margin: 0 0 1 0; }
    KioskScreen .captcha-row > .field-label { width: 20; text-style: bold; }
    KioskScreen .rules-box { border: round $warning; padding: 0 1; height: auto; margin: 1 0; }
    """

    @property
    def kiosk(self) -> KioskApp:
        return cast("KioskApp", self.app)

    def compose(self) -> ComposeResult:
        yield TopBar(self.TITLE_KEY)
        with VerticalScroll(id="body", can_focus=self.BODY_TAKES_FOCUS):
            yield from self.compose_body()
        yield FooterBar()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def compose_later(self) -> Iterable[Widget]:
        """Widgets appended to the body right after the first paint (default: none).

        Importing, building and styling a widget all cost start-up time. A page whose first
        rows are what the candidate uses first (login: the account box, focused) paints those
        at once and builds the rest a frame later, so the page takes keys sooner.
        """
        return ()

    @dataclass
    class Built(Message):
        """The page is whole: every row of ``compose_later`` and the top bar's touch buttons
        are mounted. Posted once; ``built`` (an asyncio event) is set at the same moment, which
        tests await instead of polling or sleeping."""

        page: KioskScreen

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ready = not self._builds_later()
        self.built = asyncio.Event()
        self._bar_built = False

    def top_bar_built(self) -> None:
        """Called by the top bar once its buttons are mounted (a frame after the first paint)."""
        self._bar_built = True
        self._maybe_built()

    def _maybe_built(self) -> None:
        if self.ready and self._bar_built and not self.built.is_set():
            self.built.set()
            self.post_message(self.Built(self))

    def _builds_later(self) -> bool:
        return type(self).compose_later is not KioskScreen.compose_later

    def on_mount(self) -> None:
        if self._builds_later():
            self.run_worker(self._mount_later(), group="build", exit_on_error=True)

    async def _mount_later(self) -> None:
        """Mount ``compose_later`` row by row, from a task of its own.

        Every frame lays out the whole page; rows mounted faster than frames arrive all land in
        one layout (80–100 ms for the registration form). With ``ROW_PER_FRAME`` the screen's
        refresh is awaited after each row, so every layout holds the rows already there plus
        one, and keys and painting go on in between. (``wait_for_refresh`` needs a task other
        than the screen's: a worker.)
        """
        body = self.query_one("#body")
        await self.wait_for_refresh()  # the first rows are on screen before any more is built
        for widget in self.compose_later():
            if not self.is_attached:
                return  # the session ended while the page was being built
            await body.mount(widget)
            await self.next_row()
            more = getattr(widget, "mount_rows", None)
            if more is not None:
                await more()
        self.ready = True
        self.page_completed()
        self._maybe_built()

    async def next_row(self) -> None:
        """Between two rows of ``compose_later``: a long page waits for the frame (see
        ``ROW_PER_FRAME``), a short one only lets other work run."""
        if self.ROW_PER_FRAME:
            await self.wait_for_refresh()
        else:
            await asyncio.sleep(0)

    def page_completed(self) -> None:
        """Called once the widgets of :meth:`compose_later` are mounted."""

    def compose_captcha(self) -> ComposeResult:
        """The 驗證碼 row (picture, refresh) and its ``#captcha-input`` box.

        The screen owns the challenge (``self.captcha``), so worker threads read it without
        walking the DOM, even before a lazily mounted captcha row is on screen.
        """
        from kiosk.core.captcha import Captcha
        from kiosk.ui.widgets.captcha import CaptchaWidget

        self.captcha = Captcha(self.kiosk.captcha_source, seed=self.kiosk.captcha_seed)
        yield Horizontal(
            TLabel("ui.field.captcha", classes="field-label", prefix="* "),
            CaptchaWidget(captcha=self.captcha),
            classes="captcha-row",
        )
        yield LabelledField("captcha-input", "ui.field.captcha_input", max_length=12)

    def show_message(self, key: str | None, *, kind: str = "error", **values: str) -> None:
        """The page's answer, brought into view where the eye is (``keep_answer_in_view``)."""
        super().show_message(key, kind=kind, **values)
        if key:
            self.call_after_refresh(self.keep_answer_in_view)

    def keep_answer_in_view(self, tries: int = 10) -> None:
        """Scroll the body the least that shows the message line together with the focused
        widget (the field to fix, or the button just pressed). When both do not fit, the focused
        widget stays in view: its own error line under it is the answer there, and typing into a
        box off the screen would be typing blind."""
        messages = self.query("#message")
        if not messages or messages.first().has_class("-empty"):
            return
        message = messages.first()
        if not message.region and tries:
            # A line shown from hidden while a worker waits on a locked database was laid out
            # only frames later (refresh callbacks came first, measured): look again shortly.
            self.set_timer(0.05, lambda: self.keep_answer_in_view(tries - 1))
            return
        focused = self.focused
        in_body = focused is not None and any(a.id == "body" for a in focused.ancestors)
        if focused is not None and in_body and focused.region:
            if not self.show_together(message, focused):
                self.show_together(focused)
        else:
            self.show_together(message)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """The code box and its picture are seen together: on a short terminal the focus scroll
        alone leaves the picture, just above the box, under the top bar. A box with rules is
        seen with its checklist, which opens under it with the focus: the rules are shown live
        as the person types, and below the fold they would be typed blind."""
        if event.widget.id == "captcha-input":
            for row in self.query(".captcha-row"):
                self.call_after_refresh(self.show_together, row, event.widget)
            return
        field = self._rule_field_of(event.widget)
        if field is not None:
            self.call_after_refresh(self._show_with_rules, field, event.widget)

    def set_focus(
        self, widget: Widget | None, scroll_visible: bool = True, from_app_focus: bool = False
    ) -> None:
        """A box with rules is brought into view by :meth:`_show_with_rules` alone: Textual's own
        focus scroll (to the centre, animated, a moment later) raced it, and the page came to
        rest at either place depending on timing."""
        if widget is not None and self._rule_field_of(widget) is not None:
            scroll_visible = False
        super().set_focus(widget, scroll_visible, from_app_focus)

    @staticmethod
    def _rule_field_of(widget: Widget) -> LabelledField | None:
        field = next((a for a in widget.ancestors if isinstance(a, LabelledField)), None)
        return field if field is not None and field.rule_field else None

    def _show_with_rules(self, field: LabelledField, box: Widget) -> None:
        """The field with its checklist when it fits, else the box itself (typed into)."""
        if self.focused is box and not self.show_together(field):
            self.show_together(box)

    def show_together(self, *widgets: Widget) -> bool:
        """Scroll the body the least (at once: a running focus animation stops) that shows all of
        ``widgets``; False when they do not fit together (nothing scrolled). Scrolling to one of
        them alone left the other out: the picture above the code box put the box under the
        footer at 80x24."""
        bodies = self.query("#body")
        if not bodies:
            return False
        body = cast(VerticalScroll, bodies.first())
        shown = [w for w in widgets if w.is_attached and w.region]
        if not shown:
            return False
        target = shown[0].region
        for widget in shown[1:]:
            target = target.union(widget.region)
        return show_region(body, target, shown[0])

    def on_captcha_widget_refreshed(self) -> None:
        """A new picture: a code typed for the old one cannot be right; type the new one."""
        if self.query("#captcha-input-field"):
            self.field("captcha-input").clear()
            self.field("captcha-input").input.focus()

    def field(self, input_id: str) -> LabelledField:
        return self.query_one(f"#{input_id}-field", LabelledField)

    def recheck(self, input_id: str, *, now: bool = False) -> None:
        """Re-run a field's live rules (its context changed) — if the field is on the page yet:
        rows of ``compose_later`` arrive one per frame, and their context arrives before them."""
        rows = self.query(f"#{input_id}-field")
        if rows:
            cast(LabelledField, rows.first()).recheck(now=now)

    def value(self, input_id: str) -> str:
        """The field's value; "" while a lazily mounted field is not on the page yet."""
        rows = self.query(f"#{input_id}-field")
        return cast(LabelledField, rows.first()).value if rows else ""

    def show_field_errors(self, errors: dict[str, list[str]]) -> None:
        """Put the first error of each field under it and focus the first broken field."""
        first: LabelledField | None = None
        for name, keys in errors.items():
            input_id = name.replace("_", "-")
            matches = self.query(f"#{input_id}-field")
            if not matches or not keys:
                continue
            row = cast(LabelledField, matches.first())
            row.set_error(keys[0])
            first = first or row
        if first is not None:
            first.input.focus()

    def after_captcha_attempt(self, button_id: str, result: CaptchaAnswer | None) -> bool:
        """Every captcha-guarded answer starts the same way: button back, a new picture (the old
        one is used up), an empty code box; a missing store or a wrong code ends it here.
        Returns True when the screen should go on with ``result``."""
        from kiosk.ui.widgets.captcha import CaptchaWidget

        self.set_busy(button_id, False)
        self.query_one(CaptchaWidget).show_current()
        self.field("captcha-input").clear()
        if result is None:
            self.show_message(self.STORE_ERROR)
            return False
        if result.outcome == "captcha":
            self.show_message(result.message_key)
            self.field("captcha-input").input.focus()
            return False
        return True

    # ------------------------------------------------------------------ keys

    def action_back(self) -> None:
        """Escape = the page's 返回 (see ``BACK_BUTTONS``), pressed as a tap would press it."""
        if self.app.screen is not self:
            return
        for button_id in self.BACK_BUTTONS:
            for button in self.query(f"#{button_id}").results(Button):
                if button.display and not button.disabled:
                    button.press()
                    return

    def action_page(self, direction: int) -> None:
        """PageDown/PageUp scroll the body a page, never past its content: what the body shows
        after the key is always part of the page (a scroll left past the end by a shrinking
        hint list is pulled back first)."""
        body = self.query_one("#body", VerticalScroll)
        step = max(1, body.scrollable_content_region.height - 2)
        target = min(max(0, body.scroll_y + direction * step), body.max_scroll_y)
        body.scroll_to(y=target, animate=False, force=True)

    def on_key(self, event: events.Key) -> None:
        """PageDown/PageUp: :meth:`action_page` (the body's own binding would scroll first).
        Arrow keys move between the buttons of a row (left/right) and across the home menu's
        grid (all four), as people expect of a button row; in a box they stay the box's."""
        if event.key in ("pagedown", "pageup"):
            event.stop()
            event.prevent_default()
            self.action_page(1 if event.key == "pagedown" else -1)
            return
        step = _ARROWS.get(event.key)
        focused = self.focused
        if step is None or not isinstance(focused, Button) or focused.parent is None:
            return
        row = focused.parent
        columns = _grid_columns(row)
        if columns is None and not row.has_class("buttons"):
            return
        if columns is None:
            if event.key in ("up", "down"):
                return  # a row: up and down scroll the page as before
            columns = 1
        buttons = [b for b in row.query_children(Button) if b.display and b.focusable]
        if focused not in buttons:
            return
        across = event.key in ("left", "right")
        index = buttons.index(focused) + (step if across else step * columns)
        event.stop()
        event.prevent_default()
        if 0 <= index < len(buttons):
            # at once, not on the next tick (focus()): a burst of arrows (a held key) each moves on
            # from where the last one went
            self.set_focus(buttons[index])

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "language":
            event.stop()
            self.kiosk.action_toggle_language()
        elif event.button.id == "end-session":
            event.stop()
            self.kiosk.action_end_session()
        elif event.button.id == "to-login":  # 回登入頁面: the query pages sit right above login
            event.stop()
            self.app.pop_screen()

    def worker_failed(self) -> None:
        """The code was used up by the failed attempt: a new picture, an empty code box."""
        if self.query("#captcha-input"):
            from kiosk.ui.widgets.captcha import CaptchaWidget

            self.query_one(CaptchaWidget).show_current()
            self.field("captcha-input").clear()

    def wipe(self) -> None:
        """Forget every value typed on this page: inputs, errors, messages, a fresh captcha."""
        from kiosk.ui.widgets.captcha import CaptchaWidget

        for row in self.query(LabelledField):
            row.clear(collapse=True)
        boxes = self.query(CaptchaWidget)
        if boxes:
            boxes.first().renew()
        elif self.captcha is not None:  # its row is not mounted yet: it draws the new one
            self.captcha.refresh()
        if self.query("#message"):
            self.show_message(None)
        self.query_one("#body").scroll_home(animate=False)
        first = self.query(Input)
        if first:
            first.first().focus()
