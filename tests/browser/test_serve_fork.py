"""``serve``'s warmed parent (``kiosk.cli.forkserver``) and serve's side of it
(``kiosk.cli.serve_fork.Forks``): sessions forked from one parent share nothing but pages.

The sessions here run ``tests/browser/fork_probe.py`` (through ``--entry``): each reports what it
inherited — random state, module-level state, database engines, threads, open files, signal
handlers, its environment — and obeys a few commands on stdin. The parent is the real one,
started by ``Forks`` exactly as ``serve`` starts it; the streams are the ones textual-serve reads.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.cli.forkserver import SETTLED_NICENESS, environment_of
from kiosk.cli.serve_fork import ForkedProcess, Forks, base_environment

PROBE = Path(__file__).with_name("fork_probe.py")


def _stat(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return []


def zombies_of(pid: int) -> list[int]:
    """Children of ``pid`` that ended and were not reaped."""
    found = []
    for entry in Path("/proc").iterdir():
        fields = _stat(int(entry.name)) if entry.name.isdigit() else []
        if fields and fields[0] == "Z" and int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    fields = _stat(pid)
    return bool(fields) and fields[0] != "Z"


def stop(parent: Forks) -> None:
    """Whatever a test left running: the parent and every session forked from it."""
    if parent.process is None:
        return
    for entry in Path("/proc").iterdir():
        fields = _stat(int(entry.name)) if entry.name.isdigit() else []
        if fields and int(fields[1]) == parent.process.pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(entry.name), signal.SIGKILL)
    parent.close()
    parent.process.kill()
    parent.process.wait(timeout=30)


def session_environment(width: int, height: int, source: str) -> dict[str, str]:
    environment = dict(base_environment())
    environment.update(COLUMNS=str(width), ROWS=str(height), IPAS_KIOSK_SOURCE=source)
    return environment


@pytest.fixture
async def forks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Forks]:
    monkeypatch.setenv("IPAS_KIOSK_CONFIG_FILE", str(tmp_path / "none.toml"))
    parent = Forks(["--entry", str(PROBE)])
    parent.start()
    try:
        yield parent
    finally:
        stop(parent)


async def read_json(session: ForkedProcess) -> Any:
    line = await asyncio.wait_for(session.stdout.readline(), 120)
    assert line, (await session.stderr.read()).decode(errors="replace")
    return json.loads(line)


async def say(session: ForkedProcess, line: str) -> None:
    session.stdin.write(line.encode() + b"\n")
    await session.stdin.drain()


async def end(session: ForkedProcess) -> int | None:
    session.stdin.close()
    return await asyncio.wait_for(session.wait(), 60)


async def test_two_sessions_share_no_state(forks: Forks) -> None:
    first = await forks.fork(session_environment(80, 24, "192.0.2.1"))
    one = await read_json(first)
    await say(first, "remember wang2026-secret")
    assert await read_json(first) == ["wang2026-secret"]

    second = await forks.fork(session_environment(120, 40, "192.0.2.2"))
    two = await read_json(second)
    await say(second, "seen")
    assert await read_json(second) == []  # the first session's module state stayed there

    assert one["pid"] != two["pid"] and one["ppid"] == two["ppid"] == forks.parent_pid
    for name in ("random", "token", "captcha"):
        assert one[name] != two[name], name  # reseeded, nothing drawn from a shared state
    for report, (width, height, source) in (
        (one, (80, 24, "192.0.2.1")),
        (two, (120, 40, "192.0.2.2")),
    ):
        assert report["environment"] == session_environment(width, height, source)
        assert report["engines"] == 0  # the store is each session's own, opened after fork
        assert report["threads"] == 1
        assert set(report["fds"]) == {"0", "1", "2"}, report["fds"]  # the three pipes only
        assert all(target.startswith("pipe:") for target in report["fds"].values())
        assert report["sigint_default"] and report["sigterm_default"]
        assert report["sigchld_default"] and report["wakeup_fd"] == -1
        assert report["constants_match"]
    assert await end(first) == 0
    assert await end(second) == 0


async def test_a_crashing_session_ends_alone_and_is_reaped(forks: Forks) -> None:
    crashing = await forks.fork(session_environment(80, 24, ""))
    other = await forks.fork(session_environment(80, 24, ""))
    await read_json(crashing)
    await read_json(other)
    await say(crashing, "crash")
    assert await asyncio.wait_for(crashing.wait(), 60) == -signal.SIGABRT
    assert await asyncio.wait_for(crashing.stdout.read(), 30) == b""  # its output ended

    await say(other, "ping")
    assert await asyncio.wait_for(other.stdout.readline(), 30) == b"pong\n"
    assert forks.parent_pid is not None and alive(forks.parent_pid)
    third = await forks.fork(session_environment(80, 24, ""))
    assert (await read_json(third))["ppid"] == forks.parent_pid

    assert await end(other) == 0
    assert await end(third) == 0
    assert zombies_of(forks.parent_pid) == []  # every ended session was reaped


async def test_many_sessions_end_and_none_stays_a_zombie(forks: Forks) -> None:
    sessions = [await forks.fork(session_environment(80, 24, "")) for _ in range(6)]
    pids = [(await read_json(session))["pid"] for session in sessions]
    codes = await asyncio.gather(*(end(session) for session in sessions))
    assert codes == [0] * 6
    assert forks.parent_pid is not None
    assert zombies_of(forks.parent_pid) == []
    assert not any(alive(pid) for pid in pids)


async def test_a_killed_parent_is_replaced_and_its_sessions_go_on(forks: Forks) -> None:
    running = await forks.fork(session_environment(80, 24, ""))
    await read_json(running)
    old = forks.parent_pid
    assert old is not None and forks.process is not None
    os.kill(old, signal.SIGKILL)
    forks.process.wait(timeout=30)

    await say(running, "ping")  # its pipes are serve's, not the parent's
    assert await asyncio.wait_for(running.stdout.readline(), 30) == b"pong\n"
    replacement = await forks.fork(session_environment(80, 24, ""))
    report = await read_json(replacement)
    assert forks.parent_pid != old and report["ppid"] == forks.parent_pid
    assert await end(replacement) == 0
    running.stdin.close()


async def test_when_serve_goes_the_parent_ends_after_its_sessions(forks: Forks) -> None:
    session = await forks.fork(session_environment(80, 24, ""))
    report = await read_json(session)
    assert forks.process is not None
    forks.close()  # serve's end of the socket: no more forks
    await asyncio.sleep(0.5)
    assert forks.process.poll() is None  # a session is still running: the parent waits for it
    session.stdin.close()  # serve's pipe closes: the session ends, then the parent
    deadline = time.monotonic() + 30
    while forks.process.poll() is None and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert forks.process.poll() == 0
    assert not alive(report["pid"])


def test_the_session_environment_is_the_parents_with_the_connections_differences() -> None:
    base = {"PATH": "/bin", "COLUMNS": "80", "IPAS_KIOSK_SOURCE": "", "GONE": "x"}
    message = {"set": {"COLUMNS": "132", "IPAS_KIOSK_SOURCE": "192.0.2.9"}, "unset": ["GONE"]}
    assert environment_of(base, message) == {
        "PATH": "/bin",
        "COLUMNS": "132",
        "IPAS_KIOSK_SOURCE": "192.0.2.9",
    }
    assert base["GONE"] == "x"  # the parent's own is untouched


def test_the_parent_starts_with_what_textual_serve_gives_every_session() -> None:
    environment = base_environment()
    assert environment["TEXTUAL_DRIVER"] == "textual.drivers.web_driver:WebDriver"
    assert environment["IPAS_KIOSK_SOURCE"] == ""  # never serve's own value
    assert sys.executable  # (the parent runs this interpreter)


def test_two_browsers_on_forked_sessions_see_only_their_own(tmp_path: Path) -> None:
    """One browser signs in as the demo candidate; another, open before and after, still has the
    login page and nothing of the first one's session."""
    from playwright.sync_api import sync_playwright

    from tests.browser.test_serve import (
        CHROMIUM,
        another_page,
        apps_below,
        click_cell,
        click_code_box,
        open_page,
        row_of,
        screen_text,
        serving,
        wait_text,
    )

    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium (as root)")
    blocked: list[str] = []
    entry = Path(__file__).with_name("kiosk_entry.py")
    with serving(tmp_path, "--entry", str(entry)) as (url, process), sync_playwright() as pw:
        browser, first = open_page(pw, url, blocked)
        try:
            second = another_page(browser, url, blocked)
            wait_text(first, "輸入驗證碼")
            wait_text(second, "輸入驗證碼")
            assert len(apps_below(process.pid)) == 2  # one forked session each

            # each focus move is seen on screen before typing on (as in test_serve.py)
            click_cell(first, 30, row_of(first, "* 帳號"))
            wait_text(first, "帳號長度：最大為30個英文字元")
            first.keyboard.type("wang2026")
            wait_text(first, "wang2026")
            first.keyboard.press("Tab")
            wait_text(first, "2至20個字")
            first.keyboard.insert_text("王小明")
            wait_text(first, "王小明")
            first.keyboard.press("Tab")
            wait_text(first, "密碼長度至少為12個字元")
            first.keyboard.type("Kiosk#Demo2026")
            wait_text(first, "*" * len("Kiosk#Demo2026"))
            click_code_box(first)  # below the screen, under the open checklists
            first.keyboard.type("12345")
            wait_text(first, "12345")
            first.keyboard.press("Enter")
            wait_text(first, "王小明 您好，歡迎進入考生專區")

            text = screen_text(second)
            assert "考生登入" in text
            for secret in ("王小明", "wang2026", "歡迎進入考生專區", "12345"):
                assert secret not in text.replace(" ", "")
            third = another_page(browser, url, blocked)  # a browser arriving afterwards
            wait_text(third, "輸入驗證碼")
            text = screen_text(third).replace(" ", "")
            assert "考生登入" in text and "王小明" not in text and "wang2026" not in text
            assert blocked == []
        finally:
            browser.close()


@pytest.fixture
async def kiosk_forks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Forks]:
    """A warmed parent of the kiosk as ``serve`` starts it (``--app kiosk``), on an empty
    database."""
    monkeypatch.setenv("IPAS_KIOSK_CONFIG_FILE", str(tmp_path / "none.toml"))
    monkeypatch.setenv("IPAS_KIOSK_DATABASE_URL", f"sqlite:///{tmp_path / 'kiosk.db'}")
    monkeypatch.setenv("IPAS_KIOSK_LOG_DIR", str(tmp_path / "log"))
    parent = Forks(["--app", "kiosk"])
    parent.start()
    try:
        yield parent
    finally:
        stop(parent)


async def drawn(session: ForkedProcess, text: str) -> asyncio.Task[bytes]:
    """Read the session's terminal output until ``text`` has been drawn, then go on reading it
    in a task, as textual-serve does (an app whose output nobody reads blocks writing it)."""
    from bench.serve_client import ESCAPES

    seen = b""
    wanted = "".join(text.split())
    while wanted not in "".join(ESCAPES.sub(b"", seen).decode("utf-8", "replace").split()):
        data = await asyncio.wait_for(session.stdout.read(65536), 120)
        assert data, (await session.stderr.read()).decode(errors="replace")
        seen += data
    return asyncio.create_task(session.stdout.read())


@pytest.mark.parametrize(("number", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
async def test_a_forked_kiosk_leaves_on_sigterm_and_sighup_as_a_spawned_one(
    kiosk_forks: Forks, number: int, code: int
) -> None:
    session = await kiosk_forks.fork(session_environment(100, 32, "127.0.0.1"))
    reading = await drawn(session, "考生登入")
    os.kill(session.pid, number)
    assert await asyncio.wait_for(session.wait(), 60) == code  # the app's own handler
    await reading


async def test_a_forked_kiosk_ends_when_its_browser_goes(kiosk_forks: Forks) -> None:
    from textual_serve.app_service import AppService

    session = await kiosk_forks.fork(session_environment(100, 32, "127.0.0.1"))
    reading = await drawn(session, "考生登入")
    # what textual-serve sends when the browser's websocket closes (AppService.stop)
    session.stdin.write(AppService.encode_packet(b"M", json.dumps({"type": "quit"}).encode()))
    await session.stdin.drain()
    assert await asyncio.wait_for(session.wait(), 60) == 0
    await reading
    session.stdin.close()
    assert not alive(session.pid)
    assert kiosk_forks.parent_pid is not None and zombies_of(kiosk_forks.parent_pid) == []


def niceness(pid: int) -> int:
    return int(_stat(pid)[16])


async def test_a_forked_kiosk_steps_down_in_priority_once_it_has_painted(
    kiosk_forks: Forks,
) -> None:
    """When many arrive at once, sessions that show nothing yet get the cores first
    (``kiosk.cli.forkserver.settle_priority``); the parent that forks them keeps its own."""
    session = await kiosk_forks.fork(session_environment(100, 32, "127.0.0.1"))
    reading = await drawn(session, "考生登入")
    parent = kiosk_forks.parent_pid
    assert parent is not None
    settled = min(19, niceness(parent) + SETTLED_NICENESS)
    deadline = time.monotonic() + 60
    while niceness(session.pid) != settled and time.monotonic() < deadline:
        await asyncio.sleep(0.05)  # Textual's Ready follows the first frame's write
    assert (niceness(session.pid), niceness(parent)) == (settled, settled - SETTLED_NICENESS)
    os.kill(session.pid, signal.SIGTERM)
    assert await asyncio.wait_for(session.wait(), 60) == 143
    await reading
