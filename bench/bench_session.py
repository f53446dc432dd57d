"""The cost of one session as a person meets it (issue 15): whole processes on a real
pseudo-terminal, beside a bare Textual app (four Inputs and a Button, ``bench/bare_app.py``), pair
by pair.

Each process is exec'd on a fresh pty (100x32) and read as a terminal would: its output, escape
sequences stripped, is searched for a page's text.

- first paint: exec → the login page's heading in the output; ``ipas-kiosk run`` (the console
  script) on a seeded SQLite file, and the bare app as a script;
- longest event-loop stall from process start through a typed session, measured inside the child
  (``IPAS_KIOSK_LAG_FILE``: a 5 ms callback's worst lateness, ``kiosk.ui.lag_probe``). Kiosk:
  login typed (account, name, password, code, Enter) → registration → national ID, e-mail,
  password again and mobile typed. The captcha cannot be read off the screen, so this child is
  ``bench/kiosk_child.py``: the same ``run`` body with a known captcha answer. Staff console:
  ``ipas-kiosk staff`` itself, sign-in typed → a search typed. Bare app: its four boxes typed;
- peak RSS: ``VmHWM`` of the child at the end of that session;
- idle CPU: user + system time of an idle ``ipas-kiosk run`` over 10 s, after its warm-up.
- candidates in a row: one kiosk's resident memory after each of 20 sign-ins (a page, then F9), as
  a terminal serves a venue's day: does anything of a session stay behind.

Keys go in one at a time, 40 ms apart (a fast typist), 0.3 s after an Enter or Tab that moves to the
next box, each page's text awaited before typing on.
"""

from __future__ import annotations

import codecs
import contextlib
import fcntl
import os
import pty
import re
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SIZE = (32, 100)  # rows, columns
KEY_GAP = 0.04
ENTER_PAUSE = 0.3  # a person looks at the next box after Enter or Tab (focus moves a beat later)
ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
PASSWORD = "Tq7#pLm2$Vx9"
CAPTCHA = "12345"
STAFF = ("benchdesk01", "Desk#Bench2026")


class Child:
    """A process on its own pseudo-terminal, its screen output kept as text."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.started = time.perf_counter()
        pid, fd = pty.fork()
        if pid == 0:  # the child: size the terminal, then become the command
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", *SIZE, 0, 0))
            os.execve(argv[0], argv, env)
        self.pid, self.fd = pid, fd
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self.output = ""  # as written, escape sequences included
        self.mark = 0  # where the output stood when the last keys were typed

    def pump(self, seconds: float) -> None:
        """Read whatever the child writes for ``seconds`` (a terminal never stops reading)."""
        end = time.perf_counter() + seconds
        while True:
            left = end - time.perf_counter()
            ready, _, _ = select.select([self.fd], [], [], max(0.0, left))
            if ready:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:
                    chunk = b""
                if not chunk:
                    raise RuntimeError(f"the child ended; last output: {self.tail()!r}")
                self.output += self.decoder.decode(chunk)
            if left <= 0:
                return

    def shown(self, since: int) -> str:
        return ESCAPES.sub("", self.output[since:])

    def tail(self) -> str:
        return self.shown(max(0, len(self.output) - 800))

    def wait_for(self, text: str, timeout: float = 60.0) -> float:
        """Seconds from exec until ``text`` is on the screen (written since the last keys)."""
        end = time.perf_counter() + timeout
        since = max(0, self.mark - 256)
        while text not in self.shown(since):
            if time.perf_counter() > end:
                raise TimeoutError(f"{text!r} not shown; last output: {self.tail()!r}")
            self.pump(0.005)
        return time.perf_counter() - self.started

    def type(self, keys: str) -> None:
        self.mark = len(self.output)
        for key in keys:
            os.write(self.fd, key.encode())
            self.pump(KEY_GAP)

    def fill(self, *texts: str, pause: float = ENTER_PAUSE) -> None:
        """Each text typed into a box and ended by Enter (the next box), a pause after each."""
        for text in texts:
            self.type(text + "\r")
            self.pump(pause)

    def status(self, field: str) -> int:
        """A ``/proc/PID/status`` value in KiB (VmHWM: peak resident set)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        raise KeyError(field)

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        try:
            os.kill(self.pid, signal.SIGTERM)
            deadline = time.perf_counter() + 10
            while time.perf_counter() < deadline:
                done, _ = os.waitpid(self.pid, os.WNOHANG)
                if done:
                    break
                with contextlib.suppress(RuntimeError):  # it ended: nothing more to read
                    self.pump(0.05)
            else:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(self.fd)


def environment(tmp: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("IPAS_KIOSK_") and key not in {"TEXTUAL", "COLUMNS", "LINES"}
    }
    env.update(
        TERM="xterm-256color",
        HOME=str(tmp / "home"),
        XDG_DATA_HOME=str(tmp / "data"),
        XDG_CONFIG_HOME=str(tmp / "config"),
        IPAS_KIOSK_DATABASE_URL=f"sqlite:///{tmp}/kiosk.db",
        IPAS_KIOSK_CONFIG_FILE=str(tmp / "none.toml"),
        IPAS_KIOSK_LOG_DIR=str(tmp / "logs"),
        IPAS_KIOSK_OUTBOX_DIR=str(tmp / "outbox"),
    )
    return env


def prepare(tmp: Path) -> dict[str, str]:
    """A seeded SQLite file and a staff user, through the command line."""
    env = environment(tmp)
    cli = str(BIN / "ipas-kiosk")
    for args in (["db", "upgrade"], ["seed", "--demo"]):
        subprocess.run([cli, *args], env=env, check=True, capture_output=True, timeout=300)
    subprocess.run(
        [cli, "staff", "add", STAFF[0], "--password-stdin"],
        input=STAFF[1] + "\n",
        text=True,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return env


def lag(path: Path) -> float:
    return float(path.read_text().strip() or 0)


# ------------------------------------------------------------------ one process each


def first_paint(kind: str, env: dict[str, str]) -> float:
    argv = (
        [sys.executable, str(ROOT / "bench" / "bare_app.py")]
        if kind == "bare"
        else [str(BIN / "ipas-kiosk"), "run"]
    )
    child = Child(argv, env)
    try:
        return child.wait_for("考生登入")
    finally:
        child.stop()


INCOMPLETE: list[str] = []
"""Sessions whose page text never came (keys lost while the machine was starved)."""


def session(kind: str, env: dict[str, str], tmp: Path) -> tuple[float, float]:
    """(worst stall ms, peak RSS MiB) of one typed session from exec."""
    probe = tmp / f"lag-{kind}-{time.monotonic_ns()}"
    env = {**env, "IPAS_KIOSK_LAG_FILE": str(probe)}
    if kind == "bare":
        child = Child([sys.executable, str(ROOT / "bench" / "bare_app.py")], env)
        steps: Callable[[Child], None] = _bare_session
    elif kind == "kiosk":
        child = Child([sys.executable, str(ROOT / "bench" / "kiosk_child.py"), CAPTCHA], env)
        steps = _kiosk_session
    else:
        child = Child([str(BIN / "ipas-kiosk"), "staff"], env)
        steps = _staff_session
    try:
        try:
            steps(child)
            child.pump(0.5)  # what the last key set off
        except TimeoutError as error:  # keys lost on a starved machine: say so, keep the figures
            print(f"{kind} session incomplete: {str(error)[:120]}", file=sys.stderr)
            INCOMPLETE.append(kind)
        return lag(probe), child.status("VmHWM") / 1024
    finally:
        child.stop()


def _bare_session(child: Child) -> None:
    child.wait_for("考生登入")
    child.pump(0.5)  # a person finds the first box
    child.fill("brandnew2026", "張志明", PASSWORD, CAPTCHA)
    child.wait_for(CAPTCHA)


def _kiosk_session(child: Child) -> None:
    child.wait_for("輸入驗證碼")  # the rows below the account box too
    child.pump(0.5)
    child.fill("brandnew2026", "張志明", PASSWORD, CAPTCHA)
    child.wait_for("考生註冊")
    child.pump(3.0)  # a person reads the page; the whole form is built, its national ID focused
    child.type("A223456781")
    child.wait_for("A223456781")
    for tabs, text in (
        (4, "chih.ming@example.com"),  # past the name and its two English boxes
        (3, PASSWORD),  # past the password (carried over) and its show box: the confirmation
        (1, "0911222333"),
    ):
        child.type("\t" * tabs)
        child.pump(ENTER_PAUSE)
        child.type(text)
    child.wait_for("0911222333")


def _staff_session(child: Child) -> None:
    child.wait_for("服務台人員登入")
    child.pump(0.5)
    child.fill(*STAFF)
    child.wait_for("帳號、中文姓名")  # the search box's placeholder
    child.pump(0.5)
    child.type("wang")
    child.wait_for("wang2026")


def idle_cpu(env: dict[str, str], seconds: float = 10.0) -> float:
    """Percent of one core an idle ``ipas-kiosk run`` uses, after its warm-up settled."""
    child = Child([str(BIN / "ipas-kiosk"), "run"], env)
    try:
        child.wait_for("輸入驗證碼")
        child.pump(5.0)
        before, started = child.cpu_seconds(), time.perf_counter()
        child.pump(seconds)
        return 100 * (child.cpu_seconds() - before) / (time.perf_counter() - started)
    finally:
        child.stop()


def bare_idle_cpu(env: dict[str, str], seconds: float = 10.0) -> float:
    child = Child([sys.executable, str(ROOT / "bench" / "bare_app.py")], env)
    try:
        child.wait_for("考生登入")
        child.pump(5.0)
        before, started = child.cpu_seconds(), time.perf_counter()
        child.pump(seconds)
        return 100 * (child.cpu_seconds() - before) / (time.perf_counter() - started)
    finally:
        child.stop()


DEMO = ("wang2026", "王小明", "Kiosk#Demo2026")  # a demo candidate (`seed --demo`, README)
F9 = "\x1b[20~"


def candidates_in_a_row(env: dict[str, str], count: int) -> list[float]:
    """Resident memory (MiB) of one kiosk process after each of ``count`` candidates in a row —
    sign in, open 考生基本資料維護, F9 — as a terminal at a venue serves them all day."""
    child = Child([sys.executable, str(ROOT / "bench" / "kiosk_child.py"), CAPTCHA], env)
    after: list[float] = []
    try:
        child.wait_for("輸入驗證碼")
        child.pump(2.5)  # the warm-up
        for _ in range(count):
            child.fill(*DEMO, CAPTCHA, pause=0.1)  # key_order holds keys typed ahead
            child.wait_for("歡迎進入考生專區")
            child.type("\r")  # the menu's first button has the focus
            child.wait_for("考生基本資料")
            child.pump(0.5)
            child.type(F9)
            child.wait_for("輸入驗證碼")
            child.pump(0.8)  # the wipe's collection
            after.append(child.status("VmRSS") / 1024)
        return after
    finally:
        child.stop()


# ------------------------------------------------------------------ the table


def _spread(values: list[float]) -> str:
    return f"{min(values):.2f}–{max(values):.2f}×" if len(values) > 1 else ""


def run(pairs: int = 7, session_pairs: int | None = None, in_a_row: int = 20) -> list[str]:
    session_pairs = session_pairs or max(1, pairs // 2)
    tmp = Path(tempfile.mkdtemp(prefix="ipas-bench-session-"))
    try:
        env = prepare(tmp)
        paint: dict[str, list[float]] = {"bare": [], "kiosk": []}
        for _ in range(pairs):
            for kind in paint:
                paint[kind].append(first_paint(kind, env) * 1000)
        flows: dict[str, list[tuple[float, float]]] = {"bare": [], "kiosk": [], "staff": []}
        for _ in range(session_pairs):
            for kind in flows:
                flows[kind].append(session(kind, env, tmp))
        bare_idle, kiosk_idle = bare_idle_cpu(env), idle_cpu(env)
        row_rss = candidates_in_a_row(env, in_a_row) if in_a_row > 1 else []
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    def row(
        name: str, bare: list[float], other: list[float], unit: str, goal: str, ok: bool
    ) -> str:
        b, k = statistics.median(bare), statistics.median(other)
        ratios = [o / x for o, x in zip(other, bare, strict=True) if x]
        return (
            f"| {name} | {b:.1f} {unit} | {k:.1f} {unit} | {k / b:.2f}× {_spread(ratios)} | "
            f"{goal} | {'met' if ok else 'missed'} |"
        )

    p_bare, p_kiosk = paint["bare"], paint["kiosk"]
    stall = {kind: [s for s, _ in values] for kind, values in flows.items()}
    rss = {kind: [m for _, m in values] for kind, values in flows.items()}
    rss_ratio = statistics.median(rss["kiosk"]) / statistics.median(rss["bare"])
    staff_ratio = statistics.median(rss["staff"]) / statistics.median(rss["bare"])
    return [
        f"### Cost of one session, from exec on a pty (median; {pairs} pairs for the first "
        f"paint, {session_pairs} for the sessions; load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)",
        "",
        "| from process start | bare app | kiosk | ratio (pairs) | goal | |",
        "|---|---|---|---|---|---|",
        row(
            "`ipas-kiosk run` to the painted login page",
            p_bare,
            p_kiosk,
            "ms",
            "≤ 1.3×",
            statistics.median(p_kiosk) <= 1.3 * statistics.median(p_bare),
        ),
        row(
            "longest event-loop stall: typed login → registration → typed form",
            stall["bare"],
            stall["kiosk"],
            "ms",
            "≤ 50 ms",
            max(stall["kiosk"]) <= 50,
        ),
        row(
            "longest event-loop stall: `ipas-kiosk staff`, sign-in → search typed",
            stall["bare"],
            stall["staff"],
            "ms",
            "≤ 50 ms",
            max(stall["staff"]) <= 50,
        ),
        row(
            "peak RSS (VmHWM) after that kiosk session",
            rss["bare"],
            rss["kiosk"],
            "MiB",
            "≤ 2.0×",
            rss_ratio <= 2.0,
        ),
        row(
            "peak RSS (VmHWM) after that staff session",
            rss["bare"],
            rss["staff"],
            "MiB",
            "≤ 2.0×",
            staff_ratio <= 2.0,
        ),
        f"| CPU of an idle process over 10 s (after its warm-up) | {bare_idle:.2f} % | "
        f"{kiosk_idle:.2f} % | — | < 1 % of a core | {'met' if kiosk_idle < 1 else 'missed'} |",
        "",
        "Stalls, worst of each run: bare "
        + ", ".join(f"{s:.0f}" for s in stall["bare"])
        + " ms; kiosk "
        + ", ".join(f"{s:.0f}" for s in stall["kiosk"])
        + " ms; staff "
        + ", ".join(f"{s:.0f}" for s in stall["staff"])
        + " ms. First paints: bare "
        + ", ".join(f"{s:.0f}" for s in p_bare)
        + " ms; kiosk "
        + ", ".join(f"{s:.0f}" for s in p_kiosk)
        + " ms."
        + (
            f" Incomplete (a page's text never came): {', '.join(INCOMPLETE)}."
            if INCOMPLETE
            else ""
        ),
        *(
            [
                "",
                f"One kiosk through {len(row_rss)} candidates in a row (sign in, 考生基本資料維護, "
                f"F9): resident memory {row_rss[0]:.1f} MiB after the first, {row_rss[1]:.1f} "
                f"after the second, {row_rss[-1]:.1f} after the last: "
                f"{(row_rss[-1] - row_rss[1]) * 1024 / (len(row_rss) - 2):+.0f} KiB a candidate "
                "after the second.",
            ]
            if len(row_rss) > 2
            else []
        ),
    ]


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    print("\n".join(run(pairs=count)))
