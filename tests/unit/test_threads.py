"""kiosk.ui.threads: a pooled thread keeps nothing of the job it ran in its context."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar

from kiosk.ui import threads

PROBE: ContextVar[object] = ContextVar("probe")


def _leave_something() -> None:
    PROBE.set(object())  # as Textual sets active_worker before it calls a thread worker's work


def _what_was_left() -> object:
    return PROBE.get(None)


def test_a_plain_pool_thread_keeps_what_a_job_set() -> None:
    """The problem itself: a later job on the same thread still sees the earlier job's value."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(_leave_something).result()
        assert pool.submit(_what_was_left).result() is not None


def test_a_fresh_context_pool_thread_keeps_nothing() -> None:
    with threads.FreshContextExecutor(max_workers=1) as pool:
        pool.submit(_leave_something).result()
        assert pool.submit(_what_was_left).result() is None


def test_install_makes_it_the_default_executor_and_to_thread_still_carries_context() -> None:
    async def main() -> tuple[str, object, object]:
        threads.install()
        loop = asyncio.get_running_loop()
        name = await loop.run_in_executor(None, lambda: threading.current_thread().name)
        PROBE.set("the caller's")
        carried = await asyncio.to_thread(_what_was_left)  # to_thread runs in a copy of ours
        await asyncio.to_thread(_leave_something)
        left = await loop.run_in_executor(None, _what_was_left)
        return name, carried, left

    name, carried, left = asyncio.run(main())
    assert name.startswith("kiosk-worker")
    assert carried == "the caller's"
    assert left is None
