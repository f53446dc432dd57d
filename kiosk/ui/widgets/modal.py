"""The look both apps' modals share (a bordered box in the middle of a dimmed page)."""

from __future__ import annotations

MODAL_CSS = """
{name} {{ align: center middle; background: $background 60%; }}
{name} > Vertical {{ width: 64; max-width: 100%; height: auto; border: thick $warning;
                    background: $surface; padding: 1 2; }}
{name} .modal-title {{ text-style: bold; margin: 0 0 1 0; }}
{name} .modal-line {{ height: auto; }}
{name} Horizontal {{ height: auto; margin: 1 0 0 0; }}
{name} Horizontal > Button {{ margin: 0 1 0 0; }}
"""
"""A modal's ``DEFAULT_CSS``: ``MODAL_CSS.format(name="ReasonScreen")``."""
