"""``ipas-kiosk run``'s body, shared by the typer command (``kiosk.cli``) and the fast path
(``kiosk.launch``): start the kiosk on this terminal, log how it ended, give its exit code."""

from __future__ import annotations

from typing import Any


def run_kiosk(*, kiosk_mode: bool = False, **app_options: Any) -> int:
    """Run the kiosk until it exits; its return code (0 when none).

    ``app_options`` go to :class:`KioskApp` (only tests and the benchmark pass any: an injected
    captcha source is never reachable from the command line).
    """
    from kiosk.ui.interpreter import quiet_interpreter

    with quiet_interpreter():
        from kiosk.core import oplog
        from kiosk.ui.kiosk.app import KioskApp
        from kiosk.ui.textual_private import crash_of

        # Settings (pydantic) and the store (SQLAlchemy) load after the first paint.
        app = KioskApp(kiosk_mode=kiosk_mode, **app_options)
        app.run()
    oplog.ended("run", app.return_code, crash_of(app))  # a crash's traceback goes to the log
    return app.return_code or 0
