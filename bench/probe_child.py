"""One terminal registering candidates (and booking each a seat) as fast as it can, until
``bench.probe`` kills it with SIGKILL. It prints ``saved <account>`` once a registration's
transaction has committed, and ``booked <account>`` once its seat has: whatever it printed must
be in the database afterwards.

Usage: ``python -m bench.probe_child URL FOLDER TAG SESSION_ID [SCHEMA]``
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

from kiosk.core import accounts, exams, national_id
from kiosk.core.accounts import Registration
from kiosk.infra.store import Store
from tests.conftest import make_settings


def citizen_id(n: int) -> str:
    body = f"A1{n % 10**7:07d}"
    return next(body + d for d in "0123456789" if national_id.is_valid(body + d))


def main(argv: list[str]) -> None:
    url, folder, tag, session_id = argv[0], Path(argv[1]), argv[2], int(argv[3])
    kwargs = {"connect_args": {"options": f"-csearch_path={argv[4]}"}} if len(argv) > 4 else {}
    store = Store(url, **kwargs)  # type: ignore[arg-type]
    settings = make_settings(folder, terminal_id=f"kill-{tag}")
    for n in itertools.count():
        account = f"k{tag}x{n}"
        data = Registration(
            account=account,
            national_id=citizen_id(int(tag, 16) * 100_000 + n),
            chinese_name="王小明",
            email=f"{account}@example.com",
            mobile="0912345678",
            gender="M",
            education="04",
            school="國立清華大學",
            department="資訊工程學系",
            password="Tq7#pLm2$Vx9",
            password_confirm="Tq7#pLm2$Vx9",
        )
        with store.session() as session:
            result = accounts.register(session, data=data, settings=settings)
        if not result.ok or result.candidate is None:
            continue
        print("saved", account, flush=True)
        with store.session() as session:
            booked = exams.register(
                session, candidate_id=result.candidate.id, session_id=session_id, settings=settings
            )
        if booked.outcome is exams.RegisterOutcome.REGISTERED:
            print("booked", account, flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
