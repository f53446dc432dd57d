"""A unit's file from the staff member's own machine, for the console served in a browser.

textual-serve carries a terminal, downloads (``App.deliver_binary`` → ``/download/<key>``) and
``App.open_url``, but nothing the other way: a page drawn on a canvas has no file picker, and a
path typed into the console names a file on the *server*. So ``serve --app staff`` adds one page
of its own: each browser connection gets a random token and a private folder; its app process
learns both (``IPAS_KIOSK_UPLOAD_URL``, ``IPAS_KIOSK_UPLOAD_DIR``: ``Settings.upload_url`` and
``upload_dir``). The console's 上傳 button opens ``/upload/<token>`` in a new tab
(``App.open_url``); the page there is a plain HTML form (no script, nothing from elsewhere); the
file it posts is streamed into the connection's folder (CSV, TXT or XLSX, at most the import's
file size), where the console finds it and fills in its path. The folder goes when the
connection ends. The token is the only key (serve has no authentication: see the README), so it
is 32 random bytes and lives only as long as the connection.
"""

from __future__ import annotations

import html
import secrets
import shutil
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Slot:
    """One connection's upload page and folder."""

    token: str
    folder: Path

    @property
    def url(self) -> str:
        return f"/upload/{self.token}"


PAGE = """<!doctype html>
<html lang="zh-Hant"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>上傳團報檔案 Upload a group file</title>
<style>body {{ font-family: sans-serif; max-width: 40rem; margin: 2rem auto; line-height: 1.6; }}
.note {{ color: #555; }} .done {{ color: #11691a; font-weight: bold; }}
.error {{ color: #b00020; font-weight: bold; }}</style></head>
<body><h1>上傳團報檔案 <small>Upload a group file</small></h1>
{message}
<form method="post" enctype="multipart/form-data">
<p><label>檔案 File（CSV、XLSX）:
<input type="file" name="file" accept="{accept}" required></label></p>
<p><button type="submit">上傳 Upload</button></p></form>
<p class="note">檔案只會交給開啟這一頁的服務台視窗，連線結束時刪除。<br>
The file goes only to the help-desk console that opened this page, and is deleted when it closes.
</p></body></html>
"""


class Uploads:
    """The upload slots of a running ``serve`` (one per browser connection)."""

    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self._slots: dict[str, Slot] = {}

    def open(self) -> Slot:
        token = secrets.token_urlsafe(32)
        folder = self.root / token
        folder.mkdir(parents=True, mode=0o700)
        slot = Slot(token, folder)
        self._slots[token] = slot
        return slot

    def close(self, slot: Slot) -> None:
        self._slots.pop(slot.token, None)
        shutil.rmtree(slot.folder, ignore_errors=True)

    def routes(self) -> list[Any]:
        from aiohttp import web

        return [
            web.get("/upload/{token}", self.handle_page),
            web.post("/upload/{token}", self.handle_post),
        ]

    def _slot(self, request: Any) -> Slot:
        from aiohttp import web

        slot = self._slots.get(request.match_info["token"])
        if slot is None:
            raise web.HTTPNotFound(text="no such upload page (the console was closed?)")
        return slot

    @staticmethod
    def _page(message: str = "", status: int = 200) -> Any:
        from aiohttp import web

        body = PAGE.format(message=message, accept=",".join(SUFFIXES))
        return web.Response(
            text=body,
            status=status,
            content_type="text/html",
            charset="utf-8",
            headers={
                "Cache-Control": "no-store",
                "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                "form-action 'self'",
                "Referrer-Policy": "no-referrer",  # the token is in the URL
            },
        )

    async def handle_page(self, request: Any) -> Any:
        self._slot(request)
        return self._page()

    async def handle_post(self, request: Any) -> Any:
        """Stream the posted file into the slot's folder, refusing what the import cannot read
        and anything larger than the import accepts."""
        slot = self._slot(request)
        reader = await request.multipart()
        part = await reader.next()
        while part is not None and getattr(part, "name", None) != "file":
            part = await reader.next()
        if part is None or not getattr(part, "filename", None):
            return self._page('<p class="error">沒有收到檔案 No file was sent</p>', 400)
        # a browser sends the name as it is; some clients percent-encode it (RFC 5987)
        filename = Path(urllib.parse.unquote(part.filename)).name
        suffix = Path(filename).suffix.lower()
        if suffix not in SUFFIXES:
            return self._page(
                '<p class="error">只接受 CSV、TXT 或 XLSX 檔 Only CSV, TXT or XLSX files</p>', 415
            )
        number = len(list(slot.folder.iterdir())) + 1
        target = slot.folder / f"upload-{number}{suffix}"
        written = 0
        with target.open("xb") as handle:
            while chunk := await part.read_chunk(CHUNK):
                written += len(chunk)
                if written > self.max_bytes:
                    handle.close()
                    target.unlink(missing_ok=True)
                    limit = self.max_bytes // 2**20
                    return self._page(
                        f'<p class="error">檔案過大（最多 {limit} MB） File too large '
                        f"(at most {limit} MB)</p>",
                        413,
                    )
                handle.write(chunk)
        name = html.escape(filename)
        return self._page(
            f'<p class="done">已收到 {name}，請回到服務台視窗檢查檔案。<br>'
            f"{name} arrived: go back to the console and check it.</p>"
        )
