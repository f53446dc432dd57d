"""The operator log: where it goes, what never reaches it, and how it rotates."""

from __future__ import annotations

import logging
import stat
import warnings
from pathlib import Path

import pytest

from kiosk.core import oplog
from kiosk.infra import config_files
from kiosk.infra.config import Settings

BCRYPT = "$2b$12$" + "N9qo8uLOickgx2ZMRZoMye" + "IjZAgcfl7p92ldGxad68LJZdL17lhWy"


def lines(folder: Path) -> list[str]:
    return (folder / oplog.LOG_FILE).read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize(
    ("raw", "kept", "gone"),
    [
        ("query for A123456789 done", "A12345****", "A123456789"),
        ("shape only: b812345678", "B81234****", "b812345678"),  # no checksum, still masked
        ("split \x1b[31mF2223\x1b[0m33444", "F22233****", "F222333444"),  # joined, then masked
        ("typed \x1b]0;pwned\x07 title", "typed  title", "pwned"),  # a window title, dropped
        ("clear \x1b[2J\x1bc\x9b1;1H\x00done", "clear done", "[2J"),
        ("bidi \u202eevil\u202c text", "bidi evil text", "\u202e"),
        (f"row ({BCRYPT}, 'x')", "<bcrypt hash>", BCRYPT),
        ("postgresql+psycopg://kiosk:s3cret@db/test", "kiosk:***@db", "s3cret"),
        ("Authorization: Bearer abc.def-123", "Bearer ***", "abc.def-123"),
    ],
)
def test_scrub_keeps_no_secret_and_no_control_character(raw: str, kept: str, gone: str) -> None:
    cleaned = oplog.scrub(raw)
    assert kept in cleaned
    assert gone not in cleaned


def test_a_message_is_one_line_and_a_traceback_keeps_its_lines() -> None:
    assert oplog.scrub("a\nforged line\r\tend", one_line=True) == "a forged line end"
    assert oplog.scrub("Traceback:\n  File x\nError") == "Traceback:\n  File x\nError"


def test_run_writes_the_file_and_nothing_to_the_terminal(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    path = oplog.configure("run", directory=tmp_path)
    assert path == tmp_path / oplog.LOG_FILE
    logging.getLogger("kiosk.core.accounts").info("login: wrong captcha on %s", "kiosk-01")
    logging.getLogger("sqlalchemy.pool").warning("connection invalidated")
    logging.getLogger("sqlalchemy.engine").info("a query")  # libraries: warnings only
    warnings.warn("a deprecated call", DeprecationWarning, stacklevel=1)
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")
    text = path.read_text(encoding="utf-8")
    assert "ipas-kiosk 0.1.0 run: pid" in text
    assert "kiosk.core.accounts: login: wrong captcha on kiosk-01" in text
    assert "sqlalchemy.pool: connection invalidated" in text
    assert "a query" not in text
    assert "py.warnings" in text and "DeprecationWarning: a deprecated call" in text
    assert "+0800 INFO" in text  # Taiwan time
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o700


def test_serve_also_writes_to_stderr_and_filters_it_too(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    oplog.configure("serve", stderr=True, directory=tmp_path)
    logging.getLogger("textual-serve").info("Application failed for \x1b[2J A123456789")
    _, err = capfd.readouterr()
    assert "textual-serve: Application failed for  A12345****" in err
    assert "A12345****" in lines(tmp_path)[-1]


def test_no_writable_folder_still_never_reaches_stderr(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert oplog.configure("run", directory=blocker / "logs") is None
    logging.getLogger("kiosk.core.delivery").warning("e-mail failed")  # no last-resort handler
    assert capfd.readouterr() == ("", "")


def test_a_traceback_is_logged_and_filtered(tmp_path: Path) -> None:
    oplog.configure("run", directory=tmp_path)
    try:
        raise RuntimeError("insert failed: A123456789, postgresql://u:pw@h/db, " + BCRYPT)
    except RuntimeError as error:
        oplog.worker_failed("login", error)
    text = (tmp_path / oplog.LOG_FILE).read_text(encoding="utf-8")
    assert "ERROR" in text and "kiosk.ui: worker login failed: RuntimeError" in text
    assert "Traceback (most recent call last):" in text and "test_oplog.py" in text
    assert "A12345****" in text and "u:***@h" in text and "<bcrypt hash>" in text
    for secret in ("A123456789", ":pw@", BCRYPT):
        assert secret not in text


def test_the_start_line_names_the_backend_never_the_url(tmp_path: Path) -> None:
    oplog.configure("staff", directory=tmp_path)
    settings = Settings(
        terminal_id="desk-02", database_url="postgresql+psycopg://kiosk:s3cret@db.example/ipas"
    )
    oplog.started("staff", settings)
    oplog.ended("staff", 0)
    text = (tmp_path / oplog.LOG_FILE).read_text(encoding="utf-8")
    assert "staff started: terminal desk-02, database postgresql" in text
    assert "staff ended (exit code 0)" in text
    assert "s3cret" not in text and "db.example" not in text


def test_the_folder_follows_the_settings_precedence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    toml = tmp_path / "config.toml"
    toml.write_text(f'log_dir = "{tmp_path / "from-file"}"\n', encoding="utf-8")
    monkeypatch.setenv("IPAS_KIOSK_CONFIG_FILE", str(toml))
    monkeypatch.delenv("IPAS_KIOSK_LOG_DIR")
    config_files._toml.cache_clear()
    assert config_files.log_dir() == Settings().log_dir == tmp_path / "from-file"
    monkeypatch.setenv("IPAS_KIOSK_LOG_DIR", str(tmp_path / "from-env"))
    assert config_files.log_dir() == Settings().log_dir == tmp_path / "from-env"
    monkeypatch.setenv("IPAS_KIOSK_LOG_DIR", "")
    default = config_files.data_dir() / "logs"
    assert config_files.log_dir() == Settings().log_dir == default
    config_files._toml.cache_clear()


def test_the_file_rotates_and_keeps_five(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(oplog, "MAX_BYTES", 2000)
    oplog.configure("run", directory=tmp_path)
    log = logging.getLogger("kiosk.test")
    for number in range(400):  # ≈ 60 bytes a line: about a dozen files' worth
        log.info("line %04d", number)
    names = sorted(p.name for p in tmp_path.glob(f"{oplog.LOG_FILE}*") if "lock" not in p.name)
    assert names == [oplog.LOG_FILE, *(f"{oplog.LOG_FILE}.{n}" for n in range(1, 6))]
    for name in names:
        assert (tmp_path / name).stat().st_size <= 2000
    assert lines(tmp_path)[-1].endswith("line 0399")
    assert (tmp_path / f"{oplog.LOG_FILE}.5").read_text(encoding="utf-8").count("line") >= 20


def test_processes_sharing_the_file_rotate_it_once_each_time(tmp_path: Path) -> None:
    """Two handlers on one file, as two processes have, writing turn about. The standard
    library's handler leaves short files behind (one keeps writing into the file the other
    rotated away, then rotates that again)."""
    path = tmp_path / "shared.log"
    first, second = (
        oplog.SharedRotatingFileHandler(path, max_bytes=1000, backup_count=50) for _ in range(2)
    )
    try:
        for number in range(200):
            handler = (first, second)[number % 2]
            handler.handle(logging.makeLogRecord({"msg": f"entry {number:04d} " + "x" * 30}))
    finally:
        first.close()
        second.close()
    files = sorted(f for f in tmp_path.glob("shared.log*") if not f.name.endswith(".lock"))
    entries = [line for f in files for line in f.read_text(encoding="utf-8").splitlines()]
    assert sorted(entries) == [f"entry {n:04d} " + "x" * 30 for n in range(200)]
    # 200 entries of 41 bytes in files of < 1000 bytes: 9 files, each full but the newest
    backups = [f for f in files if f.name != "shared.log"]
    assert len(backups) == 8
    assert all(f.stat().st_size > 1000 - 41 for f in backups)
