"""A session leaves nothing behind in memory: after F9 or the idle wipe, no object of the past
session (its pages, their boxes, the signed-in candidate, worker results, the strings typed) can
be reached any more, not only nothing on screen.

Every object of the session is watched through a weak reference taken while the session runs;
after the end, a full collection, and the checks. A failure prints who still holds each object
(the chain of referrers back to a root), so the cause can be read from the test's output.
"""

from __future__ import annotations

import asyncio
import gc
import heapq
import secrets
import sys
import time
import types
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from textual._context import visible_screen_stack
from textual.pilot import Pilot
from textual.widgets import Input, Static

from kiosk.core import accounts
from kiosk.ui.kiosk.app import KioskApp
from kiosk.ui.kiosk.modals import IdleScreen
from tests.screens.conftest import CAPTCHA, screen_name, type_into, wait_for, workers_ended
from tests.screens.test_registration import fill_form, paste, press_button

CLEAR_CLIPBOARD = "\x1b]52;c;\a"  # OSC 52 with nothing: the terminal's clipboard emptied


class SessionWatch:
    """Weak references to a session's objects, and the strings its candidate typed."""

    def __init__(self) -> None:
        self.refs: dict[int, tuple[str, weakref.ref[Any]]] = {}
        self.typed: list[str] = []

    def watch(self, label: str, obj: Any) -> None:
        if obj is not None and id(obj) not in self.refs:
            self.refs[id(obj)] = (label, weakref.ref(obj))

    def secret(self, prefix: str) -> str:
        """A value to type that exists nowhere else (no constant of this file contains it)."""
        value = f"{prefix}{secrets.token_hex(4)}"
        self.typed.append(value)
        return value

    def pages(self, app: KioskApp) -> None:
        """Watch every page above login, its boxes, and the candidate signed in now."""
        for screen in app.screen_stack[1:]:
            self.watch(type(screen).__name__, screen)
            for box in screen.query(Input):
                self.watch(f"{type(screen).__name__} Input#{box.id}", box)
        self.watch("CandidateView", app.candidate)
        for worker in app.workers:
            if worker.group != "prewarm":
                self.watch(f"Worker {worker.name}", worker)

    def alive(self) -> list[Any]:
        return [ref() for _, ref in self.refs.values() if ref() is not None]

    def label(self, obj: Any) -> str:
        return self.refs[id(obj)][0]


@pytest.fixture
def watch(monkeypatch: pytest.MonkeyPatch) -> Iterator[SessionWatch]:
    """A SessionWatch that also sees every result the use cases hand to the screens."""
    seen = SessionWatch()
    for name in ("login", "update_profile", "change_password", "register"):
        real = getattr(accounts, name)

        def wrapped(*args: Any, _real: Callable[..., Any] = real, **kwargs: Any) -> Any:
            result = _real(*args, **kwargs)
            seen.watch(type(result).__name__, result)
            seen.watch("CandidateView (result)", getattr(result, "candidate", None))
            return result

        monkeypatch.setattr(accounts, name, wrapped)
    yield seen


def is_root(obj: Any) -> bool:
    """Where a chain of holders ends besides an object that nothing tracked holds (a pooled
    thread's own context, a running frame): a module, or the app, which lives on for the next
    candidate."""
    return isinstance(obj, (types.ModuleType, KioskApp))


def chain_to_root(target: Any, ignore: set[int], limit: int = 50_000) -> list[str]:
    """Who holds ``target``: the shortest chain of referrers from a root (see ``is_root``).
    One line per link, root first."""
    parents: dict[int, Any] = {id(target): None}
    keep: list[Any] = [target]
    ignore = ignore | {id(parents), id(keep), id(sys._getframe())}
    frontier = [target]
    root: Any = None
    while frontier and root is None and len(keep) < limit:
        ignore.add(id(frontier))
        found: list[Any] = []
        ignore.add(id(found))
        for obj in frontier:
            holders = gc.get_referrers(obj)
            ignore.add(id(holders))
            held = False
            for holder in holders:
                if id(holder) in ignore or own_frame(holder):
                    continue
                held = True
                if id(holder) not in parents:
                    parents[id(holder)] = obj
                    keep.append(holder)
                    found.append(holder)
            del holders
            if not held or (obj is not target and is_root(obj)):
                root = obj
                break
        frontier = found
    if root is None:
        return ["  (no root found)"]
    lines = []
    node = root
    while node is not None:
        lines.append(f"  {type(node).__module__}.{type(node).__qualname__}: {short(node)}")
        node = parents.get(id(node))
    return lines


def own_frame(obj: Any) -> bool:
    """A frame of this test file (its locals hold the app and the watch)."""
    return isinstance(obj, types.FrameType) and obj.f_code.co_filename == __file__


def short(obj: Any) -> str:
    from contextvars import Context

    if isinstance(obj, Context):  # which variables: the name says who set them
        return ", ".join(f"{var.name}={type(value).__name__}" for var, value in obj.items())
    try:
        text = repr(obj)
    except Exception:  # a half-torn-down widget may not repr
        text = object.__repr__(obj)
    return text[:160]


def holders_of(typed: list[str], ignore: set[int]) -> list[Any]:
    """Tracked objects that hold a string (or bytes) containing one of ``typed``."""
    texts = tuple(typed)
    raw = tuple(s.encode() for s in typed)

    def has(value: Any, seen: int = 0) -> bool:
        if isinstance(value, str):
            return any(s in value for s in texts)
        if isinstance(value, (bytes, bytearray)):
            return any(b in value for b in raw)
        if seen < 3 and isinstance(value, (tuple, frozenset)) and not gc.is_tracked(value):
            return any(has(v, seen + 1) for v in value)
        if seen < 3 and isinstance(value, dict) and not gc.is_tracked(value):
            return any(has(v, seen + 1) for item in value.items() for v in item)
        return False

    found: list[Any] = []
    objects = gc.get_objects()
    ignore = ignore | {id(objects), id(typed), id(texts), id(raw), id(found)}
    for obj in objects:
        if id(obj) in ignore or own_frame(obj):
            continue
        if any(has(r) for r in gc.get_referents(obj)):
            found.append(obj)
    del objects
    return found


async def session_ended(pilot: Pilot[Any]) -> None:
    """The login page is back alone and painted, and no worker of the session still runs."""
    app = pilot.app
    await wait_for(
        pilot, lambda: screen_name(pilot) == "LoginScreen" and len(app.screen_stack) == 1
    )
    await workers_ended(pilot)
    await app.screen.wait_for_refresh()
    await pilot.pause()


def forget_the_tests_own_references() -> None:
    """Drop what the test itself, not the kiosk, keeps of the session's pages.

    Pilot's ``pause`` draws the screen from the test's own task, and drawing sets Textual's
    ``visible_screen_stack`` (the screens under the top one) in the context of whoever draws:
    the test's context holds the pages. Pilot's waits also set 30-second timeouts from that
    context, and asyncio keeps a cancelled timer, with the copy of the context it was made in,
    until the time it was set for. The kiosk's own timers are a second or shorter; a terminal
    never draws from a test's task. So: empty the variable here, and drop the cancelled timers
    as asyncio itself does once there are many of them (``BaseEventLoop._run_once``).
    """
    visible_screen_stack.set([])
    loop: Any = asyncio.get_running_loop()
    loop._scheduled = [handle for handle in loop._scheduled if not handle.cancelled()]
    heapq.heapify(loop._scheduled)
    loop._timer_cancelled_count = 0


def left_behind(app: KioskApp, watch: SessionWatch) -> str:
    """What of the session is still alive after a full collection, with who holds it."""
    forget_the_tests_own_references()
    gc.unfreeze()  # the warm-up froze the modules' objects: look at those too
    gc.collect()
    ignore = {id(watch), id(watch.refs), id(sys._getframe())}
    report: list[str] = []
    alive = watch.alive()
    ignore.add(id(alive))
    for obj in alive:
        report.append(f"{watch.label(obj)} is alive, held by:")
        report.extend(chain_to_root(obj, ignore))
    holders = holders_of(watch.typed, ignore)
    ignore.add(id(holders))
    for holder in holders:
        report.append(f"a typed string is held by {type(holder).__qualname__}, held by:")
        report.extend(chain_to_root(holder, ignore))
    count = f"{len(alive)} of {len(watch.refs)} watched objects alive, {len(holders)} holders"
    print(count, *report, sep="\n")  # pytest shows it with the failure
    return count if report else ""


async def sign_in(pilot: Pilot[Any], account: str, name: str, password: str) -> None:
    app = pilot.app
    assert isinstance(app, KioskApp)
    await wait_for(pilot, lambda: app.warmed)  # a kiosk is warm long before anyone has typed
    await paste(pilot, "#account", account)
    await type_into(pilot, "#chinese-name", name)
    await paste(pilot, "#password", password)
    await paste(pilot, "#captcha-input", CAPTCHA)
    await pilot.press("enter")


async def basic_data_session(pilot: Pilot[Any], watch: SessionWatch) -> None:
    """wang2026 signs in, looks at the registration progress, opens 基本資料, saves typed values,
    then types more without saving and copies one."""
    app = pilot.app
    assert isinstance(app, KioskApp)
    await sign_in(pilot, "wang2026", "王小明", "Kiosk#Demo2026")
    await wait_for(pilot, lambda: screen_name(pilot) == "CandidateHomeScreen")
    watch.pages(app)
    await press_button(pilot, "#progress")  # a page whose rows a thread worker loads
    await wait_for(pilot, lambda: bool(app.screen.query(".reg-status")))
    watch.pages(app)
    await press_button(pilot, "#back")
    await wait_for(pilot, lambda: screen_name(pilot) == "CandidateHomeScreen")
    await press_button(pilot, "#basic-data")
    await wait_for(pilot, lambda: screen_name(pilot) == "BasicDataScreen")
    await paste(pilot, "#school", watch.secret("記憶測試大學"))
    await paste(pilot, "#email", f"{watch.secret('probe')}@example.com.tw")
    watch.pages(app)
    await press_button(pilot, "#submit")
    message = app.screen.query_one("#message", Static)
    await wait_for(pilot, lambda: "已儲存" in str(message.render()))
    watch.pages(app)
    await paste(pilot, "#mobile", "0912000111")
    department = watch.secret("未存系所")
    await paste(pilot, "#department", department)
    await pilot.press("shift+home", "ctrl+c")
    assert app.clipboard == department
    watch.pages(app)
    assert sum(1 for box in app.screen.query(Input) if box.value) == 7


async def registration_session(pilot: Pilot[Any], watch: SessionWatch) -> None:
    """An unknown account: registration opens with the password carried over; more is typed."""
    app = pilot.app
    assert isinstance(app, KioskApp)
    account = watch.secret("newprobe")
    password = watch.secret("Reg#Pass7")
    await sign_in(pilot, account, "張志明", password)
    await wait_for(pilot, lambda: screen_name(pilot) == "RegistrationScreen")
    assert app.screen.query_one("#password", Input).value == password
    await fill_form(
        pilot,
        account=account,
        password=password,
        password_confirm=password,
        school=watch.secret("註冊測試大學"),
        email=f"{watch.secret('reg')}@example.com.tw",
    )
    watch.pages(app)


async def idle_wipe(pilot: Pilot[Any]) -> None:
    """Nobody touched the kiosk for the idle time; the countdown runs out."""
    app = pilot.app
    assert isinstance(app, KioskApp)
    app.last_input = time.monotonic() - app.settings.idle_seconds - 1
    await wait_for(pilot, lambda: isinstance(app.screen, IdleScreen))
    app.screen.remaining = 1  # type: ignore[attr-defined]  # the last second of the countdown


@pytest.mark.parametrize("end", ["f9", "idle"])
async def test_basic_data_session_leaves_nothing_in_memory(
    app_factory: Callable[..., KioskApp], watch: SessionWatch, end: str
) -> None:
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await basic_data_session(pilot, watch)
        if end == "f9":
            await pilot.press("f9")
        else:
            await idle_wipe(pilot)
        await session_ended(pilot)
        assert left_behind(app, watch) == ""


@pytest.mark.parametrize("end", ["f9", "idle"])
async def test_registration_session_leaves_nothing_in_memory(
    app_factory: Callable[..., KioskApp], watch: SessionWatch, end: str
) -> None:
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        await registration_session(pilot, watch)
        if end == "f9":
            await pilot.press("f9")
        else:
            await idle_wipe(pilot)
        await session_ended(pilot)
        assert left_behind(app, watch) == ""


async def test_a_value_copied_in_the_session_leaves_the_terminals_clipboard(
    app_factory: Callable[..., KioskApp], watch: SessionWatch, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ctrl+c in a box puts the value on the terminal's clipboard too (OSC 52), where the next
    candidate could paste it from: the end of the session empties it there as well."""
    app = app_factory()
    async with app.run_test(size=(100, 32)) as pilot:
        written: list[str] = []
        monkeypatch.setattr(app._driver, "write", written.append)  # what the terminal receives
        await basic_data_session(pilot, watch)
        copied = [data for data in written if data.startswith("\x1b]52;c;")]
        assert copied and copied[-1] != CLEAR_CLIPBOARD  # the department, base64 encoded
        await pilot.press("f9")
        await session_ended(pilot)
        assert app.clipboard == ""
        assert [data for data in written if data.startswith("\x1b]52;c;")][-1] == CLEAR_CLIPBOARD
