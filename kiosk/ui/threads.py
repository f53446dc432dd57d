"""Worker threads that forget the job they ran.

Textual runs a thread worker with ``loop.run_in_executor`` and, in the pooled thread, sets its
``active_worker`` context variable before it calls the work. A thread of a pool has one context
for its whole life, so the finished worker stays in it: its screen, the arguments it was given
(every value of the form it saved) and its task's copy of the event loop's context (the screen,
the app's visible stack) stay reachable from an idle thread after the session has ended — until
the same thread happens to run another worker. A candidate's page outlived F9 and the idle wipe
that way.

:class:`FreshContextExecutor` runs each job in a new, empty :class:`contextvars.Context` that is
dropped when the job ends; :func:`install` makes it the event loop's default executor, the one
``run_in_executor(None, ...)`` (Textual's thread workers, ``asyncio.to_thread``) uses. A job
never relied on what an earlier job left in its thread's context: ``run_in_executor`` does not
carry the caller's context, and ``asyncio.to_thread`` runs its call in a copy of its own, which
nests inside the fresh one. Written by hand (a few lines on the standard library): no library
does it. Plain Python, no Textual import: the staff console can use it too.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class FreshContextExecutor(ThreadPoolExecutor):
    """A thread pool whose every job starts in an empty context and leaves nothing in it."""

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        job: Callable[[], T] = functools.partial(contextvars.Context().run, fn, *args, **kwargs)
        return super().submit(job)


def install(loop: asyncio.AbstractEventLoop | None = None) -> FreshContextExecutor:
    """Make a :class:`FreshContextExecutor` the default executor of ``loop`` (default: the
    running loop). Call it before the first thread job: the pool it replaces keeps its threads.
    """
    executor = FreshContextExecutor(thread_name_prefix="kiosk-worker")
    (loop or asyncio.get_running_loop()).set_default_executor(executor)
    return executor
