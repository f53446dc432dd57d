"""Many candidates per host (issue 15): N browser sessions on one ``ipas-kiosk serve``.

Each session is a websocket client speaking textual-serve's protocol (``bench.serve_client``:
what the page's script does, without drawing) against the real command on a free loopback port,
with a fresh seeded SQLite database. A session counts once its login page is drawn (the page's
heading and its captcha box). Two arrival patterns: all at once, and one every ``gap`` seconds (a
venue's doors opening); two ways to serve: forked from the warmed parent (the default) and
``--spawn`` (a whole new process per connection), in the same run.

Reported per mode and pattern: first screen p50/p95/max; memory as proportional set size (PSS:
each shared page divided among the processes that map it — RSS would count the parent's pages in
every fork) of serve and everything below it, with 0 and N sessions, and the difference per
session; the unique set size (USS) of a session; CPU of the whole tree while the N sessions sit
idle on their login pages. Before the patterns: CPU seconds a single session's process spends up
to its first screen, on an otherwise idle server; times the number of sessions over the cores,
that is the floor for "all at once".
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.serve_client import FIRST_PAINT, LOGIN_PAGE, Session

CLI = Path(sys.executable).with_name("ipas-kiosk")
TICKS = os.sysconf("SC_CLK_TCK")
MIB = 1024 * 1024
MODES = ("fork", "spawn")


# ------------------------------------------------------------------ /proc


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def tree(pid: int) -> list[int]:
    """``pid`` and every live process below it."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) and fields[0] != "Z":
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [pid], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        if fields := _stat(pid):
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def machine_busy_seconds() -> float:
    """CPU seconds every core of this machine has spent busy since boot (/proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / TICKS


def rollup(pid: int) -> dict[str, int]:
    """``/proc/PID/smaps_rollup`` in bytes (Pss, Rss, Private_Clean, Private_Dirty ...)."""
    values: dict[str, int] = {}
    try:
        lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
    except OSError:
        return values
    for line in lines[1:]:
        name, _, rest = line.partition(":")
        parts = rest.split()
        if parts and parts[-1] == "kB":
            values[name] = int(parts[0]) * 1024
    return values


def pss(pids: list[int]) -> int:
    return sum(rollup(pid).get("Pss", 0) for pid in pids)


def uss(pid: int) -> int:
    values = rollup(pid)
    return values.get("Private_Clean", 0) + values.get("Private_Dirty", 0)


# ------------------------------------------------------------------ the server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def serving(folder: Path, *args: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    env = {
        **os.environ,
        "IPAS_KIOSK_DATABASE_URL": f"sqlite:///{folder / 'kiosk.db'}",
        "IPAS_KIOSK_OUTBOX_DIR": str(folder / "outbox"),
        "IPAS_KIOSK_CONFIG_FILE": str(folder / "none.toml"),
        "IPAS_KIOSK_LOG_DIR": str(folder / "log"),
        "IPAS_KIOSK_LANGUAGE": "zh-TW",
        "IPAS_KIOSK_IDLE_SECONDS": "3600",
    }
    if not (folder / "kiosk.db").exists():
        for step in (["db", "upgrade"], ["seed", "--demo"]):
            subprocess.run([str(CLI), *step], env=env, check=True, capture_output=True)
    port = free_port()
    log = (folder / f"serve-{port}.log").open("wb")
    process = subprocess.Popen(
        [str(CLI), "serve", "--port", str(port), *args],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while "Serving" not in (folder / f"serve-{port}.log").read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((folder / f"serve-{port}.log").read_text(errors="replace"))
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}", process
    finally:
        process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=60)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        log.close()


def sessions_of(server: int, before: set[int]) -> list[int]:
    """The session processes: what is below serve now and was not before any session."""
    return [pid for pid in tree(server) if pid not in before]


async def settle(server: int, before: set[int], timeout: float = 60) -> None:
    """Until every session process below serve has ended."""
    deadline = time.monotonic() + timeout
    while sessions_of(server, before) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)


# ------------------------------------------------------------------ one measurement


async def single_session_cpu(
    url: str, server: int, before: set[int], runs: int
) -> tuple[list[float], list[float]]:
    """CPU seconds of one session's processes up to its first paint and up to its whole login
    page, one session at a time on an otherwise idle server."""
    first, whole = [], []
    for _ in range(runs):
        session = Session(url)
        await session.open()
        await session.wait_for(*FIRST_PAINT)
        first.append(cpu_seconds(sessions_of(server, before)))
        await session.wait_for(*LOGIN_PAGE)
        whole.append(cpu_seconds(sessions_of(server, before)))
        await session.close()
        await settle(server, before)
    return first, whole


async def quiet(server: int, *, timeout: float = 180) -> None:
    """Until serve's tree spends less than 5 % of a core over a second (every session has
    finished loading; a spawned session's warm-up thread takes seconds), at least 3 s."""
    await asyncio.sleep(2)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = cpu_seconds(tree(server))
        await asyncio.sleep(1)
        if cpu_seconds(tree(server)) - before < 0.05:
            return


def percentile(values: list[float], share: float) -> float:
    """The value below which ``share`` of the sorted ``values`` lie (nearest rank)."""
    return values[max(0, round(share * len(values)) - 1)]


async def pattern(
    url: str, server: int, before: set[int], count: int, gap: float, idle_seconds: float
) -> dict[str, float]:
    base = pss(tree(server))
    cpu_start = {pid: cpu_seconds([pid]) for pid in before}
    busy_start = machine_busy_seconds()
    client_start = time.process_time()  # the clients here: their share is not the server's
    sessions = [Session(url) for _ in range(count)]

    async def one(index: int) -> tuple[float, float]:
        await asyncio.sleep(index * gap)
        await sessions[index].open()
        first = await sessions[index].wait_for(*FIRST_PAINT, timeout=300)
        return first, await sessions[index].wait_for(*LOGIN_PAGE, timeout=300)

    started = time.perf_counter()
    marks = await asyncio.gather(*(one(i) for i in range(count)))
    wall = time.perf_counter() - started
    ours = cpu_seconds(tree(server)) - sum(cpu_start.values())
    client = time.process_time() - client_start
    others = max(0.0, machine_busy_seconds() - busy_start - ours - client) / wall
    firsts = sorted(first for first, _ in marks)
    times = sorted(whole for _, whole in marks)
    await quiet(server)  # each session's warm-up thread (0.5 s after its first paint) is done
    processes = tree(server)
    total = pss(processes)
    session_pids = [pid for pid in processes if pid not in before]
    uss_each = [uss(pid) for pid in session_pids]
    cpu_sessions = cpu_seconds(session_pids) / max(1, len(session_pids))
    cpu_serve = sum(cpu_seconds([pid]) - spent for pid, spent in cpu_start.items()) / count
    cpu_before = cpu_seconds(processes)
    await asyncio.sleep(idle_seconds)
    idle = (cpu_seconds(tree(server)) - cpu_before) / idle_seconds
    for session in sessions:
        await session.close()
    await settle(server, before)
    return {
        "first50": statistics.median(firsts),
        "first95": percentile(firsts, 0.95),
        "p50": statistics.median(times),
        "p95": percentile(times, 0.95),
        "max": times[-1],
        "wall": wall,
        "base": base / MIB,
        "total": total / MIB,
        "per": (total - base) / count / MIB,
        "uss": statistics.median(uss_each) / MIB if uss_each else 0.0,
        "idle": idle * 100,
        "others": others,
        "client": client / wall,
        "cpu_session": cpu_sessions,
        "cpu_serve": cpu_serve,
    }


async def measure(
    folder: Path, args: list[str], count: int, gap: float, idle: float
) -> dict[str, Any]:
    with serving(folder, *args) as (url, process):
        before = set(tree(process.pid))
        # the first connection waits for the warmed parent's warm-up; not counted
        first = Session(url)
        await first.open()
        await first.wait_for(*LOGIN_PAGE, timeout=120)
        await first.close()
        before = set(tree(process.pid))  # serve (and the warmed parent), no session
        await settle(process.pid, before)
        first, whole = await single_session_cpu(url, process.pid, before, runs=5)
        results: dict[str, Any] = {"cpu": (statistics.median(first), statistics.median(whole))}
        for name, spacing in (("at once", 0.0), (f"{gap:g} s apart", gap)):
            results[name] = await pattern(url, process.pid, before, count, spacing, idle)
        return results


def run(
    sessions: int = 50, gap: float = 0.2, idle: float = 10.0, modes: tuple[str, ...] = MODES
) -> list[str]:
    lines = [
        f"## Many candidates per host: {sessions} browser sessions on one `serve` (issue 15)",
        "",
        f"{os.cpu_count()} cores; websocket clients speaking textual-serve's protocol. First "
        "paint: the login page's heading and account box (it takes keys); whole page: its "
        "captcha box too (a frame later). Memory is PSS of serve and everything below it; "
        "per session = (with N − with 0) / N. "
        "Goal: p95 first screen ≤ 2 s, ≤ 40 MiB per additional session.",
        "",
        "| mode | arrivals | first paint p50 / p95 | whole page p50 / p95 / max | all drawn "
        "| cores taken meanwhile by the clients / by other work | PSS with 0 → N "
        "| per session | USS of a session | CPU idle (N sessions) | CPU s per session: its "
        "process / serve's |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    floors = []
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmp:
        for mode in modes:
            args = ["--spawn"] if mode == "spawn" else []
            results = asyncio.run(measure(Path(tmp), args, sessions, gap, idle))
            first, whole = results.pop("cpu")
            cores = os.cpu_count() or 1
            floors.append(
                f"- {mode}: one session's processes spend {first:.3f} CPU s up to the first "
                f"paint ({whole:.3f} s up to the whole page), alone on the server; × "
                f"{sessions} / {cores} cores = {first * sessions / cores:.1f} s "
                f"({whole * sessions / cores:.1f} s): the least time in which {sessions} "
                "arriving at once can all be painted, on otherwise idle cores."
            )
            for name, row in results.items():
                lines.append(
                    f"| {mode} | {name} | {row['first50']:.2f} / {row['first95']:.2f} s "
                    f"| {row['p50']:.2f} / {row['p95']:.2f} / "
                    f"{row['max']:.2f} s | {row['wall']:.1f} s | {row['client']:.2f} / "
                    f"{row['others']:.2f} "
                    f"| {row['base']:.0f} → "
                    f"{row['total']:.0f} MiB | {row['per']:.1f} MiB | {row['uss']:.1f} MiB | "
                    f"{row['idle']:.1f} % of a core | {row['cpu_session']:.2f} / "
                    f"{row['cpu_serve']:.2f} |"
                )
                sys.stdout.flush()
    return [*lines, "", *floors]


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.bench_serve")
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--gap", type=float, default=0.2)
    parser.add_argument("--idle", type=float, default=10.0)
    parser.add_argument("--modes", default=",".join(MODES))
    options = parser.parse_args()
    modes = tuple(options.modes.split(","))
    print("\n".join(run(options.sessions, options.gap, options.idle, modes)))
