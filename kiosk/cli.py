"""The ``ipas-kiosk`` command: run | serve | staff | sessions | db upgrade | seed | outbox.

Imports are deferred into each command so ``ipas-kiosk run`` pays only for what the kiosk needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from kiosk.cli_serve import serve
from kiosk.cli_sessions import sessions_app
from kiosk.cli_staff import staff_app

if TYPE_CHECKING:
    from kiosk.config import Settings
    from kiosk.store import Store

app = typer.Typer(
    help="iPAS candidate kiosk (經濟部產業人才能力鑑定 考生服務).",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(help="Database commands.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(sessions_app, name="sessions")
app.add_typer(staff_app, name="staff")
app.command("serve")(serve)


def _settings() -> Settings:
    from kiosk.config import Settings

    return Settings()


def _store(settings: Settings) -> Store:
    from kiosk.store import Store

    return Store(settings.effective_database_url)


@app.command()
def run(
    kiosk: Annotated[
        bool,
        typer.Option("--kiosk", help="Lock down for a public terminal (operator PIN to quit)."),
    ] = False,
) -> None:
    """Start the kiosk on this terminal."""
    from kiosk.app import KioskApp

    # Settings (pydantic) and the store (SQLAlchemy) load after the first paint, in a thread.
    app = KioskApp(kiosk_mode=kiosk)
    app.run()
    if app.return_code:
        raise typer.Exit(app.return_code)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create the database or upgrade it to the newest schema."""
    from kiosk.migrate import current_revision

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
    from kiosk.demo import seed_demo

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
    from kiosk.delivery import list_outbox, read_outbox

    settings = _settings()
    items = list_outbox(settings)
    if latest and items:
        key = items[0].key
    if key is None:
        if not items:
            typer.echo(f"outbox is empty ({settings.outbox_dir})")
        for item in items:
            when = item.at.strftime("%Y-%m-%d %H:%M:%S")
            typer.echo(f"{item.key}  {when}  {item.channel:5}  {item.to}  {item.subject}")
        return
    found = read_outbox(settings, key)
    if found is None:
        typer.echo(f"no message {key!r} in the outbox", err=True)
        raise typer.Exit(1)
    typer.echo(
        f"channel: {found.channel}\nto: {found.to}\nsubject: {found.subject}\nat: {found.at}\n"
    )
    typer.echo(found.body)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
