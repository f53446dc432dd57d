"""A browser's side of textual-serve's protocol, without a browser: what bench_serve and the
fork tests use to open many sessions at once.

textual-serve's page opens ``/ws?width=W&height=H``; the server answers with binary messages
(the app's terminal output, escape sequences and UTF-8 text) and JSON text messages
(``["open_url", ...]``, ``["pong", ...]``); the page sends JSON text: ``["stdin", text]``,
``["resize", {"width", "height"}]``, ``["ping", data]``, ``["focus"]``, ``["blur"]``. The screen
is read here the simple way: escape sequences removed, the text that is left searched with its
spaces removed (a wide character and a cursor move leave gaps).
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import json
import re
import time
from typing import Any

import aiohttp

ESCAPES = re.compile(
    rb"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|P[^\x1b]*\x1b\\|[@-Z\\-_])"
)
FIRST_PAINT = ("考生登入", "*帳號")  # the login page's first frame: heading, the account box
LOGIN_PAGE = ("考生登入", "輸入驗證碼")  # the whole login page: its captcha box is a frame later


def visible(output: bytes) -> str:
    """The text of a terminal stream, escape sequences and white space removed."""
    return "".join(ESCAPES.sub(b"", output).decode("utf-8", "replace").split())


class Session:
    """One browser connection to ``serve``."""

    def __init__(self, url: str, *, width: int = 100, height: int = 32) -> None:
        self.url = url.rstrip("/") + f"/ws?width={width}&height={height}"
        self.output = bytearray()
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._visible: list[str] = []  # the text of each message, escapes and spaces removed
        self.http: aiohttp.ClientSession | None = None
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.reader: asyncio.Task[None] | None = None
        self.changed = asyncio.Event()
        self.closed = asyncio.Event()
        self.started = 0.0

    async def open(self) -> None:
        self.started = time.perf_counter()
        self.http = aiohttp.ClientSession()
        self.ws = await self.http.ws_connect(self.url, max_msg_size=0)
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.ws is not None
        try:
            async for message in self.ws:
                if message.type == aiohttp.WSMsgType.BINARY:
                    self.output += message.data
                    # one message is one write of the app's: escape sequences arrive whole
                    text = self._decoder.decode(ESCAPES.sub(b"", message.data))
                    self._visible.append("".join(text.split()))
                    self.changed.set()
        finally:
            self.closed.set()
            self.changed.set()

    def text(self) -> str:
        """What has been drawn so far, escapes and white space removed (read as it arrived)."""
        if len(self._visible) > 1:
            self._visible[:] = ["".join(self._visible)]
        return self._visible[0] if self._visible else ""

    async def wait_for(self, *texts: str, timeout: float = 60) -> float:
        """Seconds from :meth:`open` until every one of ``texts`` has been drawn."""
        wanted = ["".join(text.split()) for text in texts]
        deadline = time.perf_counter() + timeout
        while True:
            screen = self.text()
            if all(text in screen for text in wanted):
                return time.perf_counter() - self.started
            if self.closed.is_set():
                raise ConnectionError(f"closed before {texts!r} showed: {screen[-300:]!r}")
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"{texts!r} not shown: {screen[-300:]!r}")
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), left)

    async def send(self, *envelope: Any) -> None:
        assert self.ws is not None
        await self.ws.send_str(json.dumps(list(envelope)))

    async def type(self, text: str) -> None:
        await self.send("stdin", text)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            await self.reader
        if self.http is not None:
            await self.http.close()
