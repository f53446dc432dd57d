"""LabelledField: label (with the portal's * for required), input, live rules, and an error line.

The input keeps its contract id (README, "Contracts": ``#account``, ``#chinese-name`` …); its
rules are ``#<id>-rules`` and a message from the server side (duplicate account, …) goes to
``#<id>-error``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Static

from kiosk.infra.i18n import t
from kiosk.ui.textual_private import QuietVirtualSize, StarredPassword
from kiosk.ui.widgets.rule_hints import RuleHints
from kiosk.ui.widgets.text import TLabel, current_language, plain

ContextFn = Callable[[], Mapping[str, str]]


class KioskInput(QuietVirtualSize, StarredPassword):
    """An Input that masks passwords with ``*`` (Textual's ``•`` is ambiguous-width) and never
    copies or cuts a password to a clipboard the next candidate could paste from; a keystroke
    repaints the box instead of laying out the page (both in ``kiosk.ui.textual_private``)."""

    def action_copy(self) -> None:
        if not self.password:
            super().action_copy()

    def action_cut(self) -> None:
        if not self.password:
            super().action_cut()


class LabelledField(Vertical):
    """One form row. ``rule_field`` names the ``kiosk.core.rules`` field (None: no live rules)."""

    DEFAULT_CSS = """
    LabelledField { layout: grid; grid-size: 2; grid-columns: 20 1fr; grid-rows: auto;
                    height: auto; margin: 0 0 1 0; }
    LabelledField > RuleHints, LabelledField > .field-error { column-span: 2; }
    LabelledField .field-label { width: 20; text-style: bold; }
    LabelledField Input { width: 1fr; max-width: 50; background: $boost; }
    LabelledField Input:focus { background: $primary 30%; }
    LabelledField > RuleHints { padding: 0 0 0 20; }
    LabelledField > .field-error { color: $error; text-style: bold; padding: 0 0 0 20;
                                   height: auto; }
    LabelledField > .field-error.-empty { display: none; }
    """

    def __init__(
        self,
        input_id: str,
        label_key: str,
        *,
        rule_field: str | None = None,
        context: ContextFn | None = None,
        password: bool = False,
        required: bool = True,
        max_length: int = 0,
        value: str = "",
        placeholder_key: str | None = None,
        rules_open: bool = False,
    ) -> None:
        super().__init__(id=f"{input_id}-field")
        self.rules_open = rules_open  # the checklist shows from the start (see RuleHints.always)
        self.input_id = input_id
        self.label_key = label_key
        self.rule_field = rule_field
        self.context = context
        self.password = password
        self.required = required
        self.max_length = max_length
        self.initial = value
        self.placeholder_key = placeholder_key

    def compose(self) -> ComposeResult:
        placeholder = t(self.placeholder_key, current_language()) if self.placeholder_key else ""
        # A grid (label | input, then the rule lines and the error across both columns) rather
        # than nested rows: every widget costs start-up time, and a form has many fields.
        yield TLabel(self.label_key, classes="field-label", prefix="* " if self.required else "  ")
        yield KioskInput(
            self.initial,
            id=self.input_id,
            password=self.password,
            max_length=self.max_length,
            placeholder=placeholder,
            select_on_focus=False,
            compact=True,
        )
        if self.rule_field:
            yield RuleHints(self.rule_field, id=f"{self.input_id}-rules", always=self.rules_open)
        yield Static("", id=f"{self.input_id}-error", classes="field-error -empty", markup=False)

    def on_mount(self) -> None:
        if self.initial:
            self.recheck(now=True)

    @property
    def input(self) -> Input:
        return self.query_one(f"#{self.input_id}", Input)

    @property
    def value(self) -> str:
        boxes = self.query(f"#{self.input_id}")
        return boxes.first(Input).value if boxes else ""  # "" while the row is being mounted

    def recheck(self, *, now: bool = False) -> None:
        """Re-run the live rules (also when a field this one depends on changed)."""
        hints = self.query(RuleHints)
        if not self.rule_field or not hints:
            return  # no rules, or this row's parts are still being mounted (its on_mount checks)
        context = dict(self.context()) if self.context else {}
        hints.first().show(self.input.value, context, now=now)

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        if event.input.id == self.input_id:
            self.set_error(None)
            self.recheck()

    @on(RuleHints.Changed)
    def _rules_changed(self, event: RuleHints.Changed) -> None:
        """A rule's error under the field goes once every rule passes — also when another
        field changed them (the password stops containing the account once the account is
        changed), which no keystroke in this box would clear."""
        key = getattr(self, "_error_key", (None, {}))[0]
        passing = all(c.ok or c.severity != "error" for c in event.checks)
        if key is not None and key.startswith("rules.") and passing:
            self.set_error(None)

    def on_descendant_focus(self) -> None:
        """The checklist opens with the first focus and stays open (``RuleHints``: a page that
        folds it when the focus leaves moves under a click)."""
        if self.rule_field:
            self.query_one(RuleHints).show_all()

    def set_error(self, key: str | None, **values: str) -> None:
        """Show a message from the catalog under the field (None clears it)."""
        if key is None and getattr(self, "_error_key", (None, {}))[0] is None:
            return  # already clear: every keystroke clears, and an update lays out the page
        error = self.query_one(f"#{self.input_id}-error", Static)
        error.update(plain(t(key, current_language(), **values)) if key else "")
        error.set_class(key is None, "-empty")
        self._error_key = (key, values)

    def apply_language(self, language: str) -> None:
        key, values = getattr(self, "_error_key", (None, {}))
        if key:
            self.set_error(key, **values)
        if self.placeholder_key:
            self.input.placeholder = t(self.placeholder_key, language)

    def clear(self, *, collapse: bool = False) -> None:
        """Empty the box and its error; ``collapse`` also folds the checklist (a wiped page)."""
        self.input.value = ""
        self.set_error(None)
        if self.rule_field:
            hints = self.query_one(RuleHints)
            if collapse:
                hints.collapse()
            else:
                hints.reset()
