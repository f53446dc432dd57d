"""bcrypt cost vs time, the unknown-account dummy check, and captcha generate + render time.

Every ratio compares numbers measured side by side in the same run: each bcrypt cost against cost
10, the dummy check against a real one at the default cost, the captcha against its goal (≤ 3 ms
for one challenge drawn and turned into half blocks).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from functools import partial

from kiosk.core.captcha import random_answer, render_text
from kiosk.core.passwords import (
    DEFAULT_ROUNDS,
    burn_dummy,
    dummy_hash,
    hash_password,
    verify_password,
)

COSTS = (10, 11, 12, 13)
CAPTCHA_GOAL_MS = 3.0
PASSWORD = "Kiosk#Bench2024"


def timed_ms(action: Callable[[], object], runs: int) -> list[float]:
    """Wall time of each of ``runs`` calls of ``action``, in milliseconds."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return times


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


def run(quick: bool = True) -> list[str]:
    """Measure and return a markdown section (heading and tables).

    Args:
        quick: 3 bcrypt runs per cost and 200 captchas; otherwise 9 and 1,000.
    """
    bcrypt_runs = 3 if quick else 9
    captcha_runs = 200 if quick else 1_000
    lines = [
        f"### bcrypt and captcha (median of {bcrypt_runs} bcrypt runs, {captcha_runs} captchas)"
    ]
    lines += [
        "",
        "| bcrypt cost | hash ms | verify ms | hash + verify ms | vs cost 10 |",
        "|---|---|---|---|---|",
    ]
    base = 0.0
    for cost in COSTS:
        stored = hash_password(PASSWORD, cost)
        hash_ms = statistics.median(timed_ms(partial(hash_password, PASSWORD, cost), bcrypt_runs))
        verify_ms = statistics.median(
            timed_ms(partial(verify_password, PASSWORD, stored), bcrypt_runs)
        )
        total = hash_ms + verify_ms
        base = base or total
        lines.append(
            f"| {cost} | {hash_ms:.0f} | {verify_ms:.0f} | {total:.0f} | {total / base:.2f}× |"
        )

    stored = hash_password(PASSWORD, DEFAULT_ROUNDS)
    dummy_hash(DEFAULT_ROUNDS)
    known = statistics.median(
        timed_ms(lambda: verify_password("Wrong#Guess2024", stored), bcrypt_runs)
    )
    unknown = statistics.median(timed_ms(lambda: burn_dummy("Wrong#Guess2024"), bcrypt_runs))
    lines += [
        "",
        f"| login at cost {DEFAULT_ROUNDS} | median ms | vs known account |",
        "|---|---|---|",
        f"| known account, wrong password (`verify_password`) | {known:.0f} | 1.00× |",
        f"| unknown account (`burn_dummy`) | {unknown:.0f} | {unknown / known:.2f}× |",
    ]

    render_text(random_answer())  # the first drawing, outside the timing
    times = timed_ms(lambda: render_text(random_answer()), captcha_runs)
    median = statistics.median(times)
    met = "yes" if median <= CAPTCHA_GOAL_MS else "NO"
    lines += [
        "",
        "| captcha generate + render (48 columns) | median ms | p95 ms | vs goal 3 ms | goal met |",
        "|---|---|---|---|---|",
        f"| `render_text(random_answer())` | {median:.2f} | {p95(times):.2f} "
        f"| {median / CAPTCHA_GOAL_MS:.2f}× | {met} |",
    ]
    return lines


if __name__ == "__main__":
    print("\n".join(run(quick="--full" not in sys.argv[1:])))
