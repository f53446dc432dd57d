"""Is the database already at the newest schema and holding candidates? Answered cheaply, so a
start that has nothing to prepare (``ipas-kiosk run --prepare-demo``, what ``make run`` calls)
costs no more than ``ipas-kiosk run``.

Only a plain SQLite file is answered here, with the standard library's ``sqlite3`` (read-only,
no SQLAlchemy, no Alembic): ≈ 5 ms instead of ≈ 4 s for ``db upgrade`` + ``seed``. The newest
revision is read from the migration scripts' own ``revision = "..."`` lines. Anything else (a
PostgreSQL URL, a URL with options, an older or newer schema, no candidate yet) answers False and
the caller takes the full path (``Store.upgrade`` and the demo seed), which decides for itself.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

VERSIONS = Path(__file__).with_name("migrations") / "versions"
_LINE = re.compile(r'^(down_revision|revision)\s*=\s*(?:"([^"]*)"|None)\s*$', re.MULTILINE)


def head_revision(versions: Path = VERSIONS) -> str | None:
    """The revision no other script names as its ``down_revision`` (one head: a linear history);
    None when the scripts do not form exactly one head."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in versions.glob("*.py"):
        for name, value in _LINE.findall(script.read_text(encoding="utf-8")):
            if value:
                (revisions if name == "revision" else parents).add(value)
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def sqlite_path(url: str) -> Path | None:
    """The file of a plain ``sqlite:///path`` URL; None for anything else."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or "?" in url:
        return None
    path = url[len(prefix) :]
    if path in ("", ":memory:") or path.startswith("file:"):
        return None
    return Path(path).expanduser()


def demo_ready(url: str) -> bool:
    """True when ``url`` is a SQLite file at the newest revision with at least one candidate:
    ``db upgrade`` and ``seed --demo --if-empty`` would both do nothing."""
    path = sqlite_path(url)
    head = head_revision()
    if path is None or head is None or not path.is_file():
        return False
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=1)
    except sqlite3.Error:
        return False
    try:
        version = connection.execute("SELECT version_num FROM alembic_version").fetchall()
        if version != [(head,)]:
            return False
        return connection.execute("SELECT 1 FROM candidate LIMIT 1").fetchone() is not None
    except sqlite3.Error:  # no such table, locked, not a database
        return False
    finally:
        connection.close()
