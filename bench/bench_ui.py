"""The kiosk on screen vs a bare Textual app with one Input, side by side in one run — seen from
inside Python (headless, memory at the first paint, stalls after the warm-up). What a person
meets — whole processes on a pty, stalls from process start, peak memory after a session — is
``bench/bench_session.py`` (issue 15), and its rows are the ones the goals are judged by.

- start-up: a fresh process until the first screen has been painted (headless), median of N;
- key echo: 200 keys into a field with live rules vs a bare Input, per key;
- event-loop stall: the longest gap a 5 ms ticker sees while login and registration run;
- resident memory (VmRSS) once the first screen is up.
Goals (issue 4): start ≤ 1.3×, key echo ≤ 1.5×, stall ≤ 50 ms, memory ≤ 1.5×; of these only key
echo is still judged here.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

STARTUP = textwrap.dedent(
    """
    import sys, time
    t0 = time.perf_counter()
    def rss():
        for line in open("/proc/self/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    if sys.argv[1] == "bare":
        from textual.app import App
        from textual.widgets import Input
        class Bare(App):
            def compose(self):
                yield Input()
            def on_mount(self):
                self.call_after_refresh(self.done)
            def done(self):
                print(f"{(time.perf_counter() - t0) * 1000:.1f} {rss()}")
                self.exit()
        Bare().run(headless=True)
    else:
        from kiosk.ui.kiosk.app import KioskApp
        class Kiosk(KioskApp):
            def on_mount(self):
                super().on_mount()
                self.call_after_refresh(self.first)
            def first(self):  # the account box has focus and takes keys
                self.first_paint = ((time.perf_counter() - t0) * 1000, rss())
                self.timer = self.set_interval(0.001, self.poll)
            def poll(self):  # then: the lazily mounted rest of the page is on screen too
                whole = getattr(self.screen, "ready", True) and self.query("#end-session")
                if self.timer and whole:
                    self.timer.stop()
                    self.timer = None
                    self.call_after_refresh(self.done)
            def done(self):
                ms, kb = self.first_paint
                print(f"{ms:.1f} {kb} {(time.perf_counter() - t0) * 1000:.1f} {rss()}")
                self.exit()
        Kiosk().run(headless=True)
    """
)


def startup(kind: str, runs: int, env: dict[str, str]) -> tuple[float, ...]:
    """Median start-up ms and MB; for the kiosk also when the whole login page is mounted."""
    columns: list[list[float]] = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", STARTUP, kind],
            capture_output=True,
            text=True,
            env=env,
            check=True,
            timeout=60,
        ).stdout.split()
        values = [float(x) / (1024 if n % 2 else 1) for n, x in enumerate(out)]
        columns = columns or [[] for _ in values]
        for column, value in zip(columns, values, strict=True):
            column.append(value)
    return tuple(statistics.median(column) for column in columns)


KEYS_AND_STALLS = textwrap.dedent(
    """
    import asyncio, statistics, sys, time
    from pathlib import Path
    from textual import events
    from textual.app import App
    from textual.widgets import Input
    sys.path.insert(0, ".")
    from tests.screens.conftest import build_app, wait_for

    KEYS = 60  # the password field holds at most 72 characters

    async def echo(app, selector):
        async with app.run_test(size=(100, 32)) as pilot:
            widget = app.screen.query_one(selector, Input)
            widget.focus()
            await pilot.pause()
            driver = app._driver
            times = []
            for index in range(KEYS):
                started = time.perf_counter()
                driver.send_message(events.Key("a", "a"))
                while len(widget.value) <= index:
                    await asyncio.sleep(0)
                times.append((time.perf_counter() - started) * 1000)
                await asyncio.sleep(0.01)  # a typist's pace: let the debounced rules run
            return statistics.median(times)

    class Bare(App):
        def compose(self):
            yield Input(id="field")

    async def stall_during_flow(tmp):
        from tests.screens.test_login import login
        app = build_app(Path(tmp))
        worst = 0.0
        stop = False
        async def ticker():
            nonlocal worst
            while not stop:
                before = time.perf_counter()
                await asyncio.sleep(0.005)
                worst = max(worst, (time.perf_counter() - before - 0.005) * 1000)
        async with app.run_test(size=(100, 32)) as pilot:
            # A kiosk starts long before its first candidate: the one-time warm-up (settings,
            # SQLAlchemy, pypinyin's tables, phone metadata) is measured on its own.
            task = asyncio.create_task(ticker())
            await wait_for(pilot, lambda: app.warmed, timeout=60)
            await pilot.pause(0.2)
            stop = True
            await task
            warm_worst, worst, stop = worst, 0.0, False
            task = asyncio.create_task(ticker())
            await login(pilot, "brandnew2026", "張志明", "Tq7#pLm2$Vx9")
            from tests.screens.conftest import screen_name
            await wait_for(pilot, lambda: screen_name(pilot) == "RegistrationScreen")
            from tests.screens.conftest import type_into
            await type_into(pilot, "#national-id", "A223456781")
            await type_into(pilot, "#email", "chih.ming@example.com")
            await type_into(pilot, "#mobile", "0911222333")
            await type_into(pilot, "#password-confirm", "Tq7#pLm2$Vx9")
            await pilot.pause(0.5)
            stop = True
            await task
        app.store.dispose()
        return worst, warm_worst

    async def main(tmp):
        bare = await echo(Bare(), "#field")
        kiosk = await echo(build_app(Path(tmp)), "#password")
        stall, warm = await stall_during_flow(tmp + "/s")
        print(f"{bare:.3f} {kiosk:.3f} {stall:.1f} {warm:.1f}")

    Path(sys.argv[1], "s").mkdir()
    asyncio.run(main(sys.argv[1]))
    """
)


def run(runs: int = 7) -> list[str]:
    import os

    root = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "IPAS_KIOSK_DATABASE_URL": f"sqlite:///{tmp}/startup.db",
            "IPAS_KIOSK_CONFIG_FILE": f"{tmp}/none.toml",
        }
        bare_ms, bare_mb = startup("bare", runs, env)
        kiosk_ms, kiosk_mb, whole_ms, whole_mb = startup("kiosk", runs, env)
        out = subprocess.run(
            [sys.executable, "-c", KEYS_AND_STALLS, tmp],
            capture_output=True,
            text=True,
            cwd=root,
            timeout=600,
        )
        if out.returncode != 0:
            raise SystemExit(out.stderr[-2000:])
        bare_key, kiosk_key, stall, warm = (float(x) for x in out.stdout.split())

    def row(name: str, bare: float, kiosk: float, unit: str, goal: float) -> str:
        ratio = kiosk / bare
        return (
            f"| {name} | {bare:.1f} {unit} | {kiosk:.1f} {unit} | {ratio:.2f}× | ≤ {goal}× | "
            f"{'yes' if ratio <= goal else 'NO'} |"
        )

    return [
        f"### Kiosk vs bare Textual app, in-process and headless (start-up and memory: median of "
        f"{runs} processes; the goals are judged on the session rows above, not these)",
        "",
        "| measure | bare app | kiosk | ratio | goal | met |",
        "|---|---|---|---|---|---|",
        row("start to an interactive login screen (headless)", bare_ms, kiosk_ms, "ms", 1.3),
        row("resident memory at that point", bare_mb, kiosk_mb, "MB", 1.5),
        row(
            "start to the whole login page (captcha row, buttons, rules box)",
            bare_ms,
            whole_ms,
            "ms",
            1.3,
        ),
        row("resident memory with the whole page", bare_mb, whole_mb, "MB", 1.5),
        row(
            "key echo into a field with live rules (median of 60 keys)",
            bare_key,
            kiosk_key,
            "ms",
            1.5,
        ),
        "",
        f"Longest event-loop stall during login → registration, once warm (Pilot, headless): "
        f"{stall:.1f} ms. During the one-time warm-up right after start: {warm:.1f} ms.",
    ]


if __name__ == "__main__":
    print("\n".join(run()))
