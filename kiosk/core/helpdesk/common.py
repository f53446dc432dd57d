"""What the help desk's look-ups share: the audit row they show, and the refusal of a staff
account disabled since sign-in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from kiosk.core import audit
from kiosk.core.helpdesk.staff_accounts import StaffView
from kiosk.infra.config import Settings
from kiosk.infra.tables import AuditEvent, Candidate


@dataclass(frozen=True)
class EventRow:
    at: datetime
    kind: str
    outcome: str
    account: str
    staff: str
    terminal_id: str
    detail: str

    @classmethod
    def of(cls, event: AuditEvent) -> EventRow:
        return cls(
            at=event.at,
            kind=event.kind,
            outcome=event.outcome,
            account=event.account,
            staff=event.staff,
            terminal_id=event.terminal_id,
            detail=event.detail,
        )


DENIED = "staff.action.denied"


def _denied(
    session: Session,
    kind: str,
    staff: StaffView,
    settings: Settings,
    now: datetime,
    row: Candidate | None = None,
) -> None:
    """The audit event of a request from a staff account that is disabled now."""
    audit.Trail(session, settings, now, kind, staff=staff.account)(
        "denied",
        candidate=row,
        detail="staff account disabled",
    )
