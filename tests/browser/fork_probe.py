"""Test-only entry for ``serve --entry`` / ``kiosk.cli.forkserver --entry``: a forked session that
reports, as one JSON line on stdout, what it inherited from the warmed parent, then obeys lines
on stdin: ``remember X`` (into a module-level list), ``seen`` (that list), ``crash`` (abort),
``ping``; end-of-file ends it. tests/browser/test_serve_fork.py reads the reports."""

from __future__ import annotations

import contextlib
import gc
import importlib.util
import json
import os
import random
import secrets
import signal
import sys
import threading

REMEMBERED: list[str] = []  # module-level state: one session's must never reach another


def textual_constants_match_environment() -> bool:
    """Textual reads its settings from the environment at import (in the parent): the values
    loaded now must be what this session's own environment gives."""
    import textual.constants as loaded

    spec = importlib.util.find_spec("textual.constants")
    assert spec is not None and spec.loader is not None
    fresh = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fresh)
    names = [name for name in dir(fresh) if name.isupper()]
    return bool(names) and all(getattr(fresh, n) == getattr(loaded, n) for n in names)


def report() -> dict[str, object]:
    from sqlalchemy.engine import Engine

    from kiosk.core import captcha

    fds = sorted(int(fd) for fd in os.listdir("/proc/self/fd"))
    links = {}
    for fd in fds:
        with contextlib.suppress(OSError):  # the listing's own descriptor, closed by now
            links[fd] = os.readlink(f"/proc/self/fd/{fd}")
    return {
        "pid": os.getpid(),
        "ppid": os.getppid(),
        "random": random.random(),
        "token": secrets.token_hex(16),
        "captcha": captcha.random_answer(),
        "remembered": list(REMEMBERED),
        "engines": sum(isinstance(o, Engine) for o in gc.get_objects()),
        "threads": threading.active_count(),
        "fds": links,
        "environment": dict(os.environ),
        "sigint_default": signal.getsignal(signal.SIGINT) is signal.default_int_handler,
        "sigterm_default": signal.getsignal(signal.SIGTERM) == signal.SIG_DFL,
        "sigchld_default": signal.getsignal(signal.SIGCHLD) == signal.SIG_DFL,
        "wakeup_fd": signal.set_wakeup_fd(-1),
        "constants_match": textual_constants_match_environment(),
    }


def main() -> None:
    print(json.dumps(report()), flush=True)
    for line in sys.stdin:
        command, _, value = line.strip().partition(" ")
        if command == "remember":
            REMEMBERED.append(value)
            print(json.dumps(REMEMBERED), flush=True)
        elif command == "seen":
            print(json.dumps(REMEMBERED), flush=True)
        elif command == "crash":
            os.abort()
        elif command == "ping":
            print("pong", flush=True)
