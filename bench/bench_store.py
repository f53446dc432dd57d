"""Store at scale: account and national-ID lookups on N candidates vs an empty store, same run.

Goal (issue 3): p99 ≤ 2 ms and ≤ 1.5× the empty store's, on 1M candidates.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

from kiosk.infra.store import Store, get_candidate_by_account, get_candidate_by_national_id
from kiosk.infra.tables import Candidate, utcnow

LETTERS = dict(zip("ABCDEFGHJKLMNPQRSTUVXYWZIO", range(10, 36), strict=True))


def national_id_for(i: int) -> str:
    """The i-th checksum-valid citizen ID (letter, 1/2, seven digits, check digit)."""
    letter = "ABCDEFGHJKLMNPQRSTUVXYWZIO"[i % 26]
    body = f"{1 + (i // 26) % 2}{(i // 52):07d}"
    value = LETTERS[letter]
    total = (
        value // 10
        + (value % 10) * 9
        + sum(int(d) * w for d, w in zip(body, range(8, 0, -1), strict=True))
    )
    return f"{letter}{body}{(10 - total % 10) % 10}"


def fill(store: Store, count: int, chunk: int = 20_000) -> float:
    now = utcnow()
    started = time.perf_counter()
    with store.engine.begin() as conn:
        for start in range(0, count, chunk):
            rows = [
                {
                    "account": f"user{i:07d}",
                    "account_key": f"user{i:07d}",
                    "national_id": national_id_for(i),
                    "chinese_name": "王小明",
                    "nationality": "TW",
                    "english_surname": "",
                    "english_given_name": "",
                    "email": f"user{i}@example.com",
                    "mobile": f"09{i % 100_000_000:08d}",
                    "gender": "M",
                    "education": "04",
                    "school": "",
                    "department": "",
                    "must_change_password": False,
                    "profile_complete": True,
                    "origin": "self",
                    "group_unit": "",
                    "failed_logins": 0,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(start, min(count, start + chunk))
            ]
            conn.execute(insert(Candidate), rows)
    return time.perf_counter() - started


def lookups(store: Store, count: int, population: int, samples: int) -> dict[str, list[float]]:
    rng = random.Random(7)
    picks = [rng.randrange(max(population, 1)) for _ in range(samples)]
    out: dict[str, list[float]] = {"account": [], "national_id": []}
    with store.session() as session:
        for i in picks:
            started = time.perf_counter()
            get_candidate_by_account(session=session, account=f"USER{i:07d}")
            out["account"].append(time.perf_counter() - started)
            started = time.perf_counter()
            get_candidate_by_national_id(session=session, national_id=national_id_for(i))
            out["national_id"].append(time.perf_counter() - started)
            session.expunge_all()
    del count
    return out


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] * 1000 if len(values) > 1 else 0.0


def run(candidates: int = 50_000, samples: int = 3_000, url: str | None = None) -> list[str]:
    lines = [
        f"### Store lookups: {candidates:,} candidates vs empty ({samples:,} lookups each)",
        "",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        empty = Store(url or f"sqlite:///{Path(tmp) / 'empty.db'}")
        full = Store(f"sqlite:///{Path(tmp) / 'full.db'}") if url is None else empty
        if url is not None:
            raise SystemExit("only SQLite files are benchmarked here")
        empty.upgrade()
        full.upgrade()
        fill_seconds = fill(full, candidates)
        rate = candidates / fill_seconds
        lines.append(
            f"filled in {fill_seconds:.1f} s ({rate:,.0f} rows/s), SQLite file in WAL mode"
        )
        lines.append("")
        base = lookups(empty, 0, candidates, samples)
        big = lookups(full, candidates, candidates, samples)
        lines.append(
            "| lookup | empty p50 ms | empty p99 ms | full p50 ms | full p99 ms | p99 ratio"
            " | goal p99 ≤ 2 ms, ≤ 1.5× |"
        )
        lines.append("|---|---|---|---|---|---|---|")
        for kind in ("account", "national_id"):
            e50, e99 = pct(base[kind], 50), pct(base[kind], 99)
            f50, f99 = pct(big[kind], 50), pct(big[kind], 99)
            ratio = f99 / e99 if e99 else float("nan")
            met = "yes" if f99 <= 2.0 and ratio <= 1.5 else "NO"
            lines.append(
                f"| {kind} | {e50:.3f} | {e99:.3f} | {f50:.3f} | {f99:.3f} | {ratio:.2f}× | {met} |"
            )
        empty.dispose()
        full.dispose()
    return lines


if __name__ == "__main__":
    print("\n".join(run()))
