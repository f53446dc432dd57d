"""The ``ipas-kiosk`` command: run | serve | staff | sessions | scores | documents | db upgrade |
seed | outbox.

Imports are deferred into each command so ``ipas-kiosk run`` pays only for what the kiosk needs.

``serve``: the kiosk or the staff console in a browser (textual-serve).

Every browser connection gets an app process of its own, whose terminal textual-serve relays to
xterm.js in the page, so every visitor gets their own session and nothing is shared but the
database. By default each is forked from a warmed parent that has imported and prepared what a
session needs once (``kiosk.cli.forkserver``: pages shared copy-on-write, a first screen in a
fraction of the time); ``--spawn`` starts a whole ``<python> -m kiosk run`` (or ``staff``) per
connection instead, as textual-serve does by itself, and so does ``--command``. It has no
authentication of its own: it binds 127.0.0.1, and refuses any address beyond loopback unless
given ``--i-know-there-is-no-auth`` (put a reverse proxy with TLS and access control in front
instead).
The app processes inherit this environment, so ``IPAS_KIOSK_DATABASE_URL`` and the other settings
apply to them, plus ``IPAS_KIOSK_SOURCE``: their browser's address (``kiosk.cli.serve``).

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
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kiosk.cli.scores import documents_app, scores_app
from kiosk.cli.sessions import sessions_app
from kiosk.cli.staff import staff_app
from kiosk.core import oplog
from kiosk.infra import config_files

if TYPE_CHECKING:
    from kiosk.cli.serve_uploads import Uploads
    from kiosk.infra.config import Settings
    from kiosk.infra.store import Store

app = typer.Typer(
    help="iPAS candidate kiosk (經濟部產業人才能力鑑定 考生服務).",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(help="Database commands.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(sessions_app, name="sessions")
app.add_typer(staff_app, name="staff")
app.add_typer(scores_app, name="scores")
app.add_typer(documents_app, name="documents")


@app.callback()
def _operator_log(ctx: typer.Context) -> None:
    """Every command writes the operator log (kiosk.core.oplog); only serve also to stderr: run and
    staff own the terminal, and a line there would draw over their screen."""
    command = ctx.invoked_subcommand or ""
    if oplog.configure(command, stderr=command == "serve") is None:
        # before any screen is drawn, so it stays readable in the terminal
        where = config_files.log_dir()
        typer.echo(f"warning: no operator log: cannot write into {where}", err=True)


def _settings() -> Settings:
    from kiosk.infra.config import Settings

    return Settings()


def _store(settings: Settings) -> Store:
    from kiosk.infra.store import Store

    return Store.from_settings(settings)


@app.command()
def run(
    kiosk: Annotated[
        bool,
        typer.Option("--kiosk", help="Lock down for a public terminal (operator PIN to quit)."),
    ] = False,
    prepare_demo: Annotated[
        bool,
        typer.Option(
            "--prepare-demo",
            help="First upgrade the database and add the demo data if it has no candidate "
            "(`make run`); a database already prepared is seen in milliseconds.",
        ),
    ] = False,
) -> None:
    """Start the kiosk on this terminal."""
    if prepare_demo:
        _prepare_demo()
    from kiosk.ui.kiosk.start import run_kiosk

    code = run_kiosk(kiosk_mode=kiosk)
    if code:
        raise typer.Exit(code)


def _prepare_demo() -> None:
    """``db upgrade`` + ``seed --demo --if-empty`` in this process, skipped when a plain SQLite
    database is already at the newest revision with candidates (``kiosk.infra.ready``: no
    SQLAlchemy, no Alembic, no settings loaded)."""
    from kiosk.infra import ready

    default = f"sqlite:///{config_files.data_dir() / 'kiosk.db'}"  # as Settings says it
    url = config_files.peek("database_url", "") or default
    if ready.demo_ready(url):
        return
    db_upgrade()
    seed(demo=True, if_empty=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create the database or upgrade it to the newest schema."""
    from kiosk.infra.migrate import current_revision

    settings = _settings()
    store = _store(settings)
    try:
        store.upgrade()
        typer.echo(
            f"database {store.engine.url.render_as_string()} at {current_revision(store.engine)}"
        )
    except Exception as error:  # a locked or unreachable database: a message, not a traceback
        typer.echo(f"db upgrade failed: {type(error).__name__}: {error}", err=True)
        raise typer.Exit(1) from None
    finally:
        store.dispose()


@app.command()
def seed(
    demo: Annotated[bool, typer.Option("--demo", help="Add the demo candidates.")] = False,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Only when the database has no candidate yet.")
    ] = False,
) -> None:
    """Load data into the database (upgrade it first)."""
    if not demo:
        typer.echo("nothing to seed: pass --demo", err=True)
        raise typer.Exit(2)
    from kiosk.core.demo import seed_demo

    settings = _settings()
    store = _store(settings)
    try:
        if if_empty and not store.is_empty():
            typer.echo("database already has candidates: demo seed skipped")
            return
        with store.session() as session:
            added = seed_demo(session, settings=settings)
        typer.echo(f"demo candidates added: {', '.join(added) if added else 'none (all present)'}")
    finally:
        store.dispose()


@app.command()
def outbox(
    key: Annotated[str | None, typer.Argument(help="Show this message in full.")] = None,
    latest: Annotated[
        bool, typer.Option("--latest", help="Show the newest message in full.")
    ] = False,
) -> None:
    """List what the demo sent (e-mail outbox and SMS spool), or show one message."""
    from kiosk.core.delivery import list_outbox, read_outbox
    from kiosk.core.taiwan_time import TAIWAN

    def taiwan(moment: datetime) -> str:  # what people read is Taiwan time, as on the screens
        return moment.astimezone(TAIWAN).strftime("%Y-%m-%d %H:%M:%S") + " (Taiwan)"

    settings = _settings()
    items = list_outbox(settings)
    if latest and items:
        key = items[0].key
    if key is None:
        if not items:
            typer.echo(f"outbox is empty ({settings.outbox_dir})")
        for item in items:
            when = taiwan(item.at)
            typer.echo(f"{item.key}  {when}  {item.channel:5}  {item.to}  {item.subject}")
        return
    found = read_outbox(settings, key)
    if found is None:
        typer.echo(f"no message {key!r} in the outbox", err=True)
        raise typer.Exit(1)
    typer.echo(
        f"channel: {found.channel}\nto: {found.to}\nsubject: {found.subject}\n"
        f"at: {taiwan(found.at)}\n"
    )
    typer.echo(found.body)


# ------------------------------------------------------------------ serve


class ServedApp(StrEnum):
    kiosk = "kiosk"
    staff = "staff"


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


NO_AUTH_FLAG = "--i-know-there-is-no-auth"


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
    no_auth: Annotated[
        bool,
        typer.Option(
            NO_AUTH_FLAG,
            help="Bind an address other than loopback although nothing asks who connects.",
        ),
    ] = False,
    trust_proxy_header: Annotated[
        bool,
        typer.Option(
            "--trust-proxy-header",
            help="A reverse proxy on this host sets X-Forwarded-For: take each browser's "
            "address from it (only for connections from loopback).",
        ),
    ] = False,
    spawn: Annotated[
        bool,
        typer.Option(
            "--spawn",
            help="Start a whole new Python process per connection instead of forking it from "
            "a warmed parent (slower first screen, more memory).",
        ),
    ] = False,
    entry: Annotated[
        Path | None,
        typer.Option(
            "--entry",
            exists=True,
            dir_okay=False,
            help="Fork each connection from a parent that loaded this Python file, and run "
            "its main() (a custom entry point; --command for any command).",
        ),
    ] = None,
) -> None:
    """Serve the kiosk or the staff console to a browser, one app process per connection."""
    from kiosk.cli.serve import SourceServer, TextualServeChanged, is_loopback

    if not is_loopback(host):
        if not no_auth:
            oplog.log.error("serve: refused %s: not loopback, and no %s", host, NO_AUTH_FLAG)
            typer.echo(
                f"serve: refusing to bind {host}: there is no authentication, so anyone who "
                f"reaches it gets the {app.value} app. Bind 127.0.0.1 behind a reverse proxy "
                f"with TLS and access control, or pass {NO_AUTH_FLAG} if you mean it.",
                err=True,
            )
            raise typer.Exit(2)
        oplog.log.warning("serve: binding %s with %s", host, NO_AUTH_FLAG)
        typer.echo(
            f"warning: serving on {host} with no authentication; anyone who reaches it gets "
            f"the {app.value} app",
            err=True,
        )
    if command and entry:
        typer.echo("serve: --command and --entry are two ways to say what runs: pick one", err=True)
        raise typer.Exit(2)
    forked = not (spawn or command)
    oplog.log.info(
        "serve: %s app on %s (trust X-Forwarded-For: %s; %s)",
        "custom" if command or entry else app.value,
        public_url(host, port),
        "yes" if trust_proxy_header else "no",
        "forked from a warmed parent" if forked else "a new process per connection",
    )
    title = "iPAS 考生服務" if app is ServedApp.kiosk else "iPAS help desk"
    folder = Path(tempfile.mkdtemp(prefix="ipas-kiosk-serve-"))
    try:
        templates = local_templates(folder)
        extra = {"templates_path": templates} if templates else {}
        forks = None
        if forked:
            from kiosk.cli.serve_fork import forks_for

            forks = forks_for(app.value, kiosk_mode=kiosk, entry=entry)
        elif entry:
            command = shlex.join([sys.executable, str(entry)])
        try:
            server = SourceServer(
                command or app_command(app, kiosk_mode=kiosk),
                trust_proxy_header=trust_proxy_header,
                uploads=staff_uploads(app, folder),
                forks=forks,
                host=host.strip("[]"),
                port=port,
                title=title,
                public_url=public_url(host, port),
                **extra,
            )
        except TextualServeChanged as error:
            oplog.log.error("serve: textual-serve changed: %s", error)
            typer.echo(f"serve: this textual-serve cannot be used: {error}", err=True)
            raise typer.Exit(1) from None
        server.serve()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def staff_uploads(app: ServedApp, folder: Path) -> Uploads | None:
    """The staff console's upload pages (``kiosk.cli.serve_uploads``); none for the kiosk."""
    if app is not ServedApp.staff:
        return None
    from kiosk.cli.serve_uploads import Uploads
    from kiosk.core.group_import.reader import MAX_FILE_BYTES

    return Uploads(folder / "uploads", MAX_FILE_BYTES)


app.command("serve")(serve)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
