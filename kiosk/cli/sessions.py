"""``ipas-kiosk sessions add | list | registrations | set-status``: staff maintain exam sessions and
move registrations along until the staff console has it.

Times are typed in Taiwan time (``YYYY-MM-DD HH:MM``) and stored in UTC. Exit codes: 0 done,
1 the database failed, 2 the options are not valid (nothing written).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from kiosk.core.exams import SessionView
    from kiosk.infra.config import Settings

sessions_app = typer.Typer(help="Exam sessions (考試場次).", no_args_is_help=True)

TIME_FORMAT = "%Y-%m-%d %H:%M"
OPTION_OF = {
    "subject": "--subject/--level",
    "venue": "--venue",
    "address": "--address",
    "bring": "--bring",
    "seats": "--seats",
    "ends_at": "--ends",
    "closes_at": "--closes",
    "session": "",
}


def _settings() -> Settings:
    from kiosk.infra.config import Settings

    return Settings()


def _when(value: str, option: str) -> datetime:
    try:
        return datetime.strptime(value.strip(), TIME_FORMAT)
    except ValueError:
        typer.echo(f"{option}: expected YYYY-MM-DD HH:MM (Taiwan time), got {value!r}", err=True)
        raise typer.Exit(2) from None


@sessions_app.command("add")
def add(
    subject: Annotated[str, typer.Option(help="Certification, as in assets/ipas-subjects.csv.")],
    starts: Annotated[str, typer.Option(help="Exam start, Taiwan time, YYYY-MM-DD HH:MM.")],
    ends: Annotated[str, typer.Option(help="Exam end, Taiwan time, YYYY-MM-DD HH:MM.")],
    venue: Annotated[str, typer.Option(help="Venue name (考場).")],
    seats: Annotated[int, typer.Option(help="Seats (名額), 1 to 10000.")],
    opens: Annotated[str, typer.Option(help="Registration opens, Taiwan time.")],
    closes: Annotated[str, typer.Option(help="Registration closes, Taiwan time.")],
    level: Annotated[str, typer.Option(help="初級 or 中級; empty when the list has none.")] = "",
    address: Annotated[str, typer.Option(help="Venue address.")] = "",
    bring: Annotated[str, typer.Option(help="What candidates must bring.")] = "",
) -> None:
    """Add an exam session (checked: known subject and level, times in order, seats)."""
    from kiosk.core import exams
    from kiosk.core.exams import sessions as exam_sessions
    from kiosk.infra.i18n import t
    from kiosk.infra.store import Store

    data = exam_sessions.NewSession(
        subject=subject.strip(),
        level=level.strip(),
        starts_at=_when(starts, "--starts"),
        ends_at=_when(ends, "--ends"),
        venue=venue,
        address=address,
        seats=seats,
        opens_at=_when(opens, "--opens"),
        closes_at=_when(closes, "--closes"),
        bring=bring,
    )
    errors = exam_sessions.check_new_session(data)
    if errors:
        for name, keys in errors.items():
            for key in keys:
                typer.echo(f"{OPTION_OF.get(name, name)}: {t(key, 'en')}", err=True)
        if "subject" in errors:
            known = ", ".join(
                f"{c.subject}/{c.level}" if c.level else c.subject for c in exams.subject_choices()
            )
            typer.echo(f"known subjects/levels: {known}", err=True)
        raise typer.Exit(2)
    settings = _settings()
    store = Store.from_settings(settings)
    try:
        with store.session() as session:
            result = exam_sessions.add_session(session, data=data, settings=settings, actor="cli")
    except Exception as error:  # locked, unreachable, not upgraded: a message, not a traceback
        typer.echo(f"sessions add failed: {type(error).__name__}: {error}", err=True)
        raise typer.Exit(1) from None
    finally:
        store.dispose()
    if not result.ok or result.session is None:
        for keys in result.errors.values():
            for key in keys:
                typer.echo(t(key, "en"), err=True)
        raise typer.Exit(2)
    typer.echo(f"session {result.session.id} added: {_line(result.session)}")


@sessions_app.command("list")
def list_sessions(
    subject: Annotated[str, typer.Option(help="Only this certification.")] = "",
) -> None:
    """List exam sessions, soonest first (Taiwan time)."""
    from kiosk.core.exams import sessions as exam_sessions
    from kiosk.infra.store import Store

    settings = _settings()
    store = Store.from_settings(settings)
    try:
        with store.session() as session:
            views = exam_sessions.all_sessions(session, subject=subject.strip())
    except Exception as error:
        typer.echo(f"sessions list failed: {type(error).__name__}: {error}", err=True)
        raise typer.Exit(1) from None
    finally:
        store.dispose()
    if not views:
        typer.echo("no exam sessions" + (f" for {subject}" if subject else ""))
        return
    for view in views:
        typer.echo(f"{view.id:>5}  {_line(view)}")


@sessions_app.command("registrations")
def registrations(
    session_id: Annotated[int, typer.Argument(help="The session's id (see `sessions list`).")],
) -> None:
    """List a session's registrations: id, account, status (for `sessions set-status`)."""
    from sqlmodel import col, select

    from kiosk.infra.store import Store
    from kiosk.infra.tables import Candidate, ExamRegistration, ExamSession

    settings = _settings()
    store = Store.from_settings(settings)
    try:
        with store.session() as session:
            found = session.get(ExamSession, session_id) is not None
            rows = session.exec(
                select(ExamRegistration.id, Candidate.account, ExamRegistration.status)
                .where(ExamRegistration.candidate_id == Candidate.id)
                .where(ExamRegistration.session_id == session_id)
                .order_by(col(ExamRegistration.id))
            ).all()
    except Exception as error:
        typer.echo(f"sessions registrations failed: {type(error).__name__}: {error}", err=True)
        raise typer.Exit(1) from None
    finally:
        store.dispose()
    if not found:
        typer.echo(f"no exam session {session_id} (see `ipas-kiosk sessions list`)", err=True)
        raise typer.Exit(2)
    if not rows:
        typer.echo(f"no registrations for session {session_id}")
        return
    typer.echo(f"{'id':>6}  {'account':<24}  status")
    for registration_id, account, status in rows:
        typer.echo(f"{registration_id:>6}  {account:<24}  {status}")


@sessions_app.command("set-status")
def set_status(
    registration_id: Annotated[
        int, typer.Argument(help="The registration's id (see `sessions registrations`).")
    ],
    status: Annotated[
        str,
        typer.Argument(help="registered, documents_pending, paid, confirmed or cancelled."),
    ],
    staff: Annotated[str, typer.Option(help="Your staff account, kept in the audit trail.")],
) -> None:
    """Move a registration to another status; cancelled gives its seat back (once)."""
    from kiosk.core import exams
    from kiosk.core.exams import sessions as exam_sessions
    from kiosk.infra.i18n import t
    from kiosk.infra.store import Store

    status = status.strip()
    if status not in exams.STATUSES:
        typer.echo(f"STATUS: expected one of {', '.join(exams.STATUSES)}, got {status!r}", err=True)
        raise typer.Exit(2)
    if not staff.strip():
        typer.echo("--staff: your staff account is required (it goes to the audit trail)", err=True)
        raise typer.Exit(2)
    settings = _settings()
    store = Store.from_settings(settings)
    try:
        with store.session() as session:
            result = exam_sessions.set_status(
                session,
                registration_id=registration_id,
                status=status,
                settings=settings,
                staff=staff.strip(),
            )
    except Exception as error:
        typer.echo(f"sessions set-status failed: {type(error).__name__}: {error}", err=True)
        raise typer.Exit(1) from None
    finally:
        store.dispose()
    if not result.ok:
        typer.echo(f"registration {registration_id}: {t(result.message_key, 'en')}", err=True)
        raise typer.Exit(2)
    seat = "; the seat was given back" if status == "cancelled" else ""
    typer.echo(f"registration {registration_id}: {result.old_status} -> {status}{seat}")


def _line(view: SessionView) -> str:
    title = f"{view.subject} {view.level}".strip()
    taken = view.seats - view.seats_left
    return (
        f"{title}  {view.starts_at:{TIME_FORMAT}}-{view.ends_at:%H:%M}  {view.venue}  "
        f"seats {taken}/{view.seats}  registration {view.opens_at:{TIME_FORMAT}} to "
        f"{view.closes_at:{TIME_FORMAT}}  [{view.state}]"
    )
