"""``ipas-kiosk staff import FILE --unit UNIT --staff ACCOUNT [--dry-run] [--sheet] [--report]``:
exit 0 imported, 1 file or database error, 2 refused; the report lists every row, in the unit's
language."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlmodel import func, select
from typer.testing import CliRunner

from kiosk.cli import app
from kiosk.infra.store import Store
from kiosk.infra.tables import AuditEvent, Candidate
from tests.staff.conftest import DESK
from tests.staff.test_import import BAD_ROWS, good_file, write_csv
from tests.staff.test_import_files import workbook


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'kiosk.db'}"
    monkeypatch.setenv("IPAS_KIOSK_DATABASE_URL", url)
    monkeypatch.setenv("IPAS_KIOSK_CONFIG_FILE", str(tmp_path / "none.toml"))
    monkeypatch.setenv("IPAS_KIOSK_BCRYPT_ROUNDS", "4")
    monkeypatch.setenv("IPAS_KIOSK_LANGUAGE", "en")
    monkeypatch.setenv("IPAS_KIOSK_OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.setenv("IPAS_KIOSK_LOG_DIR", str(tmp_path / "logs"))
    done = CliRunner().invoke(
        app, ["staff", "add", DESK[0], "--password-stdin"], input=DESK[1], catch_exceptions=False
    )
    assert done.exit_code == 0, done.output
    return url


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["staff", "import", *args])
    return result.exit_code, result.output


def candidates(url: str) -> list[Candidate]:
    store = Store(url)
    try:
        with store.session() as session:
            return list(session.exec(select(Candidate)))
    finally:
        store.dispose()


def read(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


BY = ("--unit", "國立臺灣科技大學", "--staff", DESK[0])


def test_import_with_a_report_in_the_units_language(url: str, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "unit.csv", BAD_ROWS)
    report = tmp_path / "report.csv"
    code, out = run(str(path), *BY, "--report", str(report), "--language", "zh-TW")
    assert code == 0, out
    assert "unit.csv：新增 2 筆，已存在 0 筆，有誤 5 筆" in out
    rows = read(report)
    assert rows[0] == ["列", "身分證號", "中文姓名", "結果", "帳號", "說明"]
    by_line = {row[0]: row for row in rows[1:]}
    assert list(by_line) == ["2", "3", "4", "5", "6", "7", "8"]  # every row, in file order
    created = {row[4] for row in rows[1:] if row[3] == "已建立"}
    assert created == {c.account for c in candidates(url)} and len(created) == 2
    assert by_line["2"][3] == "已建立" and by_line["8"][3] == "已建立"
    assert by_line["3"][3] == "有誤，未匯入" and by_line["3"][5] == "身分證號：檢查碼錯誤"
    assert by_line["7"][5] == "身分證號：與第 2 列重複"
    assert all("****" in row[1] for row in rows[1:])  # never a whole ID number

    again = tmp_path / "again.csv"
    code, out = run(str(path), *BY, "--report", str(again))  # the console's language: en
    assert code == 0 and "0 created, 2 already present, 5 bad rows" in out
    assert {row[3] for row in read(again)[1:]} == {"already present", "bad, not imported"}
    assert read(again)[0][3] == "Result"


def test_dry_run_creates_nothing(url: str, tmp_path: Path) -> None:
    path = good_file(tmp_path / "unit.csv", 30)
    report = tmp_path / "dry.csv"
    code, out = run(str(path), *BY, "--dry-run", "--report", str(report))
    assert code == 0 and "dry run" in out and "30 to create" in out
    assert candidates(url) == []
    assert {row[3] for row in read(report)[1:]} == {"would be created (dry run)"}


def test_a_sheet_by_name_and_file_errors_exit_1(url: str, tmp_path: Path) -> None:
    book = workbook(tmp_path / "unit.xlsx")
    code, out = run(str(book), *BY, "--sheet", "名單")
    assert code == 0 and "3 created" in out
    code, out = run(str(book), *BY, "--sheet", "Sheet9")
    assert code == 1 and 'There is no sheet "Sheet9"' in out
    code, out = run(str(tmp_path / "nope.csv"), *BY)
    assert code == 1 and "File not found: nope.csv" in out


def test_refusals_exit_2(url: str, tmp_path: Path) -> None:
    path = good_file(tmp_path / "unit.csv", 2)
    code, out = run(str(path), "--unit", "U", "--staff", "nobody.here")
    assert code == 2
    taken = tmp_path / "taken.csv"
    taken.write_text("keep me")
    code, out = run(str(path), *BY, "--report", str(taken))
    assert code == 2 and "exists already" in out and taken.read_text() == "keep me"
    assert candidates(url) == []


def test_a_database_that_fails_exits_1(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = good_file(tmp_path / "unit.csv", 2)
    monkeypatch.setenv("IPAS_KIOSK_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    monkeypatch.setenv("IPAS_KIOSK_STORE_BUSY_SECONDS", "1")
    code, out = run(str(path), *BY)
    assert code == 1 and "staff import failed: OperationalError" in out


def test_the_import_is_audited_with_the_staff_account(url: str, tmp_path: Path) -> None:
    path = good_file(tmp_path / "unit.csv", 5)
    assert run(str(path), *BY)[0] == 0
    store = Store(url)
    with store.session() as session:
        (event,) = session.exec(select(AuditEvent).where(AuditEvent.kind == "group_import"))
        created = session.exec(select(func.count()).select_from(Candidate)).one()
    store.dispose()
    assert event.staff == DESK[0] and "created=5" in event.detail and created == 5
