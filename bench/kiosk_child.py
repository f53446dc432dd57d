"""``ipas-kiosk run`` with a known captcha answer, for ``bench/bench_session.py``'s typed login.

The captcha cannot be read off a terminal by a script, and no variable or flag may set its answer
(README: only Python can inject it), so the benchmark runs the same body as ``ipas-kiosk run``
(``kiosk.ui.kiosk.start.run_kiosk``, after the operator log as the command sets it up) with the
answer given here as its argument.
"""

from __future__ import annotations

import sys

from kiosk.core import oplog
from kiosk.ui.kiosk.start import run_kiosk

if __name__ == "__main__":
    answer = sys.argv[1]
    oplog.configure("run")
    raise SystemExit(run_kiosk(captcha_source=lambda: answer))
