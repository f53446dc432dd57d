"""``ipas-kiosk serve``: the kiosk or the staff console in a browser (textual-serve).

textual-serve starts one app process per browser connection (``<python> -m kiosk run`` or
``<python> -m kiosk staff``) and relays its terminal to xterm.js in the page, so every visitor
gets their own session and nothing is shared but the database. It has no authentication of its
own: it binds 127.0.0.1 unless told otherwise (put a reverse proxy with TLS and access control in
front before binding anything else). The app processes inherit this environment, so
``IPAS_KIOSK_DATABASE_URL`` and the other settings apply to them.

textual-serve's page loads its font from Google Fonts; a kiosk page must not call a third party
(and an offline site cannot), so the page is served from a copy of textual-serve's own template
whose font link points at the Roboto Mono that textual-serve ships in its static files.
"""

from __future__ import annotations

import re
import shlex
import shutil
import sys
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer


class ServedApp(StrEnum):
    kiosk = "kiosk"
    staff = "staff"


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def app_command(app: ServedApp, *, kiosk_mode: bool = False) -> str:
    """The shell command textual-serve runs for each connection."""
    args = [sys.executable, "-m", "kiosk"]
    if app is ServedApp.staff:
        args.append("staff")
    else:
        args.append("run")
        if kiosk_mode:
            args.append("--kiosk")
    return shlex.join(args)


_FONT_LINK = re.compile(r"<link\s+rel=\"stylesheet\"\s+href=\"https://fonts\.googleapis\.com[^>]*>")
_LOCAL_FONT = """<style>
      @font-face {
        font-family: "Roboto Mono";
        src: url("{{ config.static.url }}fonts/RobotoMono-VariableFont_wght.ttf");
      }
    </style>"""


def local_templates(folder: Path) -> Path | None:
    """Write textual-serve's page template into ``folder`` without the Google Fonts link; None
    (use textual-serve's own) if its template no longer looks as expected."""
    import textual_serve

    source = Path(textual_serve.__file__).with_name("templates") / "app_index.html"
    try:
        page = source.read_text(encoding="utf-8")
    except OSError:
        return None
    page, found = _FONT_LINK.subn(_LOCAL_FONT, page)
    if found != 1 or "googleapis" in page:
        return None
    (folder / "app_index.html").write_text(page, encoding="utf-8")
    return folder


def public_url(host: str, port: int) -> str:
    """The address the page itself uses (its websocket, its static files): an IPv6 literal
    needs brackets (``http://[::1]:8000``), which textual-serve does not add."""
    where = f"[{host.strip('[]')}]" if ":" in host else host
    return f"http://{where}" if port == 80 else f"http://{where}:{port}"


def serve(
    app: Annotated[
        ServedApp, typer.Option("--app", help="Which app each connection gets.")
    ] = ServedApp.kiosk,
    host: Annotated[
        str, typer.Option("--host", help="Address to bind (no authentication: keep loopback).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="TCP port.")] = 8000,
    kiosk: Annotated[
        bool, typer.Option("--kiosk", help="Serve the kiosk locked down (as `run --kiosk`).")
    ] = False,
    command: Annotated[
        str | None,
        typer.Option(
            "--command",
            help="Run this shell command per connection instead (a custom entry point).",
        ),
    ] = None,
) -> None:
    """Serve the kiosk or the staff console to a browser, one app process per connection."""
    from textual_serve.server import Server

    if host not in LOOPBACK:
        typer.echo(
            f"warning: serving on {host} with no authentication; anyone who reaches it gets "
            f"the {app.value} app",
            err=True,
        )
    title = "iPAS 考生服務" if app is ServedApp.kiosk else "iPAS help desk"
    folder = Path(tempfile.mkdtemp(prefix="ipas-kiosk-serve-"))
    try:
        templates = local_templates(folder)
        extra = {"templates_path": templates} if templates else {}
        server = Server(
            command or app_command(app, kiosk_mode=kiosk),
            host=host.strip("[]"),
            port=port,
            title=title,
            public_url=public_url(host, port),
            **extra,
        )
        server.serve()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
