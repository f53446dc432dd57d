"""The console's modals: the reason every action asks for, and the profile correction form."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar, cast

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from kiosk.infra.i18n import t
from kiosk.ui.widgets.field import KioskInput, LabelledField
from kiosk.ui.widgets.modal import MODAL_CSS
from kiosk.ui.widgets.text import TButton, TLabel, current_language, plain

if TYPE_CHECKING:
    from kiosk.core.accounts import CandidateView
    from kiosk.core.helpdesk.actions import ActionResult
    from kiosk.core.helpdesk.staff_admin import AdminResult
    from kiosk.ui.staff.app import StaffApp

REASON_MAX = 200
EDIT_FIELDS = (
    "account",
    "national_id",
    "chinese_name",
    "english_surname",
    "english_given_name",
    "email",
    "mobile",
    "gender",
    "education",
    "school",
    "department",
)
ADMIN_ONLY = ("account", "national_id")
CANDIDATE_PRESETS = (
    "staff.reason.preset.phone",
    "staff.reason.preset.desk",
    "staff.reason.preset.mail",
    "staff.reason.preset.unit",
)
PLACE_PRESETS = ("staff.reason.place_preset.checked", "staff.reason.place_preset.staff")
STAFF_PRESETS = (
    "staff.reason.staff_preset.left",
    "staff.reason.staff_preset.phone",
    "staff.reason.staff_preset.desk",
)


def reason_problem(reason: str) -> str | None:
    """What the domain will say of ``reason`` (None: it will do), asked before the modal closes."""
    from kiosk.core.helpdesk.actions import reason_problem as problem

    return problem(reason)


class ReasonScreen(ModalScreen[str | None]):
    """Asks why: a preset reason (the focus starts on the list; Enter picks the highlighted one)
    or one typed (any printable key on the list starts typing it). Dismisses with the reason, or
    None when cancelled; a reason the domain would refuse (empty, too short) keeps it open with
    the domain's own message."""

    DEFAULT_CSS = (
        MODAL_CSS.format(name="ReasonScreen")
        + """
    ReasonScreen #reason-presets { height: auto; max-height: 6; margin: 0 0 1 0; }
    ReasonScreen #reason { width: 1fr; background: $boost; }
    ReasonScreen #reason-error { color: $error; text-style: bold; height: auto; }
    """
    )
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", show=False)]

    def __init__(
        self,
        title_key: str,
        lines: Sequence[str] = (),
        *,
        presets: Sequence[str] = CANDIDATE_PRESETS,
        **values: str,
    ) -> None:
        super().__init__(id="reason-modal")
        self.title_key, self.lines, self.values = title_key, lines, values
        self.presets = tuple(presets)
        self._error: str | None = None

    def compose(self) -> ComposeResult:
        language = current_language()
        with Vertical():
            yield TLabel(self.title_key, classes="modal-title", **self.values)
            for line in self.lines:
                yield Static(plain(line), classes="modal-line", markup=False)
            if self.presets:
                yield TLabel("staff.reason.presets", classes="modal-line")
                yield OptionList(
                    *(Option(plain(t(key, language)), id=key) for key in self.presets),
                    id="reason-presets",
                    compact=True,
                )
                yield TLabel("staff.reason.free", classes="modal-line")
            else:
                yield TLabel("staff.reason.label", classes="modal-line")
            yield KioskInput(
                id="reason",
                max_length=REASON_MAX,
                placeholder=t("staff.reason.placeholder", language),
                select_on_focus=False,
                compact=True,
            )
            yield Static("", id="reason-error", markup=False)
            with Horizontal():
                yield TButton("staff.reason.confirm", "primary", id="confirm")
                yield TButton("staff.reason.cancel", id="cancel")

    def on_mount(self) -> None:
        if self.presets:
            presets = self.query_one("#reason-presets", OptionList)
            presets.highlighted = 0
            presets.focus()
        else:
            self.query_one("#reason", Input).focus()

    def on_key(self, event: events.Key) -> None:
        """Typing on the preset list types the reason instead (no key to reach the box)."""
        if not (event.is_printable and event.character):
            return
        presets = self.query("#reason-presets")
        if presets and self.focused is presets.first():
            event.stop()
            event.prevent_default()
            box = self.query_one("#reason", Input)
            box.focus()
            box.insert_text_at_cursor(event.character)

    @on(OptionList.OptionSelected, "#reason-presets")
    def _preset(self, event: OptionList.OptionSelected) -> None:
        self._finish(t(str(event.option.id), current_language()))

    @on(Input.Submitted, "#reason")
    @on(Button.Pressed, "#confirm")
    def _confirm(self) -> None:
        self._finish(self.query_one("#reason", Input).value)

    def _finish(self, reason: str) -> None:
        problem = reason_problem(reason)
        if problem:
            self._say(problem)
            self.query_one("#reason", Input).focus()
            return
        self.dismiss(reason.strip())

    def _say(self, key: str | None) -> None:
        self._error = key
        text = t(key, current_language()) if key else ""
        self.query_one("#reason-error", Static).update(plain(text))

    def apply_language(self, language: str) -> None:
        self._say(self._error)
        if self.presets:
            presets = self.query_one("#reason-presets", OptionList)
            highlighted = presets.highlighted
            presets.clear_options()
            presets.add_options(Option(plain(t(key, language)), id=key) for key in self.presets)
            presets.highlighted = highlighted
        self.query_one("#reason", Input).placeholder = t("staff.reason.placeholder", language)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class ProfileEditScreen(ModalScreen["ActionResult | None"]):
    """Correct profile fields with a reason; the correction runs here (errors stay on the form)
    and the modal dismisses with the successful result, or None when cancelled."""

    DEFAULT_CSS = (
        MODAL_CSS.format(name="ProfileEditScreen")
        + """
    ProfileEditScreen > Vertical { width: 76; max-height: 100%; }
    ProfileEditScreen VerticalScroll { height: auto; max-height: 20; }
    ProfileEditScreen #reason { width: 1fr; background: $boost; }
    ProfileEditScreen #edit-message { color: $error; text-style: bold; height: auto; }
    """
    )
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", show=False)]

    def __init__(self, candidate: CandidateView, *, admin: bool) -> None:
        super().__init__(id="edit-modal")
        self.candidate = candidate
        self.admin = admin
        self._message: str | None = None

    def initial(self, name: str) -> str:
        if name == "national_id":
            return ""  # never shown in full: typed only to change it
        return str(getattr(self.candidate, name))

    def compose(self) -> ComposeResult:
        with Vertical():
            yield TLabel(
                "staff.edit.title",
                classes="modal-title",
                account=self.candidate.account,
            )
            with VerticalScroll():
                for name in EDIT_FIELDS:
                    if name in ADMIN_ONLY and not self.admin:
                        continue
                    yield LabelledField(
                        "edit-" + name.replace("_", "-"),
                        f"staff.edit.field.{name}",
                        required=False,
                        max_length=254 if name == "email" else 80,
                        value=self.initial(name),
                        placeholder_key=(
                            "staff.edit.national_id_placeholder" if name == "national_id" else None
                        ),
                    )
            if not self.admin:
                yield TLabel("staff.edit.admin_only_note", classes="modal-line")
            yield TLabel("staff.reason.label", classes="modal-line")
            yield KioskInput(
                id="reason",
                max_length=REASON_MAX,
                placeholder=t("staff.reason.placeholder", current_language()),
                select_on_focus=False,
                compact=True,
            )
            yield Static("", id="edit-message", markup=False)
            with Horizontal():
                yield TButton("staff.edit.save", "primary", id="confirm")
                yield TButton("staff.reason.cancel", id="cancel")

    def changes(self) -> dict[str, str]:
        out = {}
        for row in self.query(LabelledField):
            name = row.input_id.removeprefix("edit-").replace("-", "_")
            if row.value != self.initial(name):
                out[name] = row.value
        return out

    def _say(self, key: str | None, **values: str) -> None:
        self._message = key
        text = t(key, current_language(), **values) if key else ""
        self.query_one("#edit-message", Static).update(plain(text))

    @on(Button.Pressed, "#confirm")
    @on(Input.Submitted, "#reason")
    def _save(self) -> None:
        button = self.query_one("#confirm", Button)
        if button.disabled:
            return
        reason = self.query_one("#reason", Input).value.strip()
        if not reason:
            self._say("staff.reason.required")
            self.query_one("#reason", Input).focus()
            return
        self._say(None)
        button.disabled = True
        button.loading = True
        self.save(self.changes(), reason)

    @work(thread=True, exclusive=True, exit_on_error=False, group="edit")
    def save(self, changes: dict[str, str], reason: str) -> None:
        from kiosk.core.helpdesk import actions as helpdesk_actions
        from kiosk.ui.shell import StoreUnavailable

        app = cast("StaffApp", self.app)
        staff = app.staff
        result: ActionResult | None = None
        if staff is not None:
            try:
                result = app.use(
                    helpdesk_actions.correct_profile,
                    staff=staff,
                    candidate_id=self.candidate.id,
                    changes=changes,
                    reason=reason,
                    settings=app.settings,
                    clock=app.clock,
                )
            except StoreUnavailable:
                result = None
        app.call_from_thread(self._saved, result)

    def _saved(self, result: ActionResult | None) -> None:
        if not self.is_attached:
            return
        button = self.query_one("#confirm", Button)
        button.disabled = False
        button.loading = False
        if result is None:
            self._say("staff.error.store")
            return
        if result.ok:
            self.dismiss(result)
            return
        for row in self.query(LabelledField):
            name = row.input_id.removeprefix("edit-").replace("-", "_")
            keys = result.field_errors.get(name)
            row.set_error(keys[0] if keys else None)
        self._say(result.message_key)

    def apply_language(self, language: str) -> None:
        if self._message:
            self._say(self._message)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class PasswordResetScreen(ModalScreen["AdminResult | None"]):
    """An admin sets a staff account's new password: typed twice (hidden), with a reason. The
    reset runs here, so a password the rules refuse keeps the modal open with the rule's words;
    it dismisses with the successful result, or None when cancelled."""

    DEFAULT_CSS = (
        MODAL_CSS.format(name="PasswordResetScreen")
        + """
    PasswordResetScreen > Vertical { width: 72; }
    PasswordResetScreen #reason { width: 1fr; background: $boost; }
    PasswordResetScreen #reset-message { color: $error; text-style: bold; height: auto; }
    """
    )
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", show=False)]

    def __init__(self, account: str) -> None:
        super().__init__(id="password-reset-modal")
        self.account = account
        self._message: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield TLabel("staff.admin.password_title", classes="modal-title", account=self.account)
            yield LabelledField(
                "new-password", "staff.admin.password", password=True, max_length=72
            )
            yield LabelledField(
                "new-password-again", "staff.admin.password_again", password=True, max_length=72
            )
            yield TLabel("staff.reason.label", classes="modal-line")
            yield KioskInput(
                id="reason",
                max_length=REASON_MAX,
                placeholder=t("staff.reason.placeholder", current_language()),
                select_on_focus=False,
                compact=True,
            )
            yield Static("", id="reset-message", markup=False)
            with Horizontal():
                yield TButton("staff.admin.save", "primary", id="confirm")
                yield TButton("staff.reason.cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#new-password", Input).focus()

    def _say(self, key: str | None) -> None:
        self._message = key
        text = t(key, current_language()) if key else ""
        self.query_one("#reset-message", Static).update(plain(text))

    def _field(self, input_id: str) -> LabelledField:
        return self.query_one(f"#{input_id}-field", LabelledField)

    @on(Input.Submitted, "#new-password")
    def _next(self) -> None:
        self.query_one("#new-password-again", Input).focus()

    @on(Input.Submitted, "#new-password-again")
    def _to_reason(self) -> None:
        self.query_one("#reason", Input).focus()

    @on(Button.Pressed, "#confirm")
    @on(Input.Submitted, "#reason")
    def _save(self) -> None:
        button = self.query_one("#confirm", Button)
        if button.disabled:
            return
        password = self._field("new-password").value
        if password != self._field("new-password-again").value:
            self._field("new-password-again").clear()
            self._say("staff.admin.password_mismatch")
            self.query_one("#new-password-again", Input).focus()
            return
        problem = reason_problem(self.query_one("#reason", Input).value)
        if problem:
            self._say(problem)
            self.query_one("#reason", Input).focus()
            return
        self._say(None)
        button.disabled = True
        button.loading = True
        self.reset(password, self.query_one("#reason", Input).value.strip())

    @work(thread=True, exclusive=True, exit_on_error=False, group="reset")
    def reset(self, password: str, reason: str) -> None:
        from kiosk.core.helpdesk import staff_admin
        from kiosk.ui.shell import StoreUnavailable

        app = cast("StaffApp", self.app)
        staff = app.staff
        result: AdminResult | None = None
        if staff is not None:
            try:
                result = app.use(
                    staff_admin.reset_staff_password,
                    actor=staff,
                    account=self.account,
                    password=password,
                    reason=reason,
                    settings=app.settings,
                    clock=app.clock,
                )
            except StoreUnavailable:
                result = None
        del password
        app.call_from_thread(self._done, result)

    def _done(self, result: AdminResult | None) -> None:
        if not self.is_attached:
            return
        button = self.query_one("#confirm", Button)
        button.disabled = False
        button.loading = False
        if result is None:
            self._say("staff.error.store")
            return
        if result.ok:
            self.dismiss(result)
            return
        keys = result.field_errors.get("password")
        self._field("new-password").set_error(keys[0] if keys else None)
        for input_id in ("new-password", "new-password-again"):
            self._field(input_id).clear()
        self._say(result.message_key)
        self.query_one("#new-password", Input).focus()

    def apply_language(self, language: str) -> None:
        if self._message:
            self._say(self._message)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
