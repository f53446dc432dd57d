"""``ipas-kiosk staff [add]``: the help-desk console and staff accounts."""

from __future__ import annotations

import typer

staff_app = typer.Typer(help="Help-desk staff console and staff accounts.")


@staff_app.callback(invoke_without_command=True)
def staff(ctx: typer.Context) -> None:
    """Start the help-desk console."""
    if ctx.invoked_subcommand is None:
        typer.echo("the staff console is not built yet", err=True)
        raise typer.Exit(2)

