"""SVG snapshots of the console's queues (issue 14): re-check applications (F8) and submitted
documents (F4), zh-TW and English, at 100x32 and 80x24.

Deterministic like the other console snapshots (a fixed clock, fixed stored times); the queued
document is a row with a fixed hash and a documents folder that nothing writes to here. Update
after an intended change with ``--snapshot-update`` and look at the SVG text.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from kiosk.core import results
from kiosk.core.results import recheck
from kiosk.infra.tables import ExamRegistration, RegistrationDocument
from tests.snapshots.test_staff_snapshots import MOMENT, _signed_in, fixed_app, settle
from tests.staff.conftest import candidate_id

LANGUAGES = ("zh-TW", "en")
SIZES = ((100, 32), (80, 24))
Before = Callable[[Pilot[Any]], Awaitable[None]]
FIXED_SHA = "ab" * 32


@pytest.fixture(autouse=True)
def _still_cursor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)


def queued(app: Any) -> None:
    """A re-check application and a submitted document, both at MOMENT."""
    wang = candidate_id(app.store, "wang2026")
    with app.store.session() as session:
        found = results.list_results(
            session, candidate_id=wang, settings=app.settings, clock=lambda: MOMENT
        )
        failed = next(p.score_id for r in found for p in r.parts if not p.passed)
        assert recheck.apply(
            session, candidate_id=wang, score_ids=[failed], settings=app.settings,
            clock=lambda: MOMENT,
        ).ok  # fmt: skip
        registration = session.exec(
            select(ExamRegistration)
            .where(ExamRegistration.candidate_id == wang)
            .where(ExamRegistration.status == "documents_pending")
        ).one()
        document = session.exec(
            select(RegistrationDocument).where(
                RegistrationDocument.registration_id == registration.id
            )
        ).one()
        document.status, document.sha256, document.size = "submitted", FIXED_SHA, 9000
        document.media_type, document.submitted_at = "application/pdf", MOMENT
        session.add(document)


def queue_page(key: str) -> Before:
    async def run(pilot: Pilot[Any]) -> None:
        await _signed_in(pilot)
        await pilot.press(key)
        await pilot.pause()
        table = pilot.app.screen.query_one("#queue-table", DataTable)
        await pilot.pause()
        from tests.screens.conftest import wait_for

        await wait_for(pilot, lambda: table.row_count == 1)
        await settle(pilot)

    return run


SCREENS: dict[str, Before] = {"recheck_queue": queue_page("f8"), "document_queue": queue_page("f4")}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("screen", sorted(SCREENS))
def test_queue_screen(
    snap_compare: Any, tmp_path: Path, screen: str, language: str, size: tuple[int, int]
) -> None:
    app = fixed_app(tmp_path, language)
    app.settings.documents_dir = Path("/srv/ipas-kiosk/documents")  # shown, never written here
    queued(app)
    try:
        assert snap_compare(app, terminal_size=size, run_before=SCREENS[screen])
    finally:
        app.store.dispose()
