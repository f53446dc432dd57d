"""Each app process ``ipas-kiosk serve`` starts learns its browser's address
(``IPAS_KIOSK_SOURCE``): the server runs as a user starts it, and a websocket client connects
the way textual-serve's page does. The per-connection command only writes down what it got."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from tests.browser.test_serve import _start_serving, _stop

ENTRY = Path(__file__).with_name("source_entry.py")


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    return tmp_path / "sources.txt"


@pytest.fixture(params=["spawn", "fork"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@contextlib.contextmanager
def serving(tmp_path: Path, sources: Path, mode: str, *args: str) -> Iterator[int]:
    """``ipas-kiosk serve --command <record the source>`` on a free port, or ``--entry`` with
    a forked session that records it."""
    env = {
        **os.environ,
        "IPAS_KIOSK_CONFIG_FILE": str(tmp_path / "none.toml"),
        "IPAS_KIOSK_SOURCE": "inherited-from-serve",  # must never reach an app process
        "IPAS_KIOSK_TEST_SOURCES": str(sources),
    }
    record = f'printf "%s\\n" "${{IPAS_KIOSK_SOURCE-unset}}" >> {shlex.quote(str(sources))}'
    how = ("--command", record) if mode == "spawn" else ("--entry", str(ENTRY))
    port, process = _start_serving(env, tmp_path, (*how, *args))
    try:
        yield port
    finally:
        _stop(process)


async def connect(port: int, sources: Path, headers: dict[str, str] | None = None) -> str:
    """Open the page's websocket, wait until the app process has written its line, close."""
    before = sources.read_text().splitlines() if sources.exists() else []
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(f"ws://127.0.0.1:{port}/ws", headers=headers or {}) as socket,
    ):
        await socket.send_json(["resize", {"width": 80, "height": 24}])
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        while True:  # the process writes the file; nothing is sent back to wait on
            lines = sources.read_text().splitlines() if sources.exists() else []
            if len(lines) > len(before):
                return lines[-1]
            assert loop.time() < deadline, "the app process never ran"
            await asyncio.sleep(0.05)


async def test_each_process_gets_its_peer_and_a_header_is_not_believed(
    tmp_path: Path, sources: Path, mode: str
) -> None:
    with serving(tmp_path, sources, mode) as port:
        assert await connect(port, sources) == "127.0.0.1"
        spoofed = {"X-Forwarded-For": "198.51.100.7"}
        assert await connect(port, sources, spoofed) == "127.0.0.1"
    log = (Path(os.environ["IPAS_KIOSK_LOG_DIR"]) / "ipas-kiosk.log").read_text(encoding="utf-8")
    assert "serve: custom app on http://127.0.0.1:" in log


async def test_a_trusted_local_proxy_names_the_browser(
    tmp_path: Path, sources: Path, mode: str
) -> None:
    with serving(tmp_path, sources, mode, "--trust-proxy-header") as port:
        proxied = {"X-Forwarded-For": "10.9.8.7, 198.51.100.7"}  # the proxy appended the last
        assert await connect(port, sources, proxied) == "198.51.100.7"
        assert await connect(port, sources) == "127.0.0.1"  # no header: the peer
