"""Help-desk look-ups and actions, one module each:

- :mod:`.search`: the one-box candidate search (``search``, ``classify``, ``audits_search``);
- :mod:`.candidate`: the view of one candidate (``candidate_detail``);
- :mod:`.audit_log`: the audit log, its filters and CSV export;
- :mod:`.actions`: resend, unlock, correct, mark incomplete, places;
- :mod:`.staff_accounts`: staff users, their sign-in and administration.

The names scripts and the console used from the old single module are re-exported here. Note that
``helpdesk.search`` and ``helpdesk.audit_log`` are those functions (as they always were), not the
modules of the same name: import from ``kiosk.core.helpdesk.search`` etc. to reach a module.
"""

from __future__ import annotations

from kiosk.core.helpdesk.audit_log import (
    AUDIT_LIMIT,
    CSV_COLUMNS,
    KIND_GROUPS,
    AuditFilter,
    AuditLog,
    ExportResult,
    audit_log,
    export_audit_csv,
    parse_day,
    write_audit_csv,
)
from kiosk.core.helpdesk.candidate import (
    RECENT_DELIVERIES,
    RECENT_EVENTS,
    CandidateDetail,
    DeliveryRow,
    RegistrationRow,
    TemporaryPassword,
    candidate_detail,
)
from kiosk.core.helpdesk.common import DENIED, EventRow
from kiosk.core.helpdesk.search import (
    HIT_COLUMNS,
    ID_SHAPE,
    SEARCH_LIMIT,
    CandidateRow,
    CodePointOrder,
    SearchKind,
    SearchResult,
    audits_search,
    classify,
    row_of,
    search,
    search_statement,
)

__all__ = [
    "AUDIT_LIMIT",
    "CSV_COLUMNS",
    "DENIED",
    "HIT_COLUMNS",
    "ID_SHAPE",
    "KIND_GROUPS",
    "RECENT_DELIVERIES",
    "RECENT_EVENTS",
    "SEARCH_LIMIT",
    "AuditFilter",
    "AuditLog",
    "CandidateDetail",
    "CandidateRow",
    "CodePointOrder",
    "DeliveryRow",
    "EventRow",
    "ExportResult",
    "RegistrationRow",
    "SearchKind",
    "SearchResult",
    "TemporaryPassword",
    "audit_log",
    "audits_search",
    "candidate_detail",
    "classify",
    "export_audit_csv",
    "parse_day",
    "row_of",
    "search",
    "search_statement",
    "write_audit_csv",
]
