"""``ipas-kiosk scores import | release`` and ``ipas-kiosk documents request``: staff feed the
candidate area's 成績查詢, 成績複查申請 and 線上繳件申請 (``kiosk.core.results``,
``kiosk.core.documents``). Re-check applications and submitted documents are decided in the
staff console's queues (F8, F4).

Every command names the acting staff account (``--staff``): it must be an active staff user, and
it goes into the audit trail. Exit codes: 0 done, 1 the database failed, 2 refused (nothing
written; the reason is printed).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from kiosk.core.helpdesk.staff_accounts import StaffView
    from kiosk.infra.config import Settings

scores_app = typer.Typer(help="Exam scores (成績): import and release.", no_args_is_help=True)
documents_app = typer.Typer(help="Documents (線上繳件): ask a registration for them.")


def _settings() -> Settings:
    from kiosk.infra.config import Settings

    return Settings()


def _staff(session: object, account: str) -> StaffView:
    from kiosk.core.helpdesk.staff_accounts import StaffView, get_staff

    row = get_staff(session=session, account=account)  # type: ignore[arg-type]
    if row is None or not row.active:
        typer.echo(f"--staff: no active staff account {account!r}", err=True)
        raise typer.Exit(2)
    return StaffView.of(row)


StaffOption = Annotated[str, typer.Option(help="Your staff account, kept in the audit trail.")]
SessionOption = Annotated[int, typer.Option("--session", help="The exam session's id.")]


@scores_app.command("import")
def import_scores(
    file: Annotated[Path, typer.Argument(help="CSV: national ID, part, score (one per row).")],
    session_id: SessionOption,
    staff: StaffOption,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check the file and count; write nothing.")
    ] = False,
) -> None:
    """Import a session's scores: every row checked, bad ones listed, good ones written once."""
    from kiosk.core.results import scores
    from kiosk.infra.i18n import t
    from kiosk.infra.store import Store

    settings = _settings()
    language = settings.language
    store = Store.from_settings(settings)
    try:
        with store.session() as session:
            result = scores.import_scores(
                session,
                path=file,
                session_id=session_id,
                staff=_staff(session, staff),
                settings=settings,
                dry_run=dry_run,
            )
    except typer.Exit:
        raise
    except Exception as error:  # locked, unreachable, not upgraded: a message, not a traceback
        typer.echo(f"scores import failed: {type(error).__name__}", err=True)
        raise typer.Exit(1) from None
    finally:
        store.dispose()
    if result.file_error:
        typer.echo(t(result.file_error, language, **result.file_error_values), err=True)
        raise typer.Exit(2)
    for row in result.rows:
        if row.status == "bad":
            why = "; ".join(t(key, language) for key in row.reasons)
            who = row.national_id_masked or "-"
            typer.echo(f"line {row.line}: {who} {row.part} {row.score}: {why}")
    done = "would create" if dry_run else "created"
    typer.echo(
        f"session {session_id}: {done} {result.created}, updated {result.updated}, "
        f"unchanged {result.unchanged}, bad rows {result.bad}"
    )


@scores_app.command("release")
def release(session_id: SessionOption, staff: StaffOption) -> None:
    """Release a session's scores: each result judged, certificates numbered, all shown at once."""
    from kiosk.core.results import scores
    from kiosk.infra.i18n import t
    from kiosk.infra.store import Store

    settings = _settings()
    store = Store.from_settings(settings)
    try:
        with store.session() as session:
            result = scores.release_scores(
                session, session_id=session_id, staff=_staff(session, staff), settings=settings
            )
    except typer.Exit:
        raise
    except Exception as error:
        typer.echo(f"scores release failed: {type(error).__name__}", err=True)
        raise typer.Exit(1) from None
    finally:
        store.dispose()
    message = t(result.message_key, settings.language)
    if not result.ok:
        typer.echo(message, err=True)
        for masked in result.incomplete:
            typer.echo(f"  {masked}", err=True)
        raise typer.Exit(2)
    typer.echo(
        f"{message} session {session_id}: {result.released} result(s), {result.passed} passed "
        f"(pass mark {settings.pass_mark})"
    )


@documents_app.command("request")
def request(
    registration_id: Annotated[
        int, typer.Argument(help="The registration's id (see `sessions registrations`).")
    ],
    kind: Annotated[
        list[str],
        typer.Option(
            "--kind", help="id_proof, education_proof, experience_proof or other (repeatable)."
        ),
    ],
    staff: StaffOption,
    reason: Annotated[str, typer.Option(help="Why (kept in the audit trail).")],
) -> None:
    """Ask a registration for documents; it becomes 待補件 (documents_pending)."""
    from kiosk.core import documents
    from kiosk.infra.i18n import t
    from kiosk.infra.store import Store

    settings = _settings()
    store = Store.from_settings(settings)
    try:
        with store.session() as session:
            result = documents.request(
                session,
                staff=_staff(session, staff),
                registration_id=registration_id,
                kinds=[k.strip() for k in kind],
                reason=reason,
                settings=settings,
            )
    except typer.Exit:
        raise
    except Exception as error:
        typer.echo(f"documents request failed: {type(error).__name__}", err=True)
        raise typer.Exit(1) from None
    finally:
        store.dispose()
    message = t(result.message_key, settings.language, **result.values)
    if not result.ok:
        typer.echo(message, err=True)
        raise typer.Exit(2)
    typer.echo(f"registration {registration_id}: {message}")
