"""``ipas-kiosk serve``: the kiosk or the staff console in a browser (textual-serve)."""

from __future__ import annotations

import typer


def serve() -> None:
    """Serve the kiosk or the staff console to a browser."""
    typer.echo("serve is not built yet", err=True)
    raise typer.Exit(2)
