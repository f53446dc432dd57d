"""The one clock of the domain: every use case takes an optional ``clock`` (tests and demos pass
a fixed one) and reads the time through :func:`now`. Times are naive UTC, as the store keeps them
(``kiosk.core.taiwan_time`` turns them into what people read)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from kiosk.infra.tables import utcnow

Clock = Callable[[], datetime]


def now(clock: Clock | None = None) -> datetime:
    """The time by ``clock``, or the real time (naive UTC)."""
    return (clock or utcnow)()
