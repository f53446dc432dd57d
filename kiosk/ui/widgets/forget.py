"""Make Textual and Rich forget what the last candidate typed: the one place the kiosk reaches
into their private caches.

Dropping a session's screens is not enough: some caches of Textual and Rich outlive the widgets
that filled them, and hold what those widgets drew — the values a candidate typed, as shown in
the boxes (a password box draws ``*`` only: see ``KioskInput``):

- ``textual._styles_cache.StylesCache.get_inner_outer`` is an ``lru_cache(1024)`` on a *method*:
  its keys hold every recently drawn widget's ``StylesCache``, and so the last lines it painted.
- ``rich.cells.cached_cell_len`` (``lru_cache(4096)``) keeps every short text it measured.

:func:`forget_rendered_text` clears them when a session ends. They are private, so an upgrade may
move them: a missing one is skipped here (the kiosk must go on), and
``tests/unit/test_forget.py`` fails loudly so the list gets updated.
"""

from __future__ import annotations

import importlib
from typing import Any

PRIVATE_CACHES: tuple[tuple[str, str], ...] = (
    ("textual._styles_cache", "StylesCache.get_inner_outer"),
    ("rich.cells", "cached_cell_len"),
)
"""(module, attribute path) of every cache that holds rendered text beyond its widget's life."""


def private_cache(module: str, path: str) -> Any | None:
    """The cache object at ``module``.``path``, or None when this version has no such thing."""
    try:
        found: Any = importlib.import_module(module)
    except ImportError:
        return None
    for name in path.split("."):
        found = getattr(found, name, None)
    return found if callable(getattr(found, "cache_clear", None)) else None


def forget_rendered_text() -> None:
    """Empty the caches that keep a past session's text."""
    for module, path in PRIVATE_CACHES:
        cache = private_cache(module, path)
        if cache is not None:
            cache.cache_clear()
