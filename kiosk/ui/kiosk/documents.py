"""線上繳件申請 Online document submission: each registration in 待補件 with the documents it needs
and their review state (尚未繳交, 已繳交，審核中, 審核通過, 退件 with the reason); 繳交 opens a
file picker limited to the terminal's configured sources (a USB drive, a scanner's drop folder),
and the chosen file is checked by content, kept under its hash and recorded
(``kiosk.core.documents``).

In a browser (``ipas-kiosk serve``) there is no way to take a file from the visitor's computer:
textual-serve 1.1.3 relays the terminal and offers downloads only (its ``download_manager.py``;
its server has no upload route), and the terminal's folders are the server's, not the visitor's.
The page says so there and offers no 繳交.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, OptionList, Static
from textual.widgets.option_list import Option

from kiosk.core.documents import DocumentView, RegistrationDocuments
from kiosk.core.documents.files import SourceFile
from kiosk.core.taiwan_time import shown
from kiosk.infra.i18n import t
from kiosk.ui.widgets.modal import MODAL_CSS
from kiosk.ui.widgets.text import TYPE_NAMES, TButton, TLabel, current_language, plain, size_text

from .area import AreaScreen

if TYPE_CHECKING:
    from kiosk.core.documents import SubmitResult
    from kiosk.core.documents.files import FileCheck

    from .app import KioskApp


def document_lines(view: DocumentView, language: str) -> list[str]:
    lines = [
        t(
            "ui.documents.line",
            language,
            kind=t(view.kind_key, language),
            status=t(view.status_key, language),
        )
    ]
    if view.status == "rejected" and view.reason:
        lines.append(t("ui.documents.reason", language, reason=view.reason))
    if view.submitted_at is not None and view.status != "missing":
        lines.append(
            t(
                "ui.documents.submitted",
                language,
                at=view.submitted_at.strftime("%Y-%m-%d %H:%M"),
                type=TYPE_NAMES.get(view.media_type, view.media_type),
                size=size_text(view.size),
            )
        )
    return lines


class DocumentsBlock(Vertical):
    """One registration in 待補件: its exam, then each document with a 繳交 button where it may
    (still, or again) be submitted."""

    DEFAULT_CSS = """
    DocumentsBlock { height: auto; border: round $warning; padding: 0 1; margin: 0 0 1 0; }
    DocumentsBlock > .documents-title { text-style: bold; }
    DocumentsBlock > .document { height: auto; }
    DocumentsBlock > .document.-rejected { color: $error; }
    DocumentsBlock > .document.-accepted { color: $success; }
    DocumentsBlock > Button { margin: 0 0 0 2; }
    """

    def __init__(self, item: RegistrationDocuments, *, can_pick: bool) -> None:
        super().__init__(id=f"documents-{item.registration.id}")
        self.item = item
        self.can_pick = can_pick

    def compose(self) -> ComposeResult:
        yield Static("", classes="documents-title", markup=False)
        for view in self.item.documents:
            yield Static("", classes=f"document -{view.status}", markup=False)
            if view.can_submit and self.can_pick:
                yield TButton(
                    "ui.documents.submit",
                    "primary",
                    id=f"submit-{view.registration_id}-{view.kind}",
                    compact=True,
                )

    def on_mount(self) -> None:
        self.apply_language(current_language())

    def apply_language(self, language: str) -> None:
        s = self.item.registration.session
        title = f"{s.title(language)}  {s.when(language)}"
        self.query_one(".documents-title", Static).update(plain(title))
        for static, view in zip(
            self.query(".document").results(Static), self.item.documents, strict=False
        ):
            static.update(plain("\n".join(document_lines(view, language))))


class FilePickerScreen(ModalScreen[SourceFile | None]):
    """The files of the configured sources, newest first; Enter or a click picks one. Nothing
    outside the sources is listed or can be reached (``kiosk.core.documents.files``)."""

    DEFAULT_CSS = (
        MODAL_CSS.format(name="FilePickerScreen")
        + """
    FilePickerScreen > Vertical { width: 76; }
    FilePickerScreen #files { height: auto; max-height: 10; margin: 1 0 0 0; }
    FilePickerScreen #files-none { color: $warning; }
    """
    )
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", show=False)]

    def __init__(self, kind_key: str) -> None:
        super().__init__(id="file-picker")
        self.kind_key = kind_key
        self.files: list[SourceFile] = []
        self.loaded = False

    def compose(self) -> ComposeResult:
        language = current_language()
        with Vertical():
            yield TLabel(
                "ui.documents.pick_title", classes="modal-title", kind=t(self.kind_key, language)
            )
            yield TLabel("ui.documents.pick_note", classes="modal-line")
            yield OptionList(id="files")
            yield TLabel("ui.documents.pick_none", id="files-none", classes="modal-line")
            with Horizontal():
                yield TButton("ui.documents.pick_refresh", id="files-refresh")
                yield TButton("ui.documents.pick_cancel", id="files-cancel")

    def on_mount(self) -> None:
        self.query_one("#files-none").display = False
        self.refresh_files()

    @on(Button.Pressed, "#files-refresh")
    def refresh_files(self) -> None:
        self.loaded = False
        self.list_files()

    @work(thread=True, exclusive=True, exit_on_error=False, group="files")
    def list_files(self) -> None:
        from kiosk.core.documents.files import list_sources

        app = cast("KioskApp", self.app)
        # a drive's folder: off the event loop; a shared scan folder shows this session's only
        found = list_sources(app.settings, since=app.session_started)
        app.call_from_thread(self._listed, found)

    def _listed(self, found: list[SourceFile]) -> None:
        if not self.is_attached:
            return
        self.files = found
        listing = self.query_one("#files", OptionList)
        listing.clear_options()
        listing.add_options(
            Option(
                plain(
                    t(
                        "ui.documents.pick_row",
                        current_language(),
                        name=f.relative,
                        size=size_text(f.size),
                        at=shown(f.modified),
                    )
                ),
                id=str(n),
            )
            for n, f in enumerate(found)
        )
        listing.display = bool(found)
        self.query_one("#files-none").display = not found
        if found:
            listing.highlighted = 0
            listing.focus()
        else:
            self.query_one("#files-refresh", Button).focus()
        self.loaded = True

    @on(OptionList.OptionSelected, "#files")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.files[int(event.option.id or 0)])

    @on(Button.Pressed, "#files-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class DocumentsScreen(AreaScreen):
    TITLE_KEY = "ui.documents.title"
    DEFAULT_CSS = """
    DocumentsScreen #documents { height: auto; }
    DocumentsScreen #documents-note { color: $warning; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.items: list[RegistrationDocuments] = []
        self.loaded = False

    @property
    def in_browser(self) -> bool:
        """Served to a browser (``ipas-kiosk serve`` sets the source): no file can come in."""
        return bool(self.kiosk.settings.source)

    @property
    def can_pick(self) -> bool:
        settings = self.kiosk.settings
        return not self.in_browser and bool(settings.document_sources or settings.scan_folders)

    def compose_body(self) -> ComposeResult:
        yield TLabel("ui.documents.heading", classes="page-heading")
        yield TLabel("ui.documents.intro", classes="note")
        note = "ui.documents.browser" if self.in_browser else "ui.documents.no_source"
        yield TLabel(note, id="documents-note")
        yield Static("", id="message", classes="message -empty", markup=False)
        yield Vertical(id="documents")
        yield TLabel("ui.documents.none", id="documents-none", classes="note")
        with Horizontal(classes="buttons"):
            yield TButton("ui.common.back", id="back")

    def on_mount(self) -> None:
        self.query_one("#documents-note").display = not self.can_pick
        self.query_one("#documents-none").display = False
        self.query_one("#back", Button).focus()
        self.reload()

    def reload(self) -> None:
        self._worker_token = self.kiosk.session_token
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="documents")
    def load(self) -> None:
        from kiosk.core import documents

        app = self.kiosk
        candidate = app.candidate
        found = (
            self.call_store(
                documents.list_documents,
                candidate_id=candidate.id,
                settings=app.settings,
                clock=app.clock,
            )
            if candidate is not None
            else None
        )
        self.deliver(self.show_documents, found)

    def show_documents(self, found: list[RegistrationDocuments] | None) -> None:
        if found is None:
            self.show_message("ui.error.store")
            return
        self.call_later(self._rebuild, list(found))

    async def _rebuild(self, found: list[RegistrationDocuments]) -> None:
        self.items = found
        box = self.query_one("#documents", Vertical)
        await box.remove_children()
        await box.mount_all(DocumentsBlock(item, can_pick=self.can_pick) for item in found)
        self.query_one("#documents-none").display = not found
        self.loaded = True

    @on(Button.Pressed, "#documents Button")
    def _submit_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        button = event.button
        if self.kiosk.candidate is None or button.disabled or not self.can_pick:
            return
        registration, kind = (button.id or "").removeprefix("submit-").split("-", 1)

        def picked(chosen: SourceFile | None) -> None:
            if chosen is None or not button.is_attached:
                return
            self.show_message("ui.documents.checking", kind="busy")
            self.set_busy(button.id or "", True)
            self.send(int(registration), kind, chosen)

        self.app.push_screen(FilePickerScreen(f"documents.kind.{kind}"), picked)

    @work(thread=True, exclusive=True, exit_on_error=False, group="documents-submit")
    def send(self, registration_id: int, kind: str, chosen: SourceFile) -> None:
        from kiosk.core import documents
        from kiosk.core.documents import files

        app = self.kiosk
        candidate = app.candidate
        check = files.take(app.settings, chosen.source, chosen.relative)
        result: FileCheck | SubmitResult | None = check
        if check.ok and check.stored is not None and candidate is not None:
            result = self.call_store(
                documents.submit,
                candidate_id=candidate.id,
                registration_id=registration_id,
                kind=kind,
                stored=check.stored,
                settings=app.settings,
                clock=app.clock,
            )
        self.deliver(self.show_sent, result)

    def show_sent(self, result: FileCheck | SubmitResult | None) -> None:
        for button in self.query("#documents Button").results(Button):
            button.disabled = button.loading = False
        if result is None:
            self.show_message("ui.error.store")
            return
        values: dict[str, str] = getattr(result, "values", {})  # a SubmitResult has none
        self.show_message(result.message_key, kind="ok" if result.ok else "error", **values)
        self.call_after_refresh(self.query_one("#body").scroll_home, animate=False)
        self.reload()

    @on(Button.Pressed, "#back")
    def back(self) -> None:
        self.app.pop_screen()
