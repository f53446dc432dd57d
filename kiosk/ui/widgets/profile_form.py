"""The candidate's profile fields, shared by 註冊 (registration) and 考生基本資料維護 (basic data).

``ProfileForm`` holds, in the portal's order: 中文姓名, 英文譯名 (surname and given name,
with 註4 and 註5), 電子郵件, whatever the screen puts after the e-mail (registration: the
passwords), 手機號碼, 性別, 學歷, 學校名稱 and 系所名稱. Ids are the contract's (README,
"Contracts": ``#chinese-name`` to ``#department``).

The English name follows 註4: until the candidate edits either English box, it is MOFA's Tongyong
romanization of the Chinese name, computed in a worker after a pause in typing (the first call
reads the shipped readings table, ≈ 10 ms), so typing never waits for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, cast

from rich.console import RenderableType
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input, RadioButton, RadioSet, Select, Static
from textual.worker import get_current_worker

from kiosk.infra import assets
from kiosk.infra.i18n import t
from kiosk.ui.widgets.field import LabelledField
from kiosk.ui.widgets.picker import Choice, Picker
from kiosk.ui.widgets.text import TLabel, current_language, plain
from kiosk.ui.widgets.toggles import NarrowRadioButton

GENDER_KEYS = {"M": "ui.field.gender_m", "F": "ui.field.gender_f"}
NEXT_FIELD = "Input, Select, RadioSet, #submit"
"""What Enter in a box moves to: the next field or the save button (not the show-password box)."""


class ChoiceField(Vertical):
    """A form row whose control is a ``Select`` or a ``RadioSet`` instead of an ``Input``.

    Same ids as :class:`LabelledField` (``#<id>-field``, ``#<id>-error``) and the same
    ``input`` / ``set_error`` / ``clear``, so ``KioskScreen.show_field_errors`` treats both alike.
    """

    DEFAULT_CSS = """
    ChoiceField { height: auto; margin: 0 0 1 0; }
    ChoiceField > .field-row { height: auto; }
    ChoiceField .field-label { width: 20; text-style: bold; }
    ChoiceField Select { width: 1fr; max-width: 30; }
    ChoiceField RadioSet { layout: horizontal; width: auto; height: 1; background: transparent; }
    ChoiceField RadioSet > RadioButton { width: auto; margin: 0 3 0 0; }
    ChoiceField > .field-error { color: $error; text-style: bold; padding: 0 0 0 20; height: auto; }
    ChoiceField > .field-error.-empty { display: none; }
    """

    def __init__(self, input_id: str, label_key: str, control: Widget) -> None:
        super().__init__(id=f"{input_id}-field")
        self.input_id = input_id
        self.label_key = label_key
        self.control = control

    def compose(self) -> ComposeResult:
        with Horizontal(classes="field-row"):
            yield TLabel(self.label_key, classes="field-label", prefix="* ")
            yield self.control
        yield Static("", id=f"{self.input_id}-error", classes="field-error -empty", markup=False)

    @property
    def input(self) -> Widget:
        return self.control

    def set_error(self, key: str | None, **values: str) -> None:
        error = self.query_one(f"#{self.input_id}-error", Static)
        error.update(plain(t(key, current_language(), **values)) if key else "")
        error.set_class(key is None, "-empty")
        self._error_key = (key, values)

    def apply_language(self, language: str) -> None:
        key, values = getattr(self, "_error_key", (None, {}))
        if key:
            self.set_error(key, **values)

    @on(Select.Changed)
    @on(RadioSet.Changed)
    def _chosen(self) -> None:
        self.set_error(None)


def in_form_order(root: Widget, errors: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """``errors`` sorted as their fields appear under ``root``, so the first one (which
    ``KioskScreen.show_field_errors`` focuses) is the topmost broken field."""
    rows = root.query("LabelledField, ChoiceField")
    rank = {
        (row.id or "").removesuffix("-field").replace("-", "_"): i for i, row in enumerate(rows)
    }
    return dict(sorted(errors.items(), key=lambda item: rank.get(item[0], len(rank))))


def relabel_select(
    select: Select[str], options: Iterable[tuple[RenderableType, str]], prompt: str
) -> None:
    """New option labels (another language) without losing the choice or posting a change.

    ``Select`` has no API for this: ``set_options`` forgets the choice and the shown label is only
    redrawn when the value changes, so the label (and the blank prompt) are set here directly.
    """
    options = list(options)
    value = select.value
    with select.prevent(Select.Changed):
        select.prompt = prompt
        select.set_options(options)
        if value != Select.NULL:
            select.value = value
    label = next((label for label, v in options if v == value), Select.NULL)
    for current in select.query("SelectCurrent"):
        cast(Any, current).placeholder = prompt
        cast(Any, current).update(label)


def education_options(language: str) -> list[tuple[RenderableType, str]]:
    english = language == "en"
    return [
        (Text(level.name_en if english else level.name_zh), level.code)
        for level in assets.education_levels()
    ]


def _school_choices() -> list[Choice]:
    return [Choice(school.name_zh, school.name_en) for school in assets.schools()]


def _department_choices() -> list[Choice]:
    return [Choice(department.name_zh, department.name_en) for department in assets.departments()]


class ProfileForm(Vertical):
    """The profile fields, pre-filled from ``values`` (``accounts.PROFILE_FIELDS`` names).

    ``after_email`` are widgets of the screen placed between the e-mail and the mobile number.
    """

    DEFAULT_CSS = """
    ProfileForm { height: auto; }
    ProfileForm > .english-note { padding: 0 0 0 20; margin: 0 0 1 0; }
    """
    ROMANIZE_DELAY: ClassVar[float] = 0.25

    def __init__(
        self,
        values: Mapping[str, str] | None = None,
        *,
        after_email: Iterable[Widget] = (),
        sliced: bool = False,
        rules_open: bool = False,
    ) -> None:
        super().__init__(id="profile")
        self.initial = dict(values or {})
        self.after_email = list(after_email)
        # sliced: the rows are mounted one at a time by ``mount_rows`` (a page built in slices,
        # see KioskScreen.compose_later), not all at once when the form is composed.
        self.sliced = sliced
        self.rules_open = rules_open  # every checklist shows from the start (LabelledField)
        # A stored English name is the candidate's own: never replaced by the default.
        self.english_edited = bool(
            self.initial.get("english_surname") or self.initial.get("english_given_name")
        )
        self._romanize_timer: Timer | None = None
        # Each Chinese name whose English name is settled: romanized, or the candidate's own kept
        # (what tests await instead of a pause)
        self.settled_names: list[str] = []

    def compose(self) -> ComposeResult:
        if not self.sliced:
            yield from self.rows()

    async def mount_rows(self) -> None:
        """Mount the rows one per frame (see ``KioskScreen._mount_later``; called from its task)."""
        if not self.sliced:
            return
        for row in self.rows():
            if not self.is_attached:
                return
            await self.mount(row)
            await cast(Any, self.screen).next_row()
        self._start()

    def rows(self) -> Iterable[Widget]:
        v = self.initial.get
        language = current_language()
        yield LabelledField(
            "chinese-name",
            "ui.field.chinese_name",
            rule_field="chinese_name",
            rules_open=self.rules_open,
            max_length=20,
            value=v("chinese_name", ""),
        )
        yield LabelledField(
            "english-surname",
            "ui.field.english_surname",
            rule_field="english_surname",
            rules_open=self.rules_open,
            max_length=40,
            value=v("english_surname", ""),
        )
        yield LabelledField(
            "english-given-name",
            "ui.field.english_given_name",
            rule_field="english_given_name",
            rules_open=self.rules_open,
            max_length=40,
            value=v("english_given_name", ""),
        )
        yield TLabel("ui.registration.note4", classes="note english-note")
        yield TLabel("ui.registration.note5", classes="note english-note")
        yield LabelledField(
            "email",
            "ui.field.email",
            rule_field="email",
            max_length=254,
            value=v("email", ""),
            rules_open=self.rules_open,
        )
        yield from self.after_email
        yield LabelledField(
            "mobile",
            "ui.field.mobile",
            rule_field="mobile",
            max_length=20,
            value=v("mobile", ""),
            rules_open=self.rules_open,
        )
        gender = RadioSet(
            *(
                NarrowRadioButton(
                    plain(t(key, language)), value=v("gender") == code, id=f"gender-{code.lower()}"
                )
                for code, key in GENDER_KEYS.items()
            ),
            id="gender",
            compact=True,
        )
        yield ChoiceField("gender", "ui.field.gender", gender)
        education: Select[str] = Select(
            education_options(language),
            prompt=t("ui.field.choose", language),
            value=v("education") or Select.NULL,
            id="education",
            compact=True,
        )
        yield ChoiceField("education", "ui.field.education", education)
        yield Picker(
            "school",
            "ui.field.school",
            choices=_school_choices,
            max_length=80,
            value=v("school", ""),
        )
        yield Picker(
            "department",
            "ui.field.department",
            choices=_department_choices,
            max_length=80,
            value=v("department", ""),
        )

    def on_mount(self) -> None:
        if not self.sliced:
            self._start()

    def _start(self) -> None:
        self._show_school(self.initial.get("education", ""))
        if not self.english_edited and self.initial.get("chinese_name"):
            self._schedule_romanize(now=True)

    # ------------------------------------------------------------------ values

    def _input(self, input_id: str) -> Input:
        return self.query_one(f"#{input_id}", Input)

    @property
    def gender(self) -> str:
        pressed = self.query_one("#gender", RadioSet).pressed_button
        return (pressed.id or "").removeprefix("gender-").upper() if pressed else ""

    @property
    def education(self) -> str:
        value = self.query_one("#education", Select).value
        return "" if value == Select.NULL else str(value)

    def values(self) -> dict[str, str]:
        """The profile as typed, in ``accounts.PROFILE_FIELDS`` names (the use case normalizes)."""
        out = {
            name: self._input(name.replace("_", "-")).value
            for name in ("chinese_name", "english_surname", "english_given_name", "email", "mobile")
        }
        out["gender"] = self.gender
        out["education"] = self.education
        needs_school = self.query_one("#school-field").display
        for name in ("school", "department"):
            out[name] = self._input(name).value if needs_school else ""
        return out

    # ------------------------------------------------------------------ English name (註4)

    @on(Input.Changed, "#chinese-name")
    def _chinese_name_changed(self, event: Input.Changed) -> None:
        if not self.english_edited:
            self._schedule_romanize()
        else:  # the candidate's own spelling stays: settled at once
            self.settled_names.append(event.value)

    @on(Input.Changed, "#english-surname")
    @on(Input.Changed, "#english-given-name")
    def _english_changed(self) -> None:
        # The default is filled with Changed prevented, so any change seen here is the candidate's.
        self.english_edited = True
        if self._romanize_timer is not None:
            self._romanize_timer.stop()

    def _schedule_romanize(self, *, now: bool = False) -> None:
        if self._romanize_timer is not None:
            self._romanize_timer.stop()
        delay = 0.001 if now else self.ROMANIZE_DELAY  # Textual timers divide by the delay
        self._romanize_timer = self.set_timer(delay, self._start_romanize)

    def _start_romanize(self) -> None:
        self._romanize_timer = None
        self._romanize(self._input("chinese-name").value)

    @work(thread=True, exclusive=True, exit_on_error=False, group="romanize")
    def _romanize(self, chinese_name: str) -> None:
        from kiosk.core import romanize

        surname, given = romanize.english_name(chinese_name)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._fill_english, chinese_name, surname, given)

    def _fill_english(self, chinese_name: str, surname: str, given: str) -> None:
        self.settled_names.append(chinese_name)  # what tests await: the answer has come
        if self.english_edited or self._input("chinese-name").value != chinese_name:
            return  # edited meanwhile, or a newer name is on its way
        for input_id, value in (("english-surname", surname), ("english-given-name", given)):
            box = self._input(input_id)
            if box.value != value:
                with box.prevent(Input.Changed):
                    box.value = value
                    box.cursor_position = len(value)
                self.query_one(f"#{input_id}-field", LabelledField).recheck(now=True)

    # ------------------------------------------------------------------ education, language

    @on(Select.Changed, "#education")
    def _education_changed(self, event: Select.Changed) -> None:
        self._show_school("" if event.value == Select.NULL else str(event.value))

    def _show_school(self, code: str) -> None:
        level = assets.education_level(code)
        needs_school = level is None or level.needs_school
        for name in ("school", "department"):
            self.query_one(f"#{name}-field").display = needs_school

    def apply_language(self, language: str) -> None:
        # query, not query_one: the language may change before this form is composed
        for button in self.query(RadioButton):
            code = (button.id or "").removeprefix("gender-").upper()
            button.label = plain(t(GENDER_KEYS.get(code, ""), language))
        for select in self.query("#education").results(Select):
            relabel_select(select, education_options(language), t("ui.field.choose", language))

    def load(self, values: Mapping[str, Any]) -> None:
        """Show saved values (normalized by the use case) without re-deciding the English name."""
        for name in (
            "chinese_name",
            "english_surname",
            "english_given_name",
            "email",
            "mobile",
            "school",
            "department",
        ):
            box = self._input(name.replace("_", "-"))
            if box.value != str(values.get(name, "")):
                box.value = str(values.get(name, ""))
