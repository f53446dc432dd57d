"""Pilot fixtures: a KioskApp on a real, seeded SQLite file with a fixed captcha answer."""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.errors import NoWidget
from textual.pilot import Pilot
from textual.widgets import Input

from kiosk.core.demo import seed_demo
from kiosk.infra.config import Settings
from kiosk.infra.store import Store
from kiosk.ui.kiosk.app import KioskApp
from tests.conftest import make_settings

CAPTCHA = "12345"


class ReadyKioskApp(KioskApp):
    """The kiosk whose ``run_test`` starts once the login page is whole: the page paints its
    account box at once and mounts the rest (other fields, captcha, buttons, rules box) a frame
    later (``KioskScreen.compose_later``), the top bar's buttons a frame after the first paint."""

    @asynccontextmanager
    async def run_test(self, *args: Any, **kwargs: Any) -> AsyncIterator[Pilot[Any]]:
        async with super().run_test(*args, **kwargs) as pilot:
            await page_built(pilot)
            yield pilot


async def page_built(pilot: Pilot[Any], timeout: float = 30.0) -> None:
    """Await the current page's signal that it is whole (``KioskScreen.built``, set when the
    rows mounted after the first paint and the top bar's buttons are there)."""
    built = getattr(pilot.app.screen, "built", None)
    if built is not None:
        await asyncio.wait_for(built.wait(), timeout)
    await pilot.pause()


def page_ready(app: Any) -> bool:
    """The current page is whole (its ``built`` signal is set); pages without one always are."""
    built = getattr(app.screen, "built", None)
    return built is None or built.is_set()


def build_app(tmp_path: Path, *, seed: bool = True, **overrides: Any) -> KioskApp:
    """A kiosk on a fresh SQLite file (demo candidates seeded), captcha answer 12345."""
    settings: Settings = make_settings(tmp_path, **overrides)
    store = Store(f"sqlite:///{tmp_path / 'kiosk.db'}", busy_seconds=settings.store_busy_seconds)
    store.upgrade()
    if seed:
        with store.session() as session:
            seed_demo(session, settings=settings)
    return ReadyKioskApp(settings, store=store, captcha_source=lambda: CAPTCHA, captcha_seed=7)


@pytest.fixture
def app_factory(tmp_path: Path) -> Callable[..., KioskApp]:
    made: list[KioskApp] = []

    def make(**overrides: Any) -> KioskApp:
        app = build_app(tmp_path, **overrides)
        made.append(app)
        return app

    yield make  # type: ignore[misc]
    for app in made:
        app.store.dispose()


async def type_into(pilot: Pilot[Any], selector: str, text: str) -> None:
    """Focus an input and type ``text``: ASCII as key presses, anything else as a paste
    (pilot.press drops CJK punctuation; an IME delivers composed text much like a paste)."""
    await wait_for(pilot, lambda: bool(pilot.app.screen.query(selector)))  # page still composing
    widget = pilot.app.screen.query_one(selector, Input)
    widget.focus()
    await wait_for(pilot, lambda: pilot.app.focused is widget)  # focus moves on a later tick
    if text.isascii():
        await pilot.press(*[key_name(ch) for ch in text])
    else:
        await deliver_paste(pilot, widget, text)
    await pilot.pause()


async def deliver_paste(pilot: Pilot[Any], widget: Input, text: str) -> None:
    """Paste ``text`` into ``widget`` and return once the box has handled it. A posted message is
    handled on the box's own queue, so a key pressed right after could otherwise be acted on
    (a submit reading the value) before the paste arrived; a callback queued behind the paste
    runs only after it."""
    handled = asyncio.Event()
    widget.post_message(events.Paste(text))
    widget.call_later(handled.set)
    await wait_for(pilot, handled.is_set)


def key_name(ch: str) -> str:
    names = {
        " ": "space",
        "#": "number_sign",
        "$": "dollar_sign",
        "@": "at",
        "?": "question_mark",
        ".": "full_stop",
        "-": "minus",
        "_": "underscore",
        "+": "plus",
        "!": "exclamation_mark",
    }
    return names.get(ch, ch)


async def wait_for(pilot: Pilot[Any], predicate: Callable[[], bool], timeout: float = 30.0) -> None:
    """Let workers finish: poll ``predicate`` while the app runs."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await pilot.pause(0.05)


async def workers_ended(pilot: Pilot[Any]) -> None:
    """Every worker has ended. A worker replaced by a newer one of its group ends cancelled,
    which ``workers.wait_for_complete`` would raise for."""
    await wait_for(pilot, lambda: all(worker.is_finished for worker in pilot.app.workers))


def screen_name(pilot: Pilot[Any]) -> str:
    """The current screen's class name, once the page is whole ("" while it is being built)."""
    return type(pilot.app.screen).__name__ if page_ready(pilot.app) else ""


def visible_text(app: Any) -> str:
    """What a person sees now: the text of the visible region (``export_screenshot`` is SVG of
    exactly that), one line per row, non-breaking spaces as spaces, CJK intact."""
    svg = app.export_screenshot()
    rows: dict[float, list[tuple[float, str]]] = {}
    for attrs, body in re.findall(r"<text([^>]*)>(.*?)</text>", svg):
        x = re.search(r'\bx="([\d.]+)"', attrs)
        y = re.search(r'\by="([\d.]+)"', attrs)
        if x and y:
            rows.setdefault(float(y.group(1)), []).append((float(x.group(1)), body))
    lines = ["".join(b for _, b in sorted(parts)) for _, parts in sorted(rows.items())]
    return html.unescape("\n".join(lines)).replace("\xa0", " ")


async def click(pilot: Pilot[Any], target: Any, offset: tuple[int, int] = (1, 0)) -> None:
    """One click on ``target`` (a widget or selector) the way a person makes it: if it is not on
    screen, the page is scrolled to it first (a wheel or a swipe: the focus stays where it is),
    then one press and release where it is drawn (asserted to be it, or a part of it)."""
    widget = pilot.app.screen.query_one(target) if isinstance(target, str) else target
    await wait_for(pilot, lambda: not widget.disabled and not widget.has_class("-active"))

    def on_screen() -> bool:
        """Wholly drawn: a widget scrolled under the footer has a region on the screen too."""
        try:
            where = pilot.app.screen.find_widget(widget)
        except NoWidget:
            return False
        return bool(where.region) and where.visible_region == where.region

    if not on_screen():
        pilot.app.screen.scroll_to_widget(widget, animate=False)
        await wait_for(pilot, on_screen)
        await pilot.pause()
    x, y = widget.region.x + offset[0], widget.region.y + offset[1]
    under, _ = pilot.app.screen.get_widget_at(x, y)
    assert widget in under.ancestors_with_self, f"{widget!r} is not under the pointer: {under!r}"
    await pilot.click(offset=(x, y))
