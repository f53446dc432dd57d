"""Text that follows the kiosk's language: labels and buttons keyed into the catalogs.

Everything here renders plain text (``Content``/``Text``, never markup), so a value that came from
a user or the database can never turn into Rich markup or a terminal escape.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual import active_app
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Button, Static

from kiosk.infra.i18n import DEFAULT_LANGUAGE, t


def current_language() -> str:
    try:
        return str(getattr(active_app.get(), "language", DEFAULT_LANGUAGE))
    except LookupError:
        return DEFAULT_LANGUAGE


def relabel(screens: Iterable[Screen[Any]], language: str) -> None:
    """Every widget and screen that has ``apply_language`` redraws its text in ``language``
    (what both apps' ``watch_language`` do; values typed stay)."""
    for screen in screens:
        for widget in screen.query("*"):
            apply = getattr(widget, "apply_language", None)
            if apply is not None:
                apply(language)
        apply = getattr(screen, "apply_language", None)
        if apply is not None:
            apply(language)


def plain(text: str) -> Content:
    """Text shown exactly as it is: control characters dropped, no markup. The ideographic
    space U+3000 stays (Python calls it unprintable): the Chinese catalog separates with it, and
    dropping it ran 電話 03-5917544 and 信箱 together."""
    return Content("".join(ch for ch in text if ch.isprintable() or ch in "\n\u3000"))


class TLabel(Static):
    """A static line from the catalog (or several: a tuple of keys, one line each, in one widget);
    re-rendered when the language changes."""

    def __init__(
        self,
        key: str | tuple[str, ...],
        *,
        id: str | None = None,
        classes: str | None = None,
        prefix: str = "",
        **values: Any,
    ) -> None:
        self.key = key
        self.prefix = prefix
        self.values = values
        super().__init__(self._text(current_language()), id=id, classes=classes, markup=False)

    def _text(self, language: str) -> Content:
        keys = (self.key,) if isinstance(self.key, str) else self.key
        return plain(self.prefix + "\n".join(t(key, language, **self.values) for key in keys))

    def apply_language(self, language: str) -> None:
        self.update(self._text(language))

    def set_key(self, key: str | tuple[str, ...], **values: Any) -> None:
        self.key, self.values = key, values
        self.apply_language(current_language())


class TButton(Button):
    """A button whose label comes from the catalog."""

    def __init__(
        self,
        key: str,
        variant: Any = "default",
        *,
        id: str | None = None,
        classes: str | None = None,
        compact: bool = False,
    ) -> None:
        self.key = key
        super().__init__(
            plain(t(key, current_language())), variant, id=id, classes=classes, compact=compact
        )

    def apply_language(self, language: str) -> None:
        self.label = plain(t(self.key, language))
        self.refresh(layout=True)  # the other language's label may be wider


TYPE_NAMES = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}
"""How a submitted document's media type is named on screen."""


def size_text(size: int | None) -> str:
    """A file's size as people read it (KB below a megabyte, else MB with one decimal)."""
    if size is None:
        return ""
    return f"{size / 1024:.0f} KB" if size < 1024 * 1024 else f"{size / 2**20:.1f} MB"
