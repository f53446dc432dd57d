"""The warmed parent of ``ipas-kiosk serve``: one process that has imported and warmed what a
session needs, and forks a session for each browser connection.

``serve`` used to start a whole Python process per visitor (``<python> -m kiosk run``): each one
imports Textual, the pages, pydantic, SQLAlchemy, the shipped tables ... (≈ 1 s of CPU and
≈ 100 MiB each). Here that work is done once. ``serve`` starts this module as a process of its
own (``python -m kiosk.cli.forkserver``, a clean interpreter: no aiohttp, no event loop), which
warms the served app (:class:`Target`) and then waits on a Unix socket; for each connection
``kiosk.cli.serve_fork`` sends the per-connection environment and three pipe ends (the app's
stdin, stdout, stderr), and the session is ``os.fork()``-ed from here. Its pages are shared
copy-on-write with this parent and its siblings.

What the parent holds, and what it must not:

* Modules, classes, parsed tables (rules, romanisation, locale catalogues), the mapped schema,
  bcrypt, the captcha font: read-only after the warm-up, the same for every session.
* No database engine or connection (each session opens its own store after its first paint,
  as ``run`` does), no event loop (the warm-up paint runs in ``asyncio.run``, which closes its
  loop), no thread (checked before every fork), no session data: nobody ever signs in here.

And what each forked session does before it runs the app exactly as ``<python> -m kiosk run``
would: signal dispositions back to a fresh interpreter's, the socket and the parent's wake-up
pipe closed, the three pipes on fds 0, 1, 2, the connection's environment (``COLUMNS``,
``ROWS``, ``IPAS_KIOSK_SOURCE`` ...) in ``os.environ``, ``random`` reseeded (``secrets`` and
``uuid4`` read the kernel and have no state to share), its own operator log handler; once its
first frame is drawn it steps down in CPU priority (:func:`settle_priority`). Hash
randomisation (``PYTHONHASHSEED``) is the one thing forks share with their parent; it protects
dictionaries against crafted keys, which a form field of a few dozen characters cannot be.

The parent reaps every child (SIGCHLD, through the wake-up pipe: no zombie) and tells ``serve``
which pid ended with which code; a session that crashes ends alone. When ``serve`` goes away (its
end of the socket closes), the parent stops forking, gives its sessions a grace period to end
(their pipes to ``serve`` are closed, so they see end-of-file and leave), hangs up on the rest
and exits.

Protocol (a ``SOCK_SEQPACKET`` pair, one JSON object per message): ``serve`` sends
``{"id": n, "set": {...}, "unset": [...]}`` (the environment as a difference from this process's
own) with the three file descriptors; the parent answers ``{"ready": pid}`` once warm,
``{"id": n, "pid": p}`` or ``{"id": n, "error": text}``, and ``{"exited": p, "status": code}``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import importlib.util
import json
import os
import random
import selectors
import signal
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn

MAX_MESSAGE = 1 << 20
GRACE_SECONDS = 30.0  # after serve is gone: how long sessions get to see end-of-file and leave
HANG_UP_SECONDS = 5.0  # then SIGHUP (the app leaves with code 129), and this long before exiting


# ------------------------------------------------------------------ what is served


class Target:
    """What a forked session runs, and what the parent warms for it."""

    def warm(self) -> None:
        """Import and prepare, in the parent, what every session would otherwise do itself."""

    def run(self) -> int:
        """In the forked session: run the app; its exit code."""
        raise NotImplementedError


class KioskTarget(Target):
    """``ipas-kiosk run [--kiosk]``."""

    def __init__(self, *, kiosk_mode: bool = False) -> None:
        self.kiosk_mode = kiosk_mode

    def warm(self) -> None:
        from kiosk.ui.kiosk import app as kiosk_app
        from kiosk.ui.kiosk.login import LoginScreen

        class Unseen(kiosk_app.KioskApp):
            def _prewarm(self) -> None:
                """Done below, in this thread: no settings, log line or thread of a session."""

        warm_common()
        kiosk_app.warm_up()  # rules, e-mail and phone data, the reading table, later pages
        warm_paint(lambda: Unseen(captcha_source=lambda: "00000", captcha_seed=0))
        del LoginScreen

    def run(self) -> int:
        from kiosk.core import oplog
        from kiosk.ui.kiosk.app import KioskApp
        from kiosk.ui.textual_private import crash_of

        oplog.configure("run")
        app = KioskApp(kiosk_mode=self.kiosk_mode)
        app.run()
        oplog.ended("run", app.return_code, crash_of(app))
        return app.return_code or 0


class StaffTarget(Target):
    """``ipas-kiosk staff``: the help-desk console."""

    def warm(self) -> None:
        from kiosk.infra.config import Settings
        from kiosk.ui.staff import app as staff_app
        from kiosk.ui.staff import login, search

        warm_common()
        warm_paint(lambda: staff_app.StaffApp(Settings()))
        del login, search

    def run(self) -> int:
        from kiosk.core import oplog
        from kiosk.infra.config import Settings
        from kiosk.ui.staff.app import StaffApp
        from kiosk.ui.textual_private import crash_of

        oplog.configure("staff")
        settings = Settings()
        oplog.started("staff", settings)
        console = StaffApp(settings)
        console.run()
        oplog.ended("staff", console.return_code, crash_of(console))
        return console.return_code or 0


class EntryTarget(Target):
    """A Python file whose ``main()`` each session runs (``serve --entry``): its module is
    loaded, with everything it imports, in the parent. Like ``--command python FILE``, it gets
    no operator log of its own."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.module: ModuleType | None = None

    def warm(self) -> None:
        spec = importlib.util.spec_from_file_location("kiosk_serve_entry", self.path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {self.path}")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        if not callable(getattr(module, "main", None)):
            raise ImportError(f"{self.path} has no main()")
        self.module = module
        KioskTarget().warm()  # a custom entry is a kiosk (tests: a fixed captcha)

    def run(self) -> int:
        assert self.module is not None
        result = self.module.main()
        return result if isinstance(result, int) else 0


def warm_common() -> None:
    """What both apps' sessions load: the driver textual-serve's sessions run with, settings
    (pydantic), the store's modules and mapped schema (no engine: each session makes its own),
    bcrypt, the captcha glyphs; and every app's CSS is parsed once, here."""
    import bcrypt
    import sqlalchemy.orm
    import textual._xterm_parser
    import textual.drivers.web_driver

    from kiosk.core import captcha, passwords
    from kiosk.infra import config, store, tables
    from kiosk.ui.textual_private import share_parsed_css

    share_parsed_css()

    # pydantic builds what validation needs on first use; a broken configuration is each
    # session's to report, as run does
    with contextlib.suppress(Exception):
        config.Settings()
    sqlalchemy.orm.configure_mappers()
    captcha.render_text("00000", seed=0)  # the glyph tables, drawn once
    del bcrypt, passwords, store, tables, textual


def warm_paint(make_app: Callable[[], Any]) -> None:
    """Paint the app's first page once, headless, so what every first paint computes the same
    way (Textual's parsed CSS of each widget class, style and text measuring caches) is in the
    parent's memory. Nobody sees it, it has no store (the warm-up paint ends before the app
    would open one), and its event loop is closed afterwards."""

    async def paint() -> None:
        app = make_app()
        async with app.run_test(headless=True, size=(100, 32)) as pilot:
            for _ in range(100):  # the rows a page mounts a frame after its first paint too
                await pilot.pause()
                if getattr(app.screen, "ready", True):
                    break
            await pilot.pause()
            app.exit()

    try:
        asyncio.run(paint())
    except Exception:  # sessions paint it themselves: slower, not wrong
        print("forkserver: the warm-up paint failed; sessions start colder", file=sys.stderr)
        traceback.print_exc()
    asyncio.set_event_loop(None)
    for thread in threading.enumerate():  # a worker the app started: done before any fork
        if thread is not threading.main_thread():
            thread.join(timeout=30)


# ------------------------------------------------------------------ the fork


def _reset_signals() -> None:
    signal.set_wakeup_fd(-1)
    for number in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP, signal.SIGPIPE):
        signal.signal(number, signal.SIG_DFL)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)  # as a fresh interpreter has it
    signal.signal(signal.SIGINT, signal.default_int_handler)


SETTLED_NICENESS = 7
"""How far a session's CPU priority steps down once its first frame is on the screen
(:func:`settle_priority`)."""


def settle_priority() -> None:
    """When many visitors arrive at once (a venue's doors, a class), the sessions that still show
    nothing get the cores before those only finishing their page or blinking a cursor, and this
    parent and ``serve`` (which fork and relay every session) before both. Niceness only orders
    processes that want a core at the same moment: a session alone runs at full speed, and all
    sessions that have painted are equal among themselves. Measured (bench/README.md, "Many
    candidates per host"): 50 at once on 2 cores, first paint p95 5.1–5.5 → 2.9–3.4 s; 12
    steps were no better than 7."""
    os.nice(SETTLED_NICENESS)


def environment_of(base: dict[str, str], message: dict[str, Any]) -> dict[str, str]:
    """The session's environment: this process's own with the message's differences."""
    environment = {k: v for k, v in base.items() if k not in set(message.get("unset", []))}
    environment.update(message.get("set", {}))
    return environment


def become_session(fds: list[int], environment: dict[str, str], close: list[int]) -> None:
    """In the forked child: the state a freshly started app process would have."""
    _reset_signals()
    for fd in close:
        os.close(fd)
    for number, fd in enumerate(fds):
        os.dup2(fd, number)
    for fd in fds:
        if fd > 2:
            os.close(fd)
    os.environ.clear()
    os.environ.update(environment)
    random.seed()  # (os.fork reseeds the module's own generator too; this says so)
    from kiosk.ui import shell  # imported by the warm-up already

    shell.AFTER_FIRST_FRAME.append(settle_priority)


def run_session(
    target: Target, fds: list[int], environment: dict[str, str], close: list[int]
) -> NoReturn:
    code = 1
    try:
        become_session(fds, environment, close)
        code = target.run()
    except SystemExit as leaving:
        code = leaving.code if isinstance(leaving.code, int) else (0 if leaving.code is None else 1)
    except BaseException:  # a crash: its traceback to stderr, as Python would
        traceback.print_exc()
        code = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):  # the pipe may be gone
                stream.flush()
        os._exit(code)


class Parent:
    """The warmed parent's loop: fork on request, reap, report."""

    def __init__(self, sock: socket.socket, target: Target, base: dict[str, str]) -> None:
        self.sock = sock
        self.target = target
        self.children: set[int] = set()
        self.base = base  # the environment serve started it with (the warm-up may add to it)
        self.wake_read, self.wake_write = os.pipe()
        self.own_fds: list[int] = []  # the selector's: a session closes every one of ours

    def send(self, message: dict[str, Any]) -> None:
        with contextlib.suppress(OSError):  # serve is gone: nobody to tell
            self.sock.send(json.dumps(message).encode())

    def fork(self, message: dict[str, Any], fds: list[int]) -> None:
        try:
            if len(fds) != 3:
                raise ValueError(f"expected 3 file descriptors, got {len(fds)}")
            if threading.active_count() != 1:  # a fork copies one thread; a lock may be held
                raise RuntimeError("the warmed parent has a thread: refusing to fork")
            environment = environment_of(self.base, message)
            for stream in (sys.stdout, sys.stderr):
                stream.flush()
            pid = os.fork()
            if pid == 0:
                run_session(
                    self.target,
                    fds,
                    environment,
                    [self.sock.fileno(), self.wake_read, self.wake_write, *self.own_fds],
                )
            self.children.add(pid)
            self.send({"id": message.get("id"), "pid": pid})
        except Exception as error:  # this connection fails, the parent stays
            self.send({"id": message.get("id"), "error": f"{type(error).__name__}: {error}"})
        finally:
            for fd in fds:
                os.close(fd)

    def reap(self) -> None:
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                self.children.clear()
                return
            if pid == 0:
                return
            self.children.discard(pid)
            self.send({"exited": pid, "status": os.waitstatus_to_exitcode(status)})

    def serve_forever(self) -> None:
        os.set_blocking(self.wake_read, False)
        os.set_blocking(self.wake_write, False)
        signal.set_wakeup_fd(self.wake_write)
        signal.signal(signal.SIGCHLD, lambda *_: None)  # wakes the selector through the pipe
        selector = selectors.DefaultSelector()
        fileno = getattr(selector, "fileno", None)
        if fileno is not None:
            self.own_fds.append(fileno())
        selector.register(self.sock, selectors.EVENT_READ)
        selector.register(self.wake_read, selectors.EVENT_READ)
        self.send({"ready": os.getpid()})
        while True:
            for key, _ in selector.select():
                if key.fd == self.wake_read:
                    while True:
                        try:
                            if not os.read(self.wake_read, 512):
                                break
                        except BlockingIOError:
                            break
                    continue
                try:
                    data, fds, _flags, _address = socket.recv_fds(self.sock, MAX_MESSAGE, 3)
                except (ConnectionResetError, OSError):
                    data, fds = b"", []
                if not data:
                    for fd in fds:
                        os.close(fd)
                    selector.close()
                    self.wind_down()
                    return
                try:
                    message = json.loads(data)
                except ValueError:
                    message = {}
                self.fork(message, fds)
            self.reap()

    def wind_down(self) -> None:
        """serve is gone: give sessions time to see end-of-file, then hang up on them."""
        for grace, then in ((GRACE_SECONDS, signal.SIGHUP), (HANG_UP_SECONDS, None)):
            deadline = time.monotonic() + grace
            while self.children and time.monotonic() < deadline:
                self.reap()
                time.sleep(0.05)
            if then is None:
                return
            for pid in list(self.children):
                try:
                    os.kill(pid, then)
                except ProcessLookupError:
                    self.children.discard(pid)


def target_of(args: argparse.Namespace) -> Target:
    if args.entry:
        return EntryTarget(Path(args.entry))
    if args.app == "staff":
        return StaffTarget()
    return KioskTarget(kiosk_mode=args.kiosk)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m kiosk.cli.forkserver")
    parser.add_argument("--fd", type=int, required=True, help="this end of serve's socket pair")
    parser.add_argument("--app", choices=["kiosk", "staff"], default="kiosk")
    parser.add_argument("--kiosk", action="store_true")
    parser.add_argument("--entry", default=None)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # ctrl+c is serve's: it ends us by closing
    sock = socket.socket(fileno=args.fd)
    base = dict(os.environ)
    target = target_of(args)
    try:
        target.warm()
    except Exception:  # say why on serve's stderr; sessions would fail alike
        traceback.print_exc()
        sys.exit(1)
    gc.collect()
    gc.freeze()  # the warm objects never move again: a collection in a session copies no page
    Parent(sock, target, base).serve_forever()


if __name__ == "__main__":
    main()
