"""``serve``'s side of the warmed parent (``kiosk.cli.forkserver``): start it, ask it for a
session per connection, and hand textual-serve something that looks like the process it would
have spawned.

textual-serve's ``AppService`` reads ``self._process.stdout`` and ``.stderr`` (asyncio stream
readers) and writes ``self._stdin`` (a stream writer); it never waits for the process, which
ends when its stdin closes. :class:`ForkAppService` replaces ``_open_app_process`` only: three
pipes, their far ends sent to the parent with the connection's environment, and the near ends
wrapped in asyncio streams. The parent forks, reaps and reports exits; serve closes its copies of
the far ends as soon as they are sent, so a session's end is end-of-file here, as with a spawned
process. If the parent itself is gone (killed, or it failed to warm up), the next connection
starts a new one.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any, cast

from textual_serve import app_service as _app_service

from kiosk.cli.serve import (
    FORKS,
    SOURCE_VARIABLE,
    UPLOAD_DIR_VARIABLE,
    UPLOAD_URL_VARIABLE,
    SourceAppService,
)
from kiosk.core import oplog


class ForkFailed(RuntimeError):
    """The warmed parent could not fork a session (or is gone)."""


class ForkedProcess:
    """A forked session as textual-serve's ``AppService`` uses a spawned one."""

    def __init__(
        self,
        pid: int,
        stdin: asyncio.StreamWriter,
        stdout: asyncio.StreamReader,
        stderr: asyncio.StreamReader,
    ) -> None:
        self.pid = pid
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
        self.returncode: int | None = None
        self.ended = asyncio.Event()

    async def wait(self) -> int | None:
        await self.ended.wait()
        return self.returncode


def base_environment() -> dict[str, str]:
    """What every session's environment has (textual-serve's, without a connection's values):
    the parent starts with it, so what Textual reads from it at import is what a session reads."""
    plain = cast(_app_service.AppService, _Plain())
    environment = _app_service.AppService._build_environment(plain, width=80, height=24)
    for name in (SOURCE_VARIABLE, UPLOAD_URL_VARIABLE, UPLOAD_DIR_VARIABLE):
        environment[name] = ""  # outside any connection; never serve's own values
    return environment


class _Plain:
    """Enough of an app service for ``_build_environment``: no debug mode."""

    debug = False


class Forks:
    """The warmed parent, from serve's event loop.

    Args:
        args: The parent's arguments (``--app staff``, ``--kiosk``, ``--entry FILE``).
    """

    def __init__(self, args: list[str]) -> None:
        self.args = args
        self.environment: dict[str, str] = {}  # textual-serve's, made when the parent starts
        self.process: subprocess.Popen[bytes] | None = None
        self.sock: socket.socket | None = None
        self.ready: asyncio.Future[int] | None = None
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[int]] = {}
        self._sessions: dict[int, ForkedProcess] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def app_service(self) -> type[SourceAppService]:
        """The app service textual-serve makes per connection, forking from this parent."""
        return ForkAppService

    @property
    def parent_pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def start(self) -> None:
        """Start the parent (it warms up while serve starts); any loop of serve's may use it."""
        self.environment = base_environment()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "kiosk.cli.forkserver",
                    "--fd",
                    str(theirs.fileno()),
                    *self.args,
                ],
                pass_fds=[theirs.fileno()],
                env=self.environment,
                stdin=subprocess.DEVNULL,
            )
        finally:
            theirs.close()
        ours.setblocking(False)
        self.sock = ours
        self._loop = None
        oplog.log.info("serve: warmed parent %s started (%s)", self.process.pid, self.args)

    def _attach(self) -> None:
        loop = asyncio.get_running_loop()
        if self._loop is loop:
            return
        if self.sock is None or (self.process is not None and self.process.poll() is not None):
            self.close()
            self.start()
        assert self.sock is not None
        self._loop = loop
        self.ready = loop.create_future()
        loop.add_reader(self.sock.fileno(), self._readable)

    def _readable(self) -> None:
        assert self.sock is not None
        while True:
            try:
                data = self.sock.recv(65536)
            except BlockingIOError:
                return
            except OSError:
                data = b""
            if not data:
                self._gone()
                return
            self._receive(json.loads(data))

    def _receive(self, message: dict[str, Any]) -> None:
        if "ready" in message:
            if self.ready is not None and not self.ready.done():
                self.ready.set_result(int(message["ready"]))
        elif "exited" in message:
            session = self._sessions.pop(int(message["exited"]), None)
            status = int(message["status"])
            if status not in (0, 129, 143) or session is None:
                oplog.log.warning("serve: session %s ended with %s", message["exited"], status)
            if session is not None:
                session.returncode = status
                session.ended.set()
        elif (future := self._pending.pop(int(message.get("id", 0)), None)) is not None:
            if future.done():
                return
            if "pid" in message:
                future.set_result(int(message["pid"]))
            else:
                future.set_exception(ForkFailed(str(message.get("error"))))

    def _gone(self) -> None:
        """The parent closed its socket: it crashed or was killed. Pending forks fail; the next
        connection starts a new parent."""
        oplog.log.error("serve: the warmed parent is gone; starting a new one on demand")
        for future in self._pending.values():
            if not future.done():
                future.set_exception(ForkFailed("the warmed parent is gone"))
        self._pending.clear()
        if self.ready is not None and not self.ready.done():
            self.ready.set_exception(ForkFailed("the warmed parent is gone"))
        for session in self._sessions.values():
            session.ended.set()
        self._sessions.clear()
        self.close()

    async def _send(self, message: dict[str, Any], fds: list[int]) -> None:
        assert self.sock is not None and self._loop is not None
        data = json.dumps(message).encode()
        while True:
            try:
                socket.send_fds(self.sock, [data], fds)
                return
            except BlockingIOError:
                writable = self._loop.create_future()
                self._loop.add_writer(self.sock.fileno(), writable.set_result, None)
                try:
                    await writable
                finally:
                    self._loop.remove_writer(self.sock.fileno())

    async def fork(self, environment: dict[str, str]) -> ForkedProcess:
        """A new session with ``environment``, its stdio connected to this loop."""
        self._attach()
        loop = asyncio.get_running_loop()
        stdin_r, stdin_w = os.pipe()
        stdout_r, stdout_w = os.pipe()
        stderr_r, stderr_w = os.pipe()
        ours = [stdin_w, stdout_r, stderr_r]
        theirs = [stdin_r, stdout_w, stderr_w]
        ident = next(self._ids)
        future: asyncio.Future[int] = loop.create_future()
        self._pending[ident] = future
        message = {
            "id": ident,
            "set": {k: v for k, v in environment.items() if self.environment.get(k) != v},
            "unset": [k for k in self.environment if k not in environment],
        }
        try:
            try:
                await self._send(message, theirs)
            finally:
                for fd in theirs:
                    os.close(fd)
            pid = await future
        except BaseException:
            self._pending.pop(ident, None)
            for fd in ours:
                os.close(fd)
            raise
        stdout = await _reader(loop, stdout_r)
        stderr = await _reader(loop, stderr_r)
        transport, protocol = await loop.connect_write_pipe(
            lambda: asyncio.streams.FlowControlMixin(loop=loop), os.fdopen(stdin_w, "wb", 0)
        )
        stdin = asyncio.StreamWriter(transport, protocol, None, loop)
        session = ForkedProcess(pid, stdin, stdout, stderr)
        self._sessions[pid] = session
        return session

    def close(self, *, wait: float = 0) -> None:
        """Close serve's end of the socket: the parent stops forking and ends once its sessions
        have; with ``wait``, give it that long."""
        if self.sock is not None:
            if self._loop is not None and not self._loop.is_closed():
                with contextlib.suppress(ValueError, RuntimeError):
                    self._loop.remove_reader(self.sock.fileno())
            self.sock.close()
            self.sock = None
        self._loop = None
        if self.process is not None and wait:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=wait)


async def _reader(loop: asyncio.AbstractEventLoop, fd: int) -> asyncio.StreamReader:
    reader = asyncio.StreamReader(limit=2**16, loop=loop)
    await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader, loop=loop), os.fdopen(fd, "rb", 0)
    )
    return reader


class ForkAppService(SourceAppService):
    """textual-serve's app service with a forked session instead of a spawned process."""

    async def _open_app_process(self, width: int = 80, height: int = 24) -> Any:
        forks: Forks | None = FORKS.get()
        if forks is None:
            raise ForkFailed("no warmed parent for this connection")
        process = await forks.fork(self._build_environment(width=width, height=height))
        self._process = process  # type: ignore[assignment]
        self._stdin = process.stdin
        return process

    async def stop(self) -> None:
        await super().stop()
        if self._stdin is not None:
            self._stdin.close()  # the session's stdin: end-of-file if it is still there


def forks_for(app: str, *, kiosk_mode: bool, entry: Path | None) -> Forks:
    args = (
        ["--entry", str(entry)] if entry else ["--app", app] + (["--kiosk"] if kiosk_mode else [])
    )
    return Forks(args)
