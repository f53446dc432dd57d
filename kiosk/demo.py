"""``ipas-kiosk seed --demo``: the demo candidates from ``assets/demo-candidates.toml``."""

from __future__ import annotations

from sqlmodel import Session

from kiosk import assets, audit, passwords
from kiosk.config import Settings
from kiosk.store import Candidate, get_candidate_by_account, utcnow


def seed_demo(session: Session, *, settings: Settings) -> list[str]:
    """Add the demo candidates that are missing; returns the accounts added (idempotent)."""
    added: list[str] = []
    now = utcnow()
    for entry in assets.demo_candidates():
        data = dict(entry)
        account = data.pop("account")
        if get_candidate_by_account(session=session, account=account) is not None:
            continue
        password = data.pop("password", None)
        row = Candidate(
            account=account,
            account_key=account.lower(),
            password_hash=(
                passwords.hash_password(password, settings.bcrypt_rounds) if password else None
            ),
            created_at=now,
            updated_at=now,
            **data,
        )
        session.add(row)
        session.flush()
        audit.record(
            session,
            kind="seed",
            outcome="ok",
            terminal_id=settings.terminal_id,
            at=now,
            account=account,
            candidate_id=row.id,
            detail=f"origin={row.origin}",
        )
        added.append(account)
    return added
