"""The interpreter's settings both apps start with (``ipas-kiosk run`` and ``ipas-kiosk staff``),
set before Textual is imported: an app's event loop must not stall while a thread works."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager

SWITCH_INTERVAL = 0.001
"""How long (s) a thread may hold the GIL while another waits for it (Python's default: 5 ms).
The kiosk's threads (the warm-up, a login's store calls) run Python for tens of milliseconds at
a time; at 1 ms the event loop gets the GIL back within a frame's slice (issue 15)."""


@contextmanager
def quiet_interpreter() -> Iterator[None]:
    """What both apps run in, entered before they import Textual: no automatic collection until
    the app has loaded what it keeps for its life (it then moves that out of the collector's
    sight with ``gc.freeze()`` and turns collection back on: ``KioskApp._warm_up``,
    ``StaffApp._settle``), and a short GIL switch interval. A full collection amid the imports
    walked every object they made and held the GIL for 50–130 ms while a candidate typed.
    Leaving the block (the app ended) gives both back as they were."""
    before = sys.getswitchinterval()
    gc.disable()
    sys.setswitchinterval(SWITCH_INTERVAL)
    try:
        yield
    finally:
        sys.setswitchinterval(before)
        gc.enable()


def settle_collector(oldest_every: int) -> None:
    """Everything alive now stays for the app's life: out of the collector's sight, then
    collection back on, the oldest generation only after ``oldest_every`` middle ones."""
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, oldest_every)
    gc.enable()
