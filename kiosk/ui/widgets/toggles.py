"""Radio buttons and check boxes drawn with ASCII: Textual's ``▐●▌`` are East Asian ambiguous-width
glyphs, which a terminal set to render them wide would misalign (FIELD-NOTES)."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Checkbox, RadioButton


class NarrowRadioButton(RadioButton):
    """``(*)`` when chosen, ``( )`` otherwise."""

    @property
    def _button(self) -> Content:
        style = self.get_visual_style("toggle--button")
        return Content.assemble("(", ("*" if self.value else " ", style), ")")


class NarrowCheckbox(Checkbox):
    """``[X]`` when checked, ``[ ]`` otherwise."""

    @property
    def _button(self) -> Content:
        style = self.get_visual_style("toggle--button")
        return Content.assemble("[", ("X" if self.value else " ", style), "]")
