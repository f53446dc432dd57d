"""``ipas-kiosk sessions add | list``: staff maintain exam sessions until the staff console has it."""

from __future__ import annotations

import typer

sessions_app = typer.Typer(help="Exam sessions (考試場次).", no_args_is_help=True)


@sessions_app.command("list")
def list_sessions() -> None:
    """List exam sessions."""
    typer.echo("no exam sessions yet")
