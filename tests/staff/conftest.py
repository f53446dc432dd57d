"""Fixtures for the help-desk tests: a seeded store with two staff users, a settable clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlmodel import select

from kiosk.core.demo import seed_demo
from kiosk.core.helpdesk.staff_accounts import StaffView, create_staff
from kiosk.infra.config import Settings
from kiosk.infra.store import Store
from kiosk.infra.tables import Candidate
from tests.conftest import make_settings

if TYPE_CHECKING:
    from kiosk.ui.staff.app import StaffApp

DESK = ("amy.desk", "Desk#Staff2026x")
ADMIN = ("bob.admin", "Admin#Staff2026y")


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 25, 9, 0, 0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def add_staff(store: Store, settings: Settings) -> tuple[StaffView, StaffView]:
    with store.session() as session:
        desk = create_staff(
            session, account=DESK[0], role="helpdesk", password=DESK[1], settings=settings
        )
        admin = create_staff(
            session, account=ADMIN[0], role="admin", password=ADMIN[1], settings=settings
        )
    assert desk.staff is not None and admin.staff is not None, (desk, admin)
    return desk.staff, admin.staff


@pytest.fixture
def desk_store(store: Store, settings: Settings) -> Store:
    """The demo candidates and the two staff users."""
    with store.session() as session:
        seed_demo(session, settings=settings)
    add_staff(store, settings)
    return store


def candidate_id(store: Store, account: str) -> int:
    with store.session() as session:
        row = session.exec(select(Candidate).where(Candidate.account_key == account)).one()
        assert row.id is not None
        return row.id


def build_staff_app(tmp_path: Path, *, now: datetime | None = None, **overrides: Any) -> StaffApp:
    """A console on a fresh SQLite file: demo candidates (and their exams, relative to ``now``)
    and the two staff users."""
    from kiosk.ui.staff.app import StaffApp

    settings = make_settings(tmp_path, **overrides)
    store = Store(f"sqlite:///{tmp_path / 'kiosk.db'}", busy_seconds=settings.store_busy_seconds)
    store.upgrade()
    with store.session() as session:
        seed_demo(session, settings=settings, now=now)
    add_staff(store, settings)
    return StaffApp(settings, store=store)


@pytest.fixture
def staff_app_factory(tmp_path: Path) -> Iterator[Callable[..., StaffApp]]:
    made: list[StaffApp] = []

    def make(**overrides: Any) -> StaffApp:
        app = build_staff_app(tmp_path, **overrides)
        made.append(app)
        return app

    yield make
    for app in made:
        app.store.dispose()
