"""The staff console in chromium (``serve --app staff``): the audit export and the import report
download to the browser's machine (``App.deliver_binary`` through textual-serve's
``/download/<key>``), and a unit's file comes from that machine through the upload page
(``App.open_url`` opens it; kiosk/cli/serve_uploads.py stores it for this connection)."""

from __future__ import annotations

import os
import subprocess
import unicodedata
from pathlib import Path
from typing import Any

from tests.browser.test_serve import (
    CLI,
    click_cell,
    open_page,
    pytestmark,  # noqa: F401  (skips without chromium, as the other browser tests)
    row_of,
    screen_text,
    serving,
    wait_text,
)
from tests.staff.conftest import DESK
from tests.staff.test_import import good_file


def cells(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def click_label(page: Any, label: str) -> None:
    """Click the middle of ``label`` where the terminal shows it (CJK counts two cells)."""
    for y, line in enumerate(screen_text(page).splitlines()):
        if label in line:
            x = cells(line[: line.index(label)]) + cells(label) // 2
            click_cell(page, x, y)
            return
    raise AssertionError(f"{label!r} not on screen:\n{screen_text(page)}")


def add_staff(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "IPAS_KIOSK_DATABASE_URL": f"sqlite:///{tmp_path / 'kiosk.db'}",
        "IPAS_KIOSK_CONFIG_FILE": str(tmp_path / "none.toml"),
        "IPAS_KIOSK_BCRYPT_ROUNDS": "4",
        "IPAS_KIOSK_LOG_DIR": str(tmp_path / "logs"),
    }
    subprocess.run(
        [str(CLI), "staff", "add", DESK[0], "--password-stdin"],
        env=env,
        input=DESK[1].encode(),
        check=True,
        capture_output=True,
        timeout=120,
    )


def test_downloads_and_an_upload_in_the_browser(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    add_staff(tmp_path)
    unit_file = good_file(tmp_path / "名單.csv", 3)
    blocked: list[str] = []
    with serving(tmp_path, "--app", "staff") as (url, _), sync_playwright() as playwright:
        browser, page = open_page(playwright, url, blocked)
        try:
            wait_text(page, "服務台人員登入")
            click_cell(page, 30, row_of(page, "* 人員帳號"))
            page.keyboard.type(DESK[0])
            wait_text(page, DESK[0])
            page.keyboard.press("Enter")  # on to the password
            page.keyboard.type(DESK[1])
            wait_text(page, "*" * len(DESK[1]))
            page.keyboard.press("Enter")
            wait_text(page, "查詢考生")

            # the audit log's CSV export reaches the browser as a download
            page.keyboard.press("F5")
            wait_text(page, "匯出CSV")
            # textual-serve opens /download/<key> in a new tab, which chromium closes as the
            # download starts; the download is the opener's
            with page.expect_download(timeout=60_000) as started:
                click_label(page, "匯出 CSV")
            download = started.value
            assert download.suggested_filename.startswith("audit-")
            assert download.suggested_filename.endswith(f"-{DESK[0]}.csv")
            exported = Path(download.path()).read_text(encoding="utf-8-sig")
            assert "staff_login" in exported and "+08:00" in exported

            # a unit's file from this machine, through the upload page
            page.keyboard.press("Escape")
            wait_text(page, "查詢考生")
            page.keyboard.press("F6")
            wait_text(page, "從這台電腦上傳檔案")
            with page.context.expect_page() as opened:
                click_label(page, "從這台電腦上傳檔案")
            upload = opened.value
            upload.wait_for_load_state()
            upload.set_input_files("input[type=file]", str(unit_file))
            upload.click("button[type=submit]")
            upload.wait_for_selector(".done")
            assert "名單.csv" in upload.inner_text(".done")
            wait_text(page, "已收到上傳的檔案")
            click_label(page, "學校、公司或訓練單位名稱")  # the unit box's placeholder
            page.keyboard.insert_text("國立臺灣科技大學")
            page.keyboard.press("Enter")
            wait_text(page, "可新增3筆")

            # the import's report reaches the browser too
            with page.expect_download(timeout=60_000) as started:
                click_label(page, " 匯入 ")
            report = started.value
            assert report.suggested_filename.startswith("import-")
            rows = Path(report.path()).read_text(encoding="utf-8-sig").splitlines()
            assert rows[0] == "列,身分證號,中文姓名,結果,帳號,說明"
            assert [row.split(",")[3] for row in rows[1:]] == ["已建立"] * 3
            wait_text(page, "匯入完成")
            assert blocked == []
        finally:
            browser.close()
