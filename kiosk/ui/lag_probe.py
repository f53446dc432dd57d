"""The event loop's longest stall, measured inside the app for ``make bench`` (off by default).

With ``IPAS_KIOSK_LAG_FILE`` set, a callback rescheduled every 5 ms on the app's event loop notes
how late it ran; each new worst lateness (ms) is written to that file at once, so a benchmark
reads it while the app runs, or after it was killed. Unset (always, outside the benchmark):
nothing is scheduled and nothing is imported.
"""

from __future__ import annotations

import asyncio
import os
import time

VARIABLE = "IPAS_KIOSK_LAG_FILE"
PERIOD = 0.005


def install() -> None:
    """Start sampling on the running loop when the variable names a file."""
    path = os.environ.get(VARIABLE)
    if not path:
        return
    loop = asyncio.get_running_loop()
    worst = 0.0

    def tick(expected: float) -> None:
        nonlocal worst
        now = time.perf_counter()
        late = (now - expected) * 1000
        if late > worst:
            worst = late
            with open(path, "w", encoding="ascii") as handle:
                handle.write(f"{worst:.1f}\n")
        loop.call_later(PERIOD, tick, time.perf_counter() + PERIOD)

    with open(path, "w", encoding="ascii") as handle:
        handle.write("0.0\n")
    loop.call_later(PERIOD, tick, time.perf_counter() + PERIOD)
