"""Radio buttons and check boxes drawn with ASCII: Textual's ``▐●▌`` are East Asian ambiguous-width
glyphs, which a terminal set to render them wide would misalign (Textual counts them as one
cell; measured here, 2026-11). The drawing overrides private API: ``kiosk.ui.textual_private``."""

from __future__ import annotations

from textual.geometry import Size

from kiosk.ui.textual_private import AsciiCheckbox, AsciiRadioButton


class NarrowRadioButton(AsciiRadioButton):
    """``(*)`` when chosen, ``( )`` otherwise."""


class NarrowCheckbox(AsciiCheckbox):
    """``[X]`` when checked, ``[ ]`` otherwise."""

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """Textual's toggle is one line; with ``text-wrap: wrap`` (a long label: a part's name
        with its English rendering) it is as many lines as its label wraps to."""
        if self.styles.text_wrap != "wrap":
            return super().get_content_height(container, viewport, width)
        return max(1, len(self.render().wrap(max(1, width))))
