"""Typed modals: confirmation, the idle countdown, and the operator's PIN."""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from kiosk.infra.i18n import t
from kiosk.ui.widgets.field import KioskInput
from kiosk.ui.widgets.modal import MODAL_CSS
from kiosk.ui.widgets.text import TButton, TLabel, current_language, plain


class ConfirmScreen(ModalScreen[bool]):
    """Asks yes/no; lines are plain text (values from the candidate are never markup)."""

    DEFAULT_CSS = MODAL_CSS.format(name="ConfirmScreen")
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", show=False)]

    def __init__(
        self,
        title_key: str,
        lines: Sequence[str],
        *,
        yes_key: str = "ui.confirm.yes",
        no_key: str = "ui.confirm.no",
    ) -> None:
        super().__init__(id="confirm")
        self.title_key, self.lines, self.yes_key, self.no_key = title_key, lines, yes_key, no_key

    def compose(self) -> ComposeResult:
        with Vertical():
            yield TLabel(self.title_key, classes="modal-title")
            for line in self.lines:
                yield Static(plain(line), classes="modal-line", markup=False)
            with Horizontal():
                yield TButton(self.yes_key, "primary", id="confirm-yes")
                yield TButton(self.no_key, id="confirm-no")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    @on(Button.Pressed, "#confirm-yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-no")
    def action_cancel(self) -> None:
        self.dismiss(False)


class IdleScreen(ModalScreen[bool]):
    """「還在嗎？」: dismisses True when the countdown ends (wipe), False when someone answers."""

    DEFAULT_CSS = MODAL_CSS.format(name="IdleScreen")

    def __init__(self, seconds: int) -> None:
        super().__init__(id="idle")
        self.remaining = seconds

    def compose(self) -> ComposeResult:
        with Vertical():
            yield TLabel("ui.idle.title", classes="modal-title")
            yield Static("", id="idle-countdown", markup=False)
            with Horizontal():
                yield TButton("ui.idle.continue", "primary", id="idle-continue")
                yield TButton("ui.idle.end", id="idle-end")

    def on_mount(self) -> None:
        self._show()
        self.set_interval(1.0, self._tick)

    def _show(self) -> None:
        text = t("ui.idle.countdown", current_language(), seconds=str(self.remaining))
        self.query_one("#idle-countdown", Static).update(plain(text))

    def _tick(self) -> None:
        self.remaining -= 1
        if self.remaining <= 0:
            self.dismiss(True)
        else:
            self._show()

    def on_key(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#idle-continue")
    def _continue(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#idle-end")
    def _end(self) -> None:
        self.dismiss(True)


class OperatorPinScreen(ModalScreen[bool | None]):
    """The operator's way out of ``run --kiosk``: True only for the right PIN; after
    ``MAX_TRIES`` wrong ones it closes and the app ignores the operator key for a while."""

    MAX_TRIES: ClassVar[int] = 3

    DEFAULT_CSS = MODAL_CSS.format(name="OperatorPinScreen")
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", show=False)]

    def __init__(self, pin: str) -> None:
        super().__init__(id="operator")
        self._pin = pin
        self.failures = 0

    def compose(self) -> ComposeResult:
        with Vertical():
            yield TLabel("ui.operator.title", classes="modal-title")
            yield KioskInput(id="operator-pin", password=True, max_length=32)
            yield Static("", id="operator-message", markup=False)

    @on(Input.Submitted, "#operator-pin")
    def _submitted(self, event: Input.Submitted) -> None:
        if self._pin and hmac.compare_digest(event.value.encode(), self._pin.encode()):
            self.dismiss(True)
            return
        event.input.value = ""
        self.failures += 1
        if self.failures >= self.MAX_TRIES:
            self.dismiss(False)  # the app rests the operator key after this
            return
        self.query_one("#operator-message", Static).update(
            plain(t("ui.operator.wrong", current_language()))
        )

    def action_cancel(self) -> None:
        self.dismiss(None)  # closed on purpose: not a failed attempt
