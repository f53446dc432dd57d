"""The baseline of ``bench/bench_session.py``: a bare Textual app with four Inputs and a Button.

Run as a script on a terminal, as the kiosk is; with ``IPAS_KIOSK_LAG_FILE`` set it samples its
event loop exactly as the kiosk does (``kiosk.ui.lag_probe``, the same few lines, inlined here so
the bare app imports nothing of the kiosk).
"""

from __future__ import annotations

import asyncio
import os
import time

from textual.app import App, ComposeResult
from textual.widgets import Button, Input, Static


def _sample_lag() -> None:
    path = os.environ.get("IPAS_KIOSK_LAG_FILE")
    if not path:
        return
    loop = asyncio.get_running_loop()
    worst = 0.0

    def tick(expected: float) -> None:
        nonlocal worst
        late = (time.perf_counter() - expected) * 1000
        if late > worst:
            worst = late
            with open(path, "w", encoding="ascii") as handle:
                handle.write(f"{worst:.1f}\n")
        loop.call_later(0.005, tick, time.perf_counter() + 0.005)

    with open(path, "w", encoding="ascii") as handle:
        handle.write("0.0\n")
    loop.call_later(0.005, tick, time.perf_counter() + 0.005)


class Bare(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("考生登入")
        for name in ("account", "name", "password", "code"):
            yield Input(placeholder=name, id=name)
        yield Button("登入", id="go")

    def on_load(self) -> None:
        _sample_lag()

    def on_input_submitted(self) -> None:
        self.screen.focus_next()


if __name__ == "__main__":
    Bare().run()
