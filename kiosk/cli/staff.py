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
    from kiosk.core import oplog
    from kiosk.infra.config import Settings
    from kiosk.ui.staff.app import StaffApp
    from kiosk.ui.textual_private import crash_of

    settings = Settings()
    oplog.started("staff", settings)
    console = StaffApp(settings)
    console.run()
    oplog.ended("staff", console.return_code, crash_of(console))
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
    from kiosk.core.helpdesk.staff_accounts import create_staff
    from kiosk.infra.config import Settings
    from kiosk.infra.i18n import t
    from kiosk.infra.store import STAFF_ROLES, Store

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


@staff_app.command("places")
def places() -> None:
    """List the terminals and browser sources with failed sign-ins (Taiwan time)."""
    from kiosk.core.accounts import login_budget
    from kiosk.core.taiwan_time import to_local
    from kiosk.infra.config import Settings
    from kiosk.infra.store import Store

    store = Store(Settings().effective_database_url)
    try:
        with store.session() as session:
            found = login_budget.list_places(session)
    except Exception as error:  # a locked or unreachable database: a message, not a traceback
        typer.echo(f"staff places failed: {type(error).__name__}", err=True)
        raise typer.Exit(1) from None
    finally:
        store.dispose()
    if not found:
        typer.echo("no failed sign-ins on record")
    for place in found:
        until = (
            to_local(place.locked_until).strftime("waits until %Y-%m-%d %H:%M (Taiwan)")
            if place.locked_until
            else ""
        )
        shown = "".join(ch for ch in place.key if ch.isprintable())
        typer.echo(f"{shown:<48}  failures {place.failures:>4}  {until}")


@staff_app.command("clear-place")
def clear_place(
    place: Annotated[str, typer.Argument(help="terminal:<id> or source:<address> (see `places`).")],
    staff: Annotated[str, typer.Option(help="Your staff account, kept in the audit trail.")],
    reason: Annotated[str, typer.Option(help="Why (kept in the audit trail).")],
) -> None:
    """Lift a terminal's (or browser source's) sign-in wait; exit 0 done, 1 database, 2 refused."""
    from kiosk.core.helpdesk import actions as helpdesk_actions
    from kiosk.core.helpdesk.staff_accounts import StaffView, get_staff
    from kiosk.infra.config import Settings
    from kiosk.infra.i18n import t
    from kiosk.infra.store import Store

    settings = Settings()
    store = Store(settings.effective_database_url)
    try:
        with store.session() as session:
            row = get_staff(session=session, account=staff)
            if row is None or not row.active:
                typer.echo(f"--staff: no active staff account {staff!r}", err=True)
                raise typer.Exit(2)
            result = helpdesk_actions.clear_place(
                session, staff=StaffView.of(row), key=place, reason=reason, settings=settings
            )
    except typer.Exit:
        raise
    except Exception as error:
        typer.echo(f"staff clear-place failed: {type(error).__name__}", err=True)
        raise typer.Exit(1) from None
    finally:
        store.dispose()
    text = t(result.message_key, settings.language, **result.values)
    if not result.ok:
        typer.echo(text, err=True)
        raise typer.Exit(2)
    typer.echo(text)
