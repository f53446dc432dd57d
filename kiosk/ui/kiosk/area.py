"""AreaScreen: a page of the candidate area opened from the home menu (成績查詢, 成績複查申請,
線上繳件申請, 團體報名). Escape goes back to the home menu, as the page's 返回 button does; a
modal above the page (a confirmation, the file picker) takes Escape for itself first."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType

from .base import KioskScreen


class AreaScreen(KioskScreen):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "home", show=False)]

    def action_home(self) -> None:
        """Back to the home menu (the pages of the area sit right above it)."""
        stack = self.app.screen_stack
        if self is stack[-1] and any(getattr(s, "IS_HOME", False) for s in stack):
            self.app.pop_screen()
