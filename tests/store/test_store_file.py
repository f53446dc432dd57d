"""A SQLite file deleted, moved away or replaced under a running store (issue 10, item 2).

Before: the pooled connection kept the old inode open and every commit "succeeded" into a file no
one would ever read again. Now such a transaction fails, nothing is created in place of a vanished
file, and a file put back at the path is what new connections use.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import select

from kiosk.infra.store import Store
from kiosk.infra.tables import Candidate, utcnow


def _row(account: str, national_id: str) -> Candidate:
    now = utcnow()
    return Candidate(
        account=account,
        account_key=account.lower(),
        national_id=national_id,
        chinese_name="王小明",
        created_at=now,
        updated_at=now,
    )


def _accounts_on_disk(path: Path) -> set[str]:
    """What a fresh reader of the file finds (not the store's own, maybe stale, connections)."""
    connection = sqlite3.connect(path)
    try:
        return {account for (account,) in connection.execute("SELECT account FROM candidate")}
    finally:
        connection.close()


def _accounts(store: Store) -> set[str]:
    with store.session() as session:
        return set(session.exec(select(Candidate.account)))


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "kiosk.db"


@pytest.fixture
def store(path: Path) -> Iterator[Store]:
    store = Store(f"sqlite:///{path}")
    store.upgrade()
    with store.session() as session:
        session.add(_row("before2026", "A123456789"))
    yield store
    store.dispose()


def test_a_deleted_file_is_an_error_and_is_not_created_again(store: Store, path: Path) -> None:
    os.remove(path)
    with pytest.raises(SQLAlchemyError), store.session() as session:
        session.add(_row("after2026", "B123456780"))
    with pytest.raises(SQLAlchemyError):
        _accounts(store)
    assert not path.exists()


def test_a_commit_after_the_file_was_deleted_raises(store: Store, path: Path) -> None:
    with pytest.raises(SQLAlchemyError), store.session() as session:
        session.add(_row("after2026", "B123456780"))
        session.flush()  # the INSERT went into the open file ...
        os.remove(path)  # ... which is then deleted before the COMMIT
    assert not path.exists()


def test_a_commit_after_the_file_was_moved_away_saves_nothing(
    store: Store, path: Path, tmp_path: Path
) -> None:
    moved = tmp_path / "moved.db"
    with pytest.raises(SQLAlchemyError), store.session() as session:
        session.add(_row("lost2026", "B123456780"))
        session.flush()
        os.rename(path, moved)
    assert not path.exists()
    with pytest.raises(SQLAlchemyError):
        _accounts(store)
    os.rename(moved, path)  # the operator puts it back: what was saved is there, nothing else
    assert _accounts(store) == {"before2026"}
    assert _accounts_on_disk(path) == {"before2026"}


def test_a_file_replaced_at_the_path_fails_the_transaction_then_is_used(
    store: Store, path: Path, tmp_path: Path
) -> None:
    other = Store(f"sqlite:///{tmp_path / 'other.db'}")
    other.upgrade()
    with other.session() as session:
        session.add(_row("other2026", "C123456781"))
    other.dispose()
    with pytest.raises(SQLAlchemyError), store.session() as session:
        session.add(_row("lost2026", "B123456780"))
        session.flush()
        os.replace(tmp_path / "other.db", path)  # mv another file over it
    # new transactions use the file that is at the path now, and what they save is on disk there
    assert _accounts(store) == {"other2026"}
    with store.session() as session:
        session.add(_row("later2026", "D123456782"))
    assert _accounts_on_disk(path) == {"other2026", "later2026"}


def _backup(path: Path, to: Path) -> None:
    """A backup as an operator makes one (SQLite's online backup: one whole file)."""
    source, target = sqlite3.connect(path), sqlite3.connect(to)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


def test_a_backup_restored_at_the_path_is_used_as_it_is(
    store: Store, path: Path, tmp_path: Path
) -> None:
    _backup(path, tmp_path / "backup.db")
    with store.session() as session:  # after the backup: only in the deleted file (and its WAL)
        session.add(_row("gone2026", "E123456783"))
    os.remove(path)  # the "-wal" and "-shm" files stay, as after a plain rm kiosk.db
    with pytest.raises(SQLAlchemyError), store.session() as session:
        session.add(_row("lost2026", "B123456780"))
    assert not path.exists()
    shutil.copy(tmp_path / "backup.db", path)
    assert _accounts(store) == {"before2026"}  # the backup, not pages of the deleted file
    with store.session() as session:
        session.add(_row("after2026", "D123456782"))
    assert _accounts_on_disk(path) == {"before2026", "after2026"}
    store.dispose()
    assert _accounts_on_disk(path) == {"before2026", "after2026"}


def test_a_fresh_store_still_creates_its_file(tmp_path: Path) -> None:
    path = tmp_path / "new" / "kiosk.db"
    store = Store(f"sqlite:///{path}")
    store.upgrade()
    with store.session() as session:
        session.add(_row("first2026", "A123456789"))
    store.dispose()
    assert _accounts_on_disk(path) == {"first2026"}
