"""服務窗口 Service desks: every certification of ``assets/ipas-subjects.csv`` with its desk's
contact (``assets/service-desks.csv``) or, when the assets list no desk for it, the general service
phone and e-mail (settings), saying so; and the general contact below."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from kiosk.core.exams import display_name
from kiosk.infra import assets
from kiosk.ui.widgets.text import TButton, TLabel, current_language, plain

from .base import KioskScreen


class ServiceDesksScreen(KioskScreen):
    BODY_TAKES_FOCUS = True  # a page to read: the arrow keys scroll it
    TITLE_KEY = "ui.service_desks.title"
    DEFAULT_CSS = """
    ServiceDesksScreen #desks { height: auto; margin: 1 0 0 0; }
    ServiceDesksScreen .desk { height: auto; }
    ServiceDesksScreen .desk-name { width: 2fr; min-width: 24; text-style: bold; margin: 0 1 0 0; }
    ServiceDesksScreen .desk-contact { width: 3fr; }
    ServiceDesksScreen #general { text-style: bold; margin: 1 0 0 0; }
    """

    def compose_body(self) -> ComposeResult:
        settings = self.kiosk.settings
        yield TLabel("ui.service_desks.heading", classes="page-heading")
        yield TLabel("ui.service_desks.intro", classes="note")
        desks = {desk.certification_zh: desk for desk in assets.service_desks()}
        with Vertical(id="desks"):
            for subject in dict.fromkeys(row.subject_zh for row in assets.subjects()):
                desk = desks.get(subject)
                with Horizontal(classes="desk"):
                    yield CertificationName(subject)
                    if desk is None:  # no desk row in the assets: never make one up
                        yield TLabel(
                            "ui.service_desks.general_only",
                            classes="desk-contact -general",
                            phone=settings.service_phone,
                            email=settings.service_email,
                        )
                        continue
                    yield TLabel(
                        "ui.service_desks.desk",
                        classes="desk-contact",
                        phone=desk.phone,
                        email=desk.email,
                    )
        yield TLabel(
            "ui.service_desks.general",
            id="general",
            phone=settings.service_phone,
            email=settings.service_email,
        )
        yield TLabel("ui.service_desks.organizer", classes="note")
        with Horizontal(classes="buttons"):
            yield TButton("ui.common.back", id="back")

    def on_mount(self) -> None:
        self.query_one("#back", Button).focus()

    @on(Button.Pressed, "#back")
    def back(self) -> None:
        self.app.pop_screen()


class CertificationName(Static):
    """A certification's official Chinese name; in English with its rendering (a translation)."""

    def __init__(self, name_zh: str) -> None:
        super().__init__("", classes="desk-name", markup=False)
        self.name_zh = name_zh

    def on_mount(self) -> None:
        self.apply_language(current_language())

    def apply_language(self, language: str) -> None:
        self.update(plain(display_name(self.name_zh, language)))
