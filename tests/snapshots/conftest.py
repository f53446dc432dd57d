"""Every snapshot shows the Input's cursor the same way: its blink is frozen (the one place the
tests reach Textual's private ``Input._toggle_cursor``, named in ``kiosk.ui.textual_private``)."""

from __future__ import annotations

import pytest

from kiosk.ui.textual_private import CURSOR_BLINK


@pytest.fixture(autouse=True)
def _still_cursor(monkeypatch: pytest.MonkeyPatch) -> None:
    owner, name = CURSOR_BLINK
    monkeypatch.setattr(owner, name, lambda self: None)
