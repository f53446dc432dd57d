"""``make bench``: every benchmark in one run, printed as markdown for bench/README.md.

Quick sizes by default; ``make bench BENCH_ARGS="--candidates 1000000"`` for the full store size;
``--serve-sessions 0`` leaves out the minutes of 50 browser sessions on ``serve``.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument(
        "--candidates", type=int, default=50_000, help="store size (1000000 = full)"
    )
    parser.add_argument("--samples", type=int, default=3_000, help="lookups per kind")
    parser.add_argument("--full", action="store_true", help="more repetitions for crypto timings")
    parser.add_argument(
        "--import-rows", type=int, default=100_000, help="rows of the group file imported"
    )
    parser.add_argument(
        "--pairs", type=int, default=7, help="bare/kiosk process pairs for the session rows"
    )
    parser.add_argument(
        "--serve-sessions",
        type=int,
        default=50,
        help="browser sessions on one `serve`, forked and spawned (0 = skip; minutes at 50)",
    )
    args = parser.parse_args(argv)

    from bench import (
        bench_crypto,
        bench_import,
        bench_search,
        bench_serve,
        bench_session,
        bench_store,
        bench_ui,
    )

    print(
        f"# ipas-kiosk benchmarks — {time.strftime('%Y-%m-%d %H:%M')} — "
        f"Python {platform.python_version()}, {platform.machine()}"
    )
    print()
    for lines in (
        bench_store.run(candidates=args.candidates, samples=args.samples),
        bench_search.run(candidates=args.candidates),
        bench_crypto.run(quick=not args.full),
        bench_session.run(pairs=args.pairs),
        bench_ui.run(),
        bench_import.run(rows=args.import_rows),
        bench_serve.run(sessions=args.serve_sessions) if args.serve_sessions else [],
    ):
        print("\n".join(lines))
        print()
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
