"""Scroll a page the least that shows a region, at once, from where the last frame drew it.

Written by hand: Textual scrolls to one widget (``scroll_to_widget``, ``scroll_visible``), not to
several together, and a widget's ``region`` is where the *last frame* drew it. While a scroll is
under way (Textual's own focus scroll animates to the centre) the page's ``scroll_y`` has moved
on from that frame, so "scroll by the distance the region is out of view" must start from the
offset the frame was drawn at, not from ``scroll_y`` — started from ``scroll_y`` the same page
ended at a different place on every run (a snapshot flipped between two pictures).
"""

from __future__ import annotations

from textual.geometry import Region
from textual.widget import Widget


def drawn_scroll_y(body: Widget, widget: Widget) -> float:
    """The vertical offset of ``body`` when ``widget`` (inside it) was last drawn: its place in
    the page minus its place on the screen, read from the same frame."""
    node = widget
    while node.parent is not body:
        if not isinstance(node.parent, Widget):
            return body.scroll_y
        node = node.parent
    if not node.region.width and not node.region.height:
        return body.scroll_y  # not laid out yet
    return body.scrollable_content_region.y + node.virtual_region.y - node.region.y


def show_region(body: Widget, region: Region, anchor: Widget) -> bool:
    """Scroll ``body`` at once (a running scroll stops) the least that shows ``region`` (screen
    cells of the frame that drew ``anchor``); False when it is taller than the view.

    "The least" is measured from where the page is: a scroll made at once earlier in the same
    frame (the answer shown with the focused box) is kept when it shows the region too, so two
    callers in one frame do not undo each other; a scroll still animating (Textual centres a
    focused widget) is measured from the frame the person sees, not from where it was going."""
    view = body.scrollable_content_region
    if region.height > view.height:
        return False
    drawn = drawn_scroll_y(body, anchor)
    highest = drawn + region.y - view.y  # offsets that show the region: its top at the view's
    lowest = drawn + region.bottom - view.bottom  # top ... its bottom at the view's bottom
    animating = body.scroll_y != body.scroll_target_y
    y = round(min(max(drawn if animating else body.scroll_target_y, lowest), highest))
    if y != body.scroll_y or y != body.scroll_target_y:
        body.scroll_to(y=y, animate=False, immediate=True)
    return True
