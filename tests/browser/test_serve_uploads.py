"""The upload page ``serve --app staff`` adds (kiosk/cli/serve_uploads.py), through aiohttp's
test client, and its way into an app process's environment; the import screen finds the file."""

from __future__ import annotations

import asyncio
import importlib
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from kiosk.cli.serve_uploads import Uploads
from tests.screens.conftest import visible_text, wait_for
from tests.staff.test_import import good_file
from tests.staff.test_import_screen import host, screen

cli_serve = importlib.import_module("kiosk.cli.serve")  # kiosk.cli.serve is also a function


async def client(uploads: Uploads) -> TestClient[Any, Any]:
    app = web.Application()
    app.add_routes(uploads.routes())
    test = TestClient(TestServer(app))
    await test.start_server()
    return test


def form(content: bytes, filename: str) -> aiohttp.FormData:
    data = aiohttp.FormData()
    data.add_field("file", content, filename=filename, content_type="text/csv")
    return data


def test_a_connections_page_takes_a_file_into_its_own_folder(tmp_path: Path) -> None:
    async def scenario() -> None:
        uploads = Uploads(tmp_path / "uploads", max_bytes=1024)
        slot, other = uploads.open(), uploads.open()
        test = await client(uploads)
        try:
            page = await test.get(slot.url)
            body = await page.text()
            assert page.status == 200 and 'type="file"' in body
            assert "default-src 'none'" in page.headers["Content-Security-Policy"]
            assert "http" not in body.lower().replace("http-equiv", "")  # nothing from elsewhere
            done = await test.post(slot.url, data=form("身分證號,中文姓名\n".encode(), "名單.csv"))
            assert done.status == 200 and "名單.csv" in await done.text()
            assert [p.name for p in slot.folder.iterdir()] == ["upload-1.csv"]
            assert list(other.folder.iterdir()) == []  # another connection sees nothing
            refused = await test.post(slot.url, data=form(b"MZ", "run.exe"))
            assert refused.status == 415
            large = await test.post(slot.url, data=form(b"x" * 4096, "big.csv"))
            assert large.status == 413
            assert [p.name for p in slot.folder.iterdir()] == ["upload-1.csv"]
            assert (await test.get("/upload/guessed-token")).status == 404
            uploads.close(slot)
            assert not slot.folder.exists()
            assert (await test.get(slot.url)).status == 404  # gone with its connection
        finally:
            await test.close()

    asyncio.run(scenario())


def test_each_app_process_learns_its_own_page_and_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    uploads = Uploads(tmp_path / "uploads", max_bytes=1024)
    slot = uploads.open()
    monkeypatch.setenv(cli_serve.UPLOAD_DIR_VARIABLE, "/somewhere/else")  # serve's own: ignored
    service = object.__new__(cli_serve.SourceAppService)
    monkeypatch.setattr(
        cli_serve._app_service.AppService,
        "_build_environment",
        lambda self, width=80, height=24: {"COLUMNS": str(width)},
    )
    token = cli_serve._UPLOAD.set(slot)
    try:
        environment = service._build_environment(80, 24)
    finally:
        cli_serve._UPLOAD.reset(token)
    assert environment[cli_serve.UPLOAD_URL_VARIABLE] == slot.url
    assert environment[cli_serve.UPLOAD_DIR_VARIABLE] == str(slot.folder)
    bare = service._build_environment(80, 24)
    assert bare[cli_serve.UPLOAD_URL_VARIABLE] == "" and bare[cli_serve.UPLOAD_DIR_VARIABLE] == ""


async def test_the_import_screen_offers_the_page_and_takes_the_file(tmp_path: Path) -> None:
    app = host(tmp_path, "en")
    folder = tmp_path / "upload-slot"
    folder.mkdir()
    app.settings.upload_url = "/upload/token-for-this-connection"
    app.settings.upload_dir = folder
    opened: list[str] = []
    app.open_url = lambda url, new_tab=True: opened.append(url)  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, type(screen(pilot))))
        assert "Upload a file from this computer" in visible_text(app)
        await pilot.click("#upload")
        assert opened == ["/upload/token-for-this-connection"]
        good_file(folder / "upload-1.csv", 3)  # what the page stores for this connection
        box = pilot.app.screen.query_one("#path")
        await wait_for(pilot, lambda: box.value == str(folder / "upload-1.csv"))  # type: ignore[attr-defined]
        assert "The uploaded file is here (upload-1.csv)" in visible_text(app)
    app.store.dispose()


async def test_no_upload_button_in_a_terminal(tmp_path: Path) -> None:
    app = host(tmp_path, "en")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: bool(pilot.app.screen.query("#upload")))
        assert not pilot.app.screen.query_one("#upload").display
    app.store.dispose()
