"""``ipas-kiosk serve`` in a real browser: Debian's chromium, headless, driven by Playwright.

The server runs as a user would start it, on a free loopback port, against a temporary SQLite
database made with ``ipas-kiosk db upgrade`` and ``seed --demo``. It serves
``tests/browser/kiosk_entry.py`` through ``--command``: the real KioskApp with a fixed captcha
answer (the product takes a captcha source only from Python). The browser logs in as the demo
candidate 王小明 and must reach the candidate area.

What is asserted is what the page shows: the text is read from the xterm.js terminal the page
draws (a hook installed before the page's script keeps a reference to its Terminal), and the
screenshot must be a painted terminal, not a blank or an error page. The browser can reach nothing
but the test server: every other request is aborted, and host resolution maps every name except
127.0.0.1 to nothing. chromium comes from Debian (``make browser``); never from a download.
"""

from __future__ import annotations

import contextlib
import io
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ENTRY = Path(__file__).with_name("kiosk_entry.py")
CLI = Path(sys.executable).with_name("ipas-kiosk")
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication",
    "--no-first-run",
    "--no-pings",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]

# Installed before the page's script runs: textual-serve's client assigns its xterm.js Terminal
# to ``this.terminal``; a setter on Object.prototype catches that assignment once.
HOOK = """
window.__terms = [];
Object.defineProperty(Object.prototype, 'terminal', {
  configurable: true,
  set(value) {
    Object.defineProperty(this, 'terminal', {
      value, writable: true, configurable: true, enumerable: true,
    });
    if (value && value.buffer) window.__terms.push(value);
  },
});
window.__screenText = () => {
  const term = window.__terms[0];
  if (!term) return '';
  const buffer = term.buffer.active, lines = [];
  for (let y = 0; y < term.rows; y++) {
    const line = buffer.getLine(y);
    lines.push(line ? line.translateToString(true) : '');
  }
  return lines.join('\\n');
};
window.__background = (x, y) => {
  const cell = window.__terms[0].buffer.active.getLine(y).getCell(x);
  return [cell.getBgColorMode(), cell.getBgColor()];
};
"""


def _skip_reason() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing: `make browser` installs Debian's chromium (as root)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is missing: install the test extra"
    return None


pytestmark = pytest.mark.skipif(_skip_reason() is not None, reason=_skip_reason() or "")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (from /proc: no extra package needed)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] == "Z":
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def listening_inodes(port: int) -> set[str]:
    """Socket inodes listening on TCP ``port`` (from /proc/net/tcp and tcp6)."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    return inodes


def listens_on(pid: int, port: int) -> bool:
    """Whether process ``pid`` itself holds a socket listening on ``port``: a connection test
    could reach another test's server that took the port after ours failed to bind it."""
    wanted = {f"socket:[{inode}]" for inode in listening_inodes(port)}
    if not wanted:
        return False
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return False
    for fd in fds:
        with contextlib.suppress(OSError):
            if os.readlink(fd) in wanted:
                return True
    return False


def group_members(pgid: int) -> list[int]:
    """Live processes in process group ``pgid``: orphans re-parented to init included."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            members.append(int(entry.name))
    return members


def wait_group_gone(pgid: int, timeout: float = 30) -> list[int]:
    """Poll until group ``pgid`` has no live process; the ones left at the deadline."""
    deadline = time.monotonic() + timeout
    while (left := group_members(pgid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def _start_serving(
    env: dict[str, str], tmp_path: Path, args: tuple[str, ...]
) -> tuple[int, subprocess.Popen[bytes]]:
    """Start ``serve`` on a free port; a new port when another process took the one picked
    (free_port releases it before serve binds it). Waits for serve's own "Serving" line and its
    own listening socket, never for whatever answers on the port."""
    for attempt in range(5):
        port = free_port()
        log_path = tmp_path / f"serve-{port}-{attempt}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [str(CLI), "serve", "--port", str(port), *args],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while process.poll() is None and time.monotonic() < deadline:
            if "Serving" in log_path.read_text(errors="replace") and listens_on(process.pid, port):
                return port, process
            time.sleep(0.1)
        output = log_path.read_text(errors="replace")
        _stop(process)
        if "address already in use" not in " ".join(output.lower().split()):  # rich wraps it
            pytest.fail("serve did not start:\n" + output)
    pytest.fail("serve found no free port in 5 attempts:\n" + output)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, a grace period, then SIGKILL to the whole process group whatever happened:
    an app process the server failed to end must not outlive the test."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=20)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


@contextlib.contextmanager
def serving(tmp_path: Path, *args: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``ipas-kiosk serve ARGS`` on a free port against a fresh seeded SQLite database."""
    env = {
        **os.environ,
        "IPAS_KIOSK_DATABASE_URL": f"sqlite:///{tmp_path / 'kiosk.db'}",
        "IPAS_KIOSK_OUTBOX_DIR": str(tmp_path / "outbox"),
        "IPAS_KIOSK_CONFIG_FILE": str(tmp_path / "none.toml"),
        "IPAS_KIOSK_BCRYPT_ROUNDS": "4",
        "IPAS_KIOSK_LANGUAGE": "zh-TW",
        "IPAS_KIOSK_IDLE_SECONDS": "600",
    }
    for step in (["db", "upgrade"], ["seed", "--demo"]):
        subprocess.run([str(CLI), *step], env=env, check=True, capture_output=True, timeout=120)
    port, process = _start_serving(env, tmp_path, args)
    try:
        yield f"http://127.0.0.1:{port}/", process
    finally:
        _stop(process)


# how each connection's process is made: forked from serve's warmed parent (the default,
# ``--entry`` for the test entry point), or a new process (``--spawn``; ``--command`` spawns too)
MODES = ["fork", "spawn"]
ENTRY_ARGS = {
    "fork": ("--entry", str(ENTRY)),
    "spawn": ("--command", shlex.join([sys.executable, str(ENTRY)])),
}


@pytest.fixture(params=MODES)
def server(request: Any, tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    with serving(tmp_path, *ENTRY_ARGS[request.param]) as served:
        yield served


def open_page(playwright: Any, url: str, blocked: list[str]) -> tuple[Any, Any]:
    """Headless Debian chromium on ``url``; any other request is aborted and noted (nothing
    leaves this machine, and the page must not even ask)."""
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    return browser, another_page(browser, url, blocked)


def another_page(browser: Any, url: str, blocked: list[str]) -> Any:
    """A page of ``browser`` on ``url`` (a connection of its own); other requests aborted."""

    def only_the_server(route: Any) -> None:
        if route.request.url.startswith(url):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.route("**/*", only_the_server)
    page.add_init_script(HOOK)
    page.goto(url)
    return page


def screen_text(page: Any) -> str:
    return str(page.evaluate("() => window.__screenText()"))


def wait_text(page: Any, text: str, timeout_ms: int = 60_000) -> None:
    """Poll the terminal until ``text`` shows (spaces ignored: wide characters leave gaps)."""
    try:
        page.wait_for_function(
            "(text) => window.__screenText().replace(/\\s/g, '').includes(text)",
            arg="".join(text.split()),
            timeout=timeout_ms,
        )
    except Exception as error:
        raise AssertionError(f"{text!r} not on screen:\n{screen_text(page)}") from error


def wait_gone(page: Any, text: str, timeout_ms: int = 60_000) -> None:
    try:
        page.wait_for_function(
            "(text) => !window.__screenText().replace(/\\s/g, '').includes(text)",
            arg="".join(text.split()),
            timeout=timeout_ms,
        )
    except Exception as error:
        raise AssertionError(f"{text!r} still on screen:\n{screen_text(page)}") from error


def row_of(page: Any, label: str) -> int:
    for y, line in enumerate(screen_text(page).splitlines()):
        if label in line:
            return y
    raise AssertionError(f"{label!r} not on screen:\n{screen_text(page)}")


def click_cell(page: Any, x: int, y: int) -> None:
    """Click the middle of terminal cell (x, y)."""
    box = page.locator(".xterm-screen").bounding_box()
    cols, rows = page.evaluate("() => [window.__terms[0].cols, window.__terms[0].rows]")
    page.mouse.click(
        box["x"] + (x + 0.5) * box["width"] / cols, box["y"] + (y + 0.5) * box["height"] / rows
    )


def click_code_box(page: Any) -> int:
    """Scroll to the code box with the mouse wheel (the open checklists push it below the screen,
    and a person scrolls to it), click it and return its row once its focus shows."""
    box = page.locator(".xterm-screen").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    for _ in range(30):  # a notch scrolls a few rows: these reach the page's end
        page.mouse.wheel(0, 100)
    wait_text(page, "建議避免使用")  # the end of the 請注意 box: it scrolls no further
    wait_text(page, "* 輸入驗證碼")
    code_row = row_of(page, "* 輸入驗證碼")
    blurred = page.evaluate("(y) => window.__background(30, y)", code_row)
    click_cell(page, 30, code_row)
    # the code box is focused once its background differs from its blurred one
    page.wait_for_function(
        "([y, before]) => JSON.stringify(window.__background(30, y)) !== JSON.stringify(before)",
        arg=[code_row, blurred],
        timeout=60_000,
    )
    return code_row


def painted(png: bytes) -> tuple[int, float]:
    """Distinct colours and the share of pixels that differ from the most common one."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 20) or []
    background = max(colours)[0] if colours else 0
    total = image.width * image.height
    return len(colours), 1 - background / total


def test_kiosk_in_chromium_logs_in_to_the_candidate_area(
    server: tuple[str, subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    url, process = server
    blocked: list[str] = []

    def only_the_server(route: Any) -> None:
        if route.request.url.startswith(url):
            route.continue_()
        else:  # the page asks for a web font elsewhere: nothing leaves this machine
            blocked.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.route("**/*", only_the_server)
            page.add_init_script(HOOK)
            page.goto(url)
            wait_text(page, "考生登入")
            wait_text(page, "輸入驗證碼")
            apps = [p for p in descendants(process.pid) if _is_app(p)]
            assert len(apps) == 1  # one app process for this connection

            # Focus moves are checked on screen before typing on: the focused field shows its
            # whole rule checklist, which stays open once it loses focus (nothing moves).
            click_cell(page, 30, row_of(page, "* 帳號"))
            wait_text(page, "帳號長度：最大為30個英文字元")
            page.keyboard.type("wang2026")
            wait_text(page, "wang2026")
            page.keyboard.press("Tab")
            wait_text(page, "2至20個字")
            page.keyboard.insert_text("王小明")  # what an IME hands over: composed text
            wait_text(page, "王小明")
            page.keyboard.press("Tab")
            wait_text(page, "密碼長度至少為12個字元")
            page.keyboard.type("Kiosk#Demo2026")
            wait_text(page, "*" * len("Kiosk#Demo2026"))  # masked
            code_row = click_code_box(page)
            assert row_of(page, "* 輸入驗證碼") == code_row  # leaving the password moved nothing
            page.keyboard.type("12345")
            wait_text(page, "12345")
            login_png = page.screenshot()
            page.keyboard.press("Enter")

            wait_text(page, "王小明 您好，歡迎進入考生專區")
            text = screen_text(page)
            assert "考生登入" not in text and "wang2026" not in text
            home_png = page.screenshot(path=str(tmp_path / "home.png"))
            colours, share = painted(home_png)
            assert colours > 8 and share > 0.05  # a painted terminal, not a blank page
            assert home_png != login_png
            assert blocked == []  # no third-party request (web fonts, analytics ...)
            page.close()
        finally:
            browser.close()
    # chromium (and Playwright's driver) leave no process behind
    deadline = time.monotonic() + 30
    while _ours("chromium") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _ours("chromium")

    # the closed connection ends its app process; stopping the server leaves nothing behind
    deadline = time.monotonic() + 30
    while any(_is_app(p) for p in descendants(process.pid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [p for p in descendants(process.pid) if _is_app(p)]
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)
    # by process group, not by parentage: an app process orphaned by the server is re-parented
    # to init and would not show among anyone's descendants
    assert wait_group_gone(process.pid) == []


def _cmdline_has(pid: int, text: str) -> bool:
    try:
        return text in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False


def _is_app(pid: int) -> bool:
    """The Python process of an app: spawned (textual-serve starts it through ``sh -c``), or
    forked from the warmed parent that loaded the entry (a fork's command line is its
    parent's; the parent is no app)."""
    if not alive(pid):
        return False
    if _argv(pid)[:2] == [sys.executable, str(ENTRY)]:
        return True
    return _is_fork(pid) and str(ENTRY) in _argv(pid)


def apps_below(server: int) -> list[int]:
    return [pid for pid in descendants(server) if _is_app(pid)]


FORK_PARENT = [sys.executable, "-m", "kiosk.cli.forkserver"]


def _is_fork(pid: int) -> bool:
    """A session forked from serve's warmed parent."""
    parent = _parent(pid)
    return parent is not None and _argv(pid)[:3] == FORK_PARENT and _argv(parent)[:3] == FORK_PARENT


def _parent(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def _sessions(server: int, mode: str, command: str) -> list[int]:
    """The live app processes below ``server`` serving ``command`` (``run`` or ``staff``)."""
    if mode == "spawn":
        wanted = [sys.executable, "-m", "kiosk", command]
        return [p for p in descendants(server) if _argv(p)[:4] == wanted and alive(p)]
    app = "staff" if command == "staff" else "kiosk"
    return [
        p
        for p in descendants(server)
        if _is_fork(p) and _argv(p)[5:7] == ["--app", app] and alive(p)
    ]


def _ours(name: str) -> list[int]:
    """Live processes started by this test process whose command line mentions ``name``."""
    return [pid for pid in descendants(os.getpid()) if _cmdline_has(pid, name) and alive(pid)]


@pytest.mark.parametrize("mode", MODES)
def test_staff_console_is_served_one_process_per_connection(tmp_path: Path, mode: str) -> None:
    from playwright.sync_api import sync_playwright

    from kiosk.infra.i18n import t

    blocked: list[str] = []
    spawn = ("--spawn",) if mode == "spawn" else ()
    with (
        serving(tmp_path, "--app", "staff", *spawn) as (url, process),
        sync_playwright() as playwright,
    ):
        browser, page = open_page(playwright, url, blocked)
        try:
            wait_text(page, t("staff.login.heading", "zh-TW"))  # the console's sign-in page
            assert len(_sessions(process.pid, mode, "staff")) == 1
            colours, share = painted(page.screenshot())
            assert colours > 4 and share > 0.01
            assert blocked == []
        finally:
            browser.close()


def _argv(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


@pytest.mark.parametrize("mode", MODES)
def test_default_kiosk_command_serves_the_login_page(tmp_path: Path, mode: str) -> None:
    """Without --command: the kiosk forked from the warmed parent per connection, as deployed,
    or with --spawn ``python -m kiosk run``."""
    from playwright.sync_api import sync_playwright

    blocked: list[str] = []
    spawn = ("--spawn",) if mode == "spawn" else ()
    with serving(tmp_path, *spawn) as (url, process), sync_playwright() as playwright:
        browser, page = open_page(playwright, url, blocked)
        try:
            wait_text(page, "考生登入")
            assert len(_sessions(process.pid, mode, "run")) == 1
            assert blocked == []
        finally:
            browser.close()
