"""Staff search as it is typed: every prefix, one key at a time, on N candidates vs an empty store.

Each search is what the console's worker does per keystroke: one session, ``helpdesk.search``
(classify, an index range with LIMIT 50, mask the hits). Goal (issue 6): p99 well under a
keystroke's budget on 1M candidates — ≤ 10 ms — and close to the empty store's.
"""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

from bench.bench_store import national_id_for, pct
from kiosk.core import helpdesk
from kiosk.infra.store import Store
from kiosk.infra.tables import Candidate, utcnow

SURNAMES = [
    ("王", "wang"),
    ("李", "li"),
    ("張", "jhang"),
    ("劉", "liou"),
    ("陳", "chen"),
    ("楊", "yang"),
    ("黃", "huang"),
    ("趙", "jhao"),
    ("吳", "wu"),
    ("周", "jhou"),
    ("林", "lin"),
    ("許", "syu"),
    ("鄭", "jheng"),
    ("謝", "sie"),
    ("郭", "guo"),
    ("洪", "hong"),
]
GIVEN = "小明美華志豪怡君家宏雅婷建國淑芬俊傑佳玲冠宇欣怡承恩宗翰"
KINDS = ("account", "chinese_name", "email", "mobile")


def person(i: int) -> dict[str, str]:
    rng = random.Random(i)
    surname, roman = SURNAMES[i % len(SURNAMES)]
    name = surname + rng.choice(GIVEN) + rng.choice(GIVEN)
    account = f"{roman}{i:07d}"
    return {
        "account": account,
        "chinese_name": name,
        "email": f"{account}@example.com",
        "mobile": f"09{rng.randrange(10**8):08d}",
    }


def fill(store: Store, count: int, chunk: int = 20_000) -> float:
    now = utcnow()
    started = time.perf_counter()
    with store.engine.begin() as conn:
        for start in range(0, count, chunk):
            rows = []
            for i in range(start, min(count, start + chunk)):
                p = person(i)
                rows.append(
                    {
                        **p,
                        "account_key": p["account"],
                        "national_id": national_id_for(i),
                        "nationality": "TW",
                        "english_surname": "",
                        "english_given_name": "",
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
                )
            conn.execute(insert(Candidate), rows)
    return time.perf_counter() - started


def typed(population: int, targets: int) -> dict[str, list[str]]:
    """What a help desk types, key by key, to find ``targets`` random candidates."""
    rng = random.Random(6)
    out: dict[str, list[str]] = {kind: [] for kind in KINDS}
    for _ in range(targets):
        p = person(rng.randrange(max(population, 1)))
        for kind in KINDS:
            value = p[kind]
            first = value.index("@") + 1 if kind == "email" else 1  # before @ it is an account
            out[kind] += [value[:n] for n in range(first, len(value) + 1)]
    return out


def measure(store: Store, queries: dict[str, list[str]]) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {kind: [] for kind in queries}
    for kind, texts in queries.items():
        for text in texts:
            started = time.perf_counter()
            with store.session() as session:
                helpdesk.search(session, query=text)
            out[kind].append(time.perf_counter() - started)
    return out


def run(candidates: int = 50_000, targets: int = 200) -> list[str]:
    queries = typed(candidates, targets)
    total = sum(len(v) for v in queries.values())
    lines = [
        f"### Staff search as typed: {candidates:,} candidates vs empty "
        f"({targets} people found key by key, {total:,} searches)",
        "",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        empty = Store(f"sqlite:///{Path(tmp) / 'empty.db'}")
        full = Store(f"sqlite:///{Path(tmp) / 'full.db'}")
        empty.upgrade()
        full.upgrade()
        seconds = fill(full, candidates)
        lines.append(
            f"filled in {seconds:.1f} s ({candidates / seconds:,.0f} rows/s, indexes kept live),"
            " SQLite file in WAL mode; one session per search, LIMIT 50, hits masked"
        )
        lines.append("")
        measure(full, {k: v[:50] for k, v in queries.items()})  # warm the page cache
        base = measure(empty, queries)
        big = measure(full, queries)
        lines.append(
            "| typed | searches | empty p50 ms | empty p99 ms | full p50 ms | full p99 ms"
            " | p99 ratio | goal p99 ≤ 10 ms |"
        )
        lines.append("|---|---|---|---|---|---|---|---|")
        every_base = [x for v in base.values() for x in v]
        every_big = [x for v in big.values() for x in v]
        for kind, b, f in [*((k, base[k], big[k]) for k in KINDS), ("all", every_base, every_big)]:
            e50, e99, f50, f99 = pct(b, 50), pct(b, 99), pct(f, 50), pct(f, 99)
            ratio = f99 / e99 if e99 else float("nan")
            met = "yes" if f99 <= 10.0 else "NO"
            lines.append(
                f"| {kind} | {len(f):,} | {e50:.3f} | {e99:.3f} | {f50:.3f} | {f99:.3f}"
                f" | {ratio:.2f}× | {met} |"
            )
        empty.dispose()
        full.dispose()
    return lines


if __name__ == "__main__":
    import sys

    size = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    print("\n".join(run(candidates=size)))
