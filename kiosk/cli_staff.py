"""``ipas-kiosk staff [add]``: the help-desk console and staff accounts."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

staff_app = typer.Typer(help="Help-desk staff console and staff accounts.")


@staff_app.callback(invoke_without_command=True)
def staff(ctx: typer.Context) -> None:
    """Start the help-desk console."""
    if ctx.invoked_subcommand is not None:
        return
    from kiosk.config import Settings
    from kiosk.staff.app import StaffApp

    console = StaffApp(Settings())
    console.run()
    if console.return_code:
        raise typer.Exit(console.return_code)


@staff_app.command("add")
def add(
    account: Annotated[str, typer.Argument(help="The staff account (6-30 letters and digits).")],
    role: Annotated[str, typer.Option("--role", help="helpdesk or admin.")] = "helpdesk",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Add a staff user (the password is asked twice, hidden)."""
    from kiosk.config import Settings
    from kiosk.i18n import t
    from kiosk.staff_accounts import create_staff
    from kiosk.store import STAFF_ROLES, Store

    if role not in STAFF_ROLES:
        typer.echo(f"--role must be one of: {', '.join(STAFF_ROLES)}", err=True)
        raise typer.Exit(2)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    settings = Settings()
    language = settings.language
    store = Store.from_settings(settings)
    try:
        store.upgrade()
        with store.session() as session:
            result = create_staff(
                session, account=account, role=role, password=password, settings=settings
            )
    except Exception as error:  # a locked or unreachable database: a message, not a traceback
        typer.echo(f"staff add failed: {type(error).__name__}", err=True)
        raise typer.Exit(1) from None
    finally:
        store.dispose()
    if not result.ok:
        typer.echo(t(result.message_key, language), err=True)
        for name, keys in result.field_errors.items():
            for key in keys:
                typer.echo(f"  {name}: {t(key, language)}", err=True)
        raise typer.Exit(1)
    typer.echo(f"{t(result.message_key, language)}: {account} ({role})")
