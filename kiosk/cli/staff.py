"""``ipas-kiosk staff …``: the help-desk console, staff accounts and their administration.

Administration commands (``disable``, ``enable``, ``unlock``, ``reset-password``, ``set-role``)
name the admin who acts with ``--staff`` and say why with ``--reason``; both go into the audit
trail. Whoever has this host's shell may run them (the shell is the authentication, as for
``staff add``); ``--staff`` must name an active admin. Exit codes: 0 done, 1 the database
failed, 2 refused (no such admin, a rule, the last admin).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

staff_app = typer.Typer(help="Help-desk staff console and staff accounts.")


@staff_app.callback(invoke_without_command=True)
def staff(ctx: typer.Context) -> None:
    """Start the help-desk console."""
    if ctx.invoked_subcommand is not None:
        return
    from kiosk.ui.interpreter import quiet_interpreter

    with quiet_interpreter():  # before Textual is imported; the console's warm-up settles it
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
    from kiosk.infra.store import Store
    from kiosk.infra.tables import STAFF_ROLES

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


def _admin_command(name: str, account: str, staff: str, reason: str, **values: object) -> None:
    """Run one administration change (``kiosk.core.helpdesk.staff_admin``) and answer it."""
    from kiosk.core.helpdesk import staff_admin
    from kiosk.core.helpdesk.staff_accounts import StaffView, get_staff
    from kiosk.infra.config import Settings
    from kiosk.infra.i18n import t
    from kiosk.infra.store import Store

    settings = Settings()
    language = settings.language
    store = Store.from_settings(settings)
    try:
        with store.session() as session:
            row = get_staff(session=session, account=staff)
            if row is None:  # nobody to name in the audit trail
                typer.echo(t("staff.admin.denied", language) + f": --staff {staff}", err=True)
                raise typer.Exit(2)
            # a staff account that is no (active) admin is refused by the change itself, which
            # audits the attempt
            result = staff_admin.CHANGES[name](
                session,
                actor=StaffView.of(row),
                account=account,
                reason=reason,
                settings=settings,
                **values,
            )
    except typer.Exit:
        raise
    except Exception as error:  # a locked or unreachable database: a message, not a traceback
        typer.echo(f"staff {name} failed: {type(error).__name__}", err=True)
        raise typer.Exit(1) from None
    finally:
        store.dispose()
    text = t(result.message_key, language, **result.values)
    if not result.ok:
        typer.echo(text, err=True)
        for field, keys in result.field_errors.items():
            for key in keys:
                typer.echo(f"  {field}: {t(key, language)}", err=True)
        raise typer.Exit(2)
    typer.echo(text)


StaffOption = Annotated[
    str, typer.Option("--staff", help="Your admin account, kept in the audit trail.")
]
ReasonOption = Annotated[str, typer.Option("--reason", help="Why (kept in the audit trail).")]
AccountArgument = Annotated[str, typer.Argument(help="The staff account to change.")]


@staff_app.command("list")
def list_accounts() -> None:
    """List the staff accounts: role, state, failures, lock and last sign-in (Taiwan time)."""
    from kiosk.core.clock import now
    from kiosk.core.helpdesk import staff_admin
    from kiosk.core.taiwan_time import shown
    from kiosk.infra.config import Settings
    from kiosk.infra.i18n import t
    from kiosk.infra.store import Store

    settings = Settings()
    language = settings.language
    store = Store.from_settings(settings)
    try:
        with store.session() as session:
            rows = staff_admin.all_staff(session)
    except Exception as error:
        typer.echo(f"staff list failed: {type(error).__name__}", err=True)
        raise typer.Exit(1) from None
    finally:
        store.dispose()
    moment = now()
    columns = ("account", "role", "state", "failures", "locked_until", "last_login")
    table = [[t(f"staff.admin.column.{name}", language) for name in columns]]
    for row in rows:
        table.append(
            [
                row.account,
                t(f"staff.role.{row.role}", language),
                t("staff.admin.active" if row.active else "staff.admin.inactive", language),
                str(row.failed_logins),
                shown(row.locked_until) if row.locked(moment) else "",
                shown(row.last_login_at),
            ]
        )
    typer.echo(_aligned(table))
    typer.echo(t("staff.admin.count", language, count=str(len(rows))))


def _aligned(table: list[list[str]]) -> str:
    """Columns padded to their widest cell, CJK counted as two cells (a terminal shows them so)."""
    import unicodedata

    def width(text: str) -> int:
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)

    widths = [max(width(row[n]) for row in table) for n in range(len(table[0]))]
    lines = []
    for row in table:
        cells = [cell + " " * (size - width(cell)) for cell, size in zip(row, widths, strict=True)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


@staff_app.command("disable")
def disable(account: AccountArgument, staff: StaffOption, reason: ReasonOption) -> None:
    """Disable a staff account (never the last active admin); exit 0 done, 1 database, 2 refused."""
    _admin_command("disable", account, staff, reason)


@staff_app.command("enable")
def enable(account: AccountArgument, staff: StaffOption, reason: ReasonOption) -> None:
    """Enable a disabled staff account; exit 0 done, 1 database, 2 refused."""
    _admin_command("enable", account, staff, reason)


@staff_app.command("unlock")
def unlock(account: AccountArgument, staff: StaffOption, reason: ReasonOption) -> None:
    """Lift the lock after repeated failed sign-ins; exit 0 done, 1 database, 2 refused."""
    _admin_command("unlock", account, staff, reason)


@staff_app.command("reset-password")
def reset_password(
    account: AccountArgument,
    staff: StaffOption,
    reason: ReasonOption,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the new password from standard input.")
    ] = False,
) -> None:
    """Set a new password you choose (asked twice, hidden; the password rules apply) and lift a
    lock; tell it to the staff member in person. Exit 0 done, 1 database, 2 refused."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    _admin_command("reset-password", account, staff, reason, password=password)


@staff_app.command("set-role")
def set_role(
    account: AccountArgument,
    role: Annotated[str, typer.Argument(help="helpdesk or admin.")],
    staff: StaffOption,
    reason: ReasonOption,
) -> None:
    """Make a staff account helpdesk or admin (never demote the last active admin); exit 0 done,
    1 database, 2 refused."""
    _admin_command("set-role", account, staff, reason, role=role)


@staff_app.command("import")
def import_group(
    file: Annotated[Path, typer.Argument(help="The unit's CSV or XLSX file.")],
    unit: Annotated[str, typer.Option("--unit", help="The unit (school, company) it is from.")],
    staff: Annotated[str, typer.Option("--staff", help="Your staff account (audit trail).")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check and count only; create nothing.")
    ] = False,
    sheet: Annotated[
        str | None,
        typer.Option("--sheet", help="The XLSX sheet (default: the one with the header)."),
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option("--report", help="Write what became of every row to this new CSV file."),
    ] = None,
    language: Annotated[
        str | None,
        typer.Option("--language", help="The report's language: zh-TW or en (default: settings)."),
    ] = None,
) -> None:
    """Import a unit's group registration file (團體報名), streamed batch by batch.

    Exit 0 imported (bad rows are skipped and listed in the report); 1 the file or the
    database failed; 2 refused (no active staff account, a report file that exists already).
    """
    from kiosk.core import group_import
    from kiosk.core.helpdesk.staff_accounts import StaffView, get_staff
    from kiosk.infra.config import Settings
    from kiosk.infra.i18n import LANGUAGES, t
    from kiosk.infra.store import Store

    settings = Settings()
    language = language or settings.language
    if language not in LANGUAGES:
        typer.echo(f"--language must be one of: {', '.join(LANGUAGES)}", err=True)
        raise typer.Exit(2)
    handle = None
    if report is not None:
        try:
            # a new file only: a unit's earlier report is never overwritten
            handle = report.open("x", encoding="utf-8-sig", newline="")
        except FileExistsError:
            typer.echo(f"--report: {report} exists already", err=True)
            raise typer.Exit(2) from None
        except OSError as error:
            typer.echo(f"--report: {report}: {type(error).__name__}", err=True)
            raise typer.Exit(2) from None
    on_row = group_import.ImportReport(handle, language) if handle is not None else None
    interactive = sys.stderr.isatty()

    def progress(done: int, total: int) -> None:
        if interactive:  # one line, rewritten; nothing in a log or a pipe
            text = t("group_import.cli.progress", language, done=f"{done:,}", total=f"{total:,}")
            sys.stderr.write("\r" + text)
            sys.stderr.flush()

    store = Store.from_settings(settings)
    try:
        with store.session() as session:
            row = get_staff(session=session, account=staff)
            if row is None:
                typer.echo(t("staff.action.denied", language) + f": --staff {staff}", err=True)
                raise typer.Exit(2)
            result = group_import.import_file(
                session,
                path=file,
                unit=unit,
                staff=StaffView.of(row),
                settings=settings,
                progress=progress,
                dry_run=dry_run,
                sheet=sheet,
                on_row=on_row,
            )
    except typer.Exit:
        raise
    except Exception as error:  # a locked or unreachable database: a message, not a traceback
        typer.echo(f"staff import failed: {type(error).__name__}", err=True)
        raise typer.Exit(1) from None
    finally:
        store.dispose()
        if handle is not None:
            handle.close()
        if interactive:
            sys.stderr.write("\n")
    if result.file_error:
        typer.echo(t(result.file_error, language, **result.file_error_values), err=True)
        raise typer.Exit(2 if result.file_error == "staff.action.denied" else 1)
    key = "group_import.cli.dry_run" if dry_run else "group_import.cli.done"
    preview = result.preview
    typer.echo(
        t(
            key,
            language,
            file=file.name,
            created=result.created,
            ok=preview.ok,
            present=result.present,
            bad=result.bad,
        )
    )
    if report is not None:
        typer.echo(t("group_import.cli.report", language, path=str(report)))
