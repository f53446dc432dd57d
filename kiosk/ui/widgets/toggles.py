"""Radio buttons and check boxes drawn with ASCII: Textual's ``▐●▌`` are East Asian ambiguous-width
glyphs, which a terminal set to render them wide would misalign (Textual counts them as one
cell; measured here, 2026-11). The drawing overrides private API: ``kiosk.ui.textual_private``."""

from __future__ import annotations

from kiosk.ui.textual_private import AsciiCheckbox, AsciiRadioButton


class NarrowRadioButton(AsciiRadioButton):
    """``(*)`` when chosen, ``( )`` otherwise."""


class NarrowCheckbox(AsciiCheckbox):
    """``[X]`` when checked, ``[ ]`` otherwise."""
