"""成績複查申請 Score re-check: for each released result still within its re-check window, tick the
parts to re-check, see the fee and how to pay, confirm, and the applications are made (one per
part: the database refuses a second). Parts applied for show their status and, once decided,
the outcome (score unchanged, or corrected with the new score)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Checkbox, Static

from kiosk.core.exams import display_name, english_rendering
from kiosk.core.results import PartView, ResultView
from kiosk.infra.i18n import t
from kiosk.ui.widgets.text import TButton, TLabel, current_language, plain
from kiosk.ui.widgets.toggles import NarrowCheckbox

from .area import AreaScreen

if TYPE_CHECKING:
    from kiosk.core.results.recheck import ApplyResult


def part_status(part: PartView, language: str) -> str:
    """``人工智慧基礎概論：複查完成：成績更正為 72 分``: an applied part's line."""
    assert part.recheck is not None
    status = t(
        f"results.status.{part.recheck.status}",
        language,
        score=str(part.recheck.new_score or ""),
    )
    return t("ui.recheck.status", language, part=display_name(part.part, language), status=status)


class RecheckBlock(Vertical):
    """One result: its title and window, a box per part that may still be applied for, a status
    line per part applied for."""

    DEFAULT_CSS = """
    RecheckBlock { height: auto; border: round $primary; padding: 0 1; margin: 0 0 1 0; }
    RecheckBlock > .recheck-title { text-style: bold; }
    RecheckBlock > Checkbox { margin: 0; width: 1fr; height: auto; text-wrap: wrap; }
    """

    def __init__(self, view: ResultView) -> None:
        super().__init__(id=f"recheck-result-{view.id}")
        self.view = view

    def compose(self) -> ComposeResult:
        yield Static("", classes="recheck-title", markup=False)
        yield Static("", classes="recheck-window", markup=False)
        for part in self.view.parts:
            if part.recheck is None and self.view.recheck_open:
                yield NarrowCheckbox(
                    self.choice(part, current_language()),
                    id=f"part-{part.score_id}",
                    compact=True,
                )
            elif part.recheck is not None:
                yield Static("", id=f"status-{part.score_id}", classes="part-status", markup=False)

    def on_mount(self) -> None:
        self.apply_language(current_language())

    @staticmethod
    def choice(part: PartView, language: str) -> Content:
        # the score right after the Chinese name: a checkbox's label is one line, and a long
        # English rendering cut at 80 columns must not take the score with it
        line = t("ui.recheck.choice", language, part=part.part, score=str(part.score))
        rendering = english_rendering(part.part, language)
        return plain(f"{line} {rendering}" if rendering else line)

    def apply_language(self, language: str) -> None:
        view = self.view
        until = view.recheck_until.strftime("%Y-%m-%d %H:%M")
        window = "ui.recheck.until" if view.recheck_open else "ui.recheck.closed"
        self.query_one(".recheck-title", Static).update(plain(view.title(language)))
        self.query_one(".recheck-window", Static).update(plain(t(window, language, until=until)))
        for part in view.parts:
            for box in self.query(f"#part-{part.score_id}").results(Checkbox):
                box.label = self.choice(part, language)
            for line in self.query(f"#status-{part.score_id}").results(Static):
                line.update(plain(part_status(part, language)))


class RecheckScreen(AreaScreen):
    TITLE_KEY = "ui.recheck.title"
    DEFAULT_CSS = """
    RecheckScreen #recheck { height: auto; }
    RecheckScreen #recheck-fee { text-style: bold; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.results: list[ResultView] = []
        self.loaded = False

    def compose_body(self) -> ComposeResult:
        settings = self.kiosk.settings
        fee = f"{settings.recheck_fee:,}"
        yield TLabel("ui.recheck.heading", classes="page-heading")
        yield TLabel("ui.recheck.intro", classes="note", fee=fee)
        if settings.recheck_payment.strip():
            yield TLabel("ui.recheck.payment_site", classes="note", text=settings.recheck_payment)
        else:
            yield TLabel("ui.recheck.payment", classes="note", phone=settings.service_phone)
        yield Vertical(id="recheck")
        yield TLabel("ui.recheck.none", id="recheck-none", classes="note")
        yield TLabel("ui.recheck.fee", id="recheck-fee", count="0", fee="0")
        # right above 申請 and 返回: the answer is brought into view with the button that keeps
        # the focus, and above a long list the two did not fit on an 80x24 screen together
        yield Static("", id="message", classes="message -empty", markup=False)
        with Horizontal(classes="buttons"):
            yield TButton("ui.recheck.submit", "primary", id="recheck-submit")
            yield TButton("ui.common.back", id="back")

    def on_mount(self) -> None:
        self.query_one("#recheck-none").display = False
        self.query_one("#back", Button).focus()
        self.reload()

    def reload(self) -> None:
        self._worker_token = self.kiosk.session_token
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="recheck")
    def load(self) -> None:
        from kiosk.core import results

        app = self.kiosk
        candidate = app.candidate
        found = (
            self.call_store(
                results.list_results,
                candidate_id=candidate.id,
                settings=app.settings,
                clock=app.clock,
            )
            if candidate is not None
            else None
        )
        self.deliver(self.show_results, found)

    def show_results(self, found: list[ResultView] | None) -> None:
        if found is None:
            self.show_message("ui.error.store")
            return
        shown = [
            view for view in found if view.recheck_open or any(part.recheck for part in view.parts)
        ]
        self.call_later(self._rebuild, shown)

    async def _rebuild(self, shown: list[ResultView]) -> None:
        self.results = shown
        box = self.query_one("#recheck", Vertical)
        await box.remove_children()
        await box.mount_all(RecheckBlock(view) for view in shown)
        self.query_one("#recheck-none").display = not shown
        choosable = bool(self.query("#recheck Checkbox"))
        self.query_one("#recheck-submit", Button).display = choosable
        self.query_one("#recheck-fee").display = choosable
        self._show_fee()
        self.loaded = True
        # the rebuilt list (after an application) changes the page's height: the answer above
        # the buttons is brought back into view with them
        self.call_after_refresh(self.keep_answer_in_view)

    def chosen(self) -> list[PartView]:
        ticked = {
            int((box.id or "part-0").removeprefix("part-"))
            for box in self.query("#recheck Checkbox").results(Checkbox)
            if box.value
        }
        return [p for view in self.results for p in view.parts if p.score_id in ticked]

    def _show_fee(self) -> None:
        count = len(self.chosen())
        fee = f"{count * self.kiosk.settings.recheck_fee:,}"
        self.query_one("#recheck-fee", TLabel).set_key("ui.recheck.fee", count=str(count), fee=fee)

    @on(Checkbox.Changed)
    def _ticked(self) -> None:
        self._show_fee()

    @on(Button.Pressed, "#recheck-submit")
    def submit(self) -> None:
        if self.kiosk.candidate is None or self.is_busy("recheck-submit"):
            return
        parts = self.chosen()
        if not parts:
            self.show_message("results.recheck.none_chosen")
            return
        from .modals import ConfirmScreen

        language = current_language()
        fee = f"{len(parts) * self.kiosk.settings.recheck_fee:,}"
        lines = [RecheckBlock.choice(p, language).plain for p in parts]
        lines.append(t("ui.recheck.confirm_fee", language, fee=fee))
        score_ids = [p.score_id for p in parts]

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.show_message(None)
                self.set_busy("recheck-submit", True)
                self.apply(score_ids)

        self.app.push_screen(
            ConfirmScreen("ui.recheck.confirm_title", lines, yes_key="ui.recheck.confirm_yes"),
            confirmed,
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="recheck-apply")
    def apply(self, score_ids: list[int]) -> None:
        from kiosk.core.results import recheck

        app = self.kiosk
        candidate = app.candidate
        result = (
            self.call_store(
                recheck.apply,
                candidate_id=candidate.id,
                score_ids=score_ids,
                settings=app.settings,
                clock=app.clock,
            )
            if candidate is not None
            else None
        )
        self.deliver(self.show_applied, result)

    def show_applied(self, result: ApplyResult | None) -> None:
        self.set_busy("recheck-submit", False)
        if result is None:
            self.show_message("ui.error.store")
            return
        self.show_message(result.message_key, kind="ok" if result.ok else "error", **result.values)
        self.reload()

    @on(Button.Pressed, "#back")
    def back(self) -> None:
        self.app.pop_screen()
