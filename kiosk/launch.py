"""The ``ipas-kiosk`` console script: ``run`` straight to the kiosk, anything else to the typer
app (``kiosk.cli:main``, which stays the whole command line and keeps working on its own).

Building the typer app imports typer, click and every command's module (≈ 0.1–0.2 s here) before
the kiosk's first import; a kiosk terminal pays that at every start. Only the exact forms
``ipas-kiosk run`` and ``ipas-kiosk run --kiosk`` take the fast path, and it does what the typer
command does (the operator log, its warning on stderr, the exit code); anything else (``--help``,
a typo, another command) goes to typer, which answers it as before.
"""

from __future__ import annotations

import sys

FAST_RUN = (["run"], ["run", "--kiosk"])


def main() -> None:
    args = sys.argv[1:]
    if args not in FAST_RUN:
        from kiosk.cli import main as typer_main

        typer_main()
        return
    from kiosk.core import oplog

    if oplog.configure("run") is None:  # as kiosk.cli's callback: before any screen is drawn
        from kiosk.infra import config_files

        where = config_files.log_dir()
        print(f"warning: no operator log: cannot write into {where}", file=sys.stderr)
    from kiosk.ui.kiosk.start import run_kiosk

    code = run_kiosk(kiosk_mode=args == ["run", "--kiosk"])
    if code:
        raise SystemExit(code)


if __name__ == "__main__":
    main()
