"""The operator log: what a site's operator reads when something went wrong.

Every ``ipas-kiosk`` command writes ``<log dir>/ipas-kiosk.log`` (``IPAS_KIOSK_LOG_DIR``, default
``<data dir>/logs``), 1 MiB a file, the last five kept as ``.1`` … ``.5``; ``serve`` also writes
to stderr. The apps that own a terminal (``run``, ``staff``) never write to stderr or stdout: a
line there would draw over the screen. :func:`configure` installs the handlers on the root
logger before the first paint, so it reads its folder with ``config_files.peek`` (no pydantic).

Nothing secret reaches the file, by two rules:

- No call site passes a password, a temporary password or a token to a log call (the domain
  modules log terminal ids, masked destinations and exception types).
- :class:`SecretFilter`, on every handler, rewrites each record before it is written: control
  and escape characters are removed (nothing typed can rewrite an operator's terminal or forge a
  line), every national-ID-shaped token is masked (``kiosk.core.national_id.mask_national_ids``),
  and bcrypt hashes, bearer tokens and a password inside a URL are replaced. Tracebacks go through
  the same filter, since SQLAlchemy's messages carry a statement's parameters.

Times are Taiwan time (UTC+8, no daylight saving).

:class:`SharedRotatingFileHandler` is written by hand: the standard library's rotating handler
assumes one writing process, but every terminal of a host and every browser connection of
``serve`` is its own process on the same file. Without the change, a process that did not
rotate keeps writing into the renamed file and rotates it again soon after, so files come out
short and history is lost early. (``concurrent-log-handler`` solves it too, with a lock per
write and one more dependency; a stat per record and a lock per rotation are enough here.)
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import sys
from datetime import datetime, timedelta, timezone
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk import __version__
from kiosk.core.national_id import mask_national_ids
from kiosk.infra import config_files

if TYPE_CHECKING:
    from kiosk.infra.config import Settings

LOG_FILE = "ipas-kiosk.log"
MAX_BYTES = 1024 * 1024
BACKUP_COUNT = 5
TAIWAN = timezone(timedelta(hours=8), "Asia/Taipei")

log = logging.getLogger("kiosk")

# Whole escape sequences (CSI, OSC, DCS/PM/APC strings, two-character escapes), then any control
# left: C0, DEL, C1, and the bidirectional marks and overrides that make a line read differently
# from what it holds. Tabs and newlines are handled apart.
_ESCAPE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d-\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_BREAKS = re.compile(r"[\t\n\r]+")
_BCRYPT = re.compile(r"\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}")
_BEARER = re.compile(r"(?i)\b(bearer\s+)[^\s'\",;]+")
_URL_PASSWORD = re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://[^\s/:@]*):[^\s/@]*@")


def scrub(text: str, *, one_line: bool = False) -> str:
    """``text`` fit for the operator log: no control characters, no full national ID, no bcrypt
    hash, bearer token or URL password.

    Args:
        text: Anything: a message, a traceback.
        one_line: Turn tabs and line breaks into a space too (a message is one line; a traceback
            keeps its lines).

    Returns:
        The cleaned text.
    """
    if one_line:
        text = _BREAKS.sub(" ", text)
    # Controls go first: an ID number split by an escape sequence is masked once it is whole.
    text = _CONTROL.sub("", _ESCAPE.sub("", text))
    text = mask_national_ids(text)
    text = _BCRYPT.sub("<bcrypt hash>", text)
    text = _BEARER.sub(r"\1***", text)
    return _URL_PASSWORD.sub(r"\1:***@", text)


class SecretFilter(logging.Filter):
    """Rewrites every record with :func:`scrub`: its message, its traceback, its stack.

    On a handler, so records from any logger (SQLAlchemy, asyncio, textual-serve) pass it.
    """

    _FORMATTER = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "kiosk_scrubbed", False):
            return True  # the file and stderr handlers see the same record
        try:
            message = record.getMessage()
        except Exception:  # arguments that do not fit the format: keep what there is
            message = f"{record.msg} {record.args!r}"
        record.msg, record.args = scrub(message, one_line=True), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = self._FORMATTER.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        record.kiosk_scrubbed = True
        return True


class TaiwanFormatter(logging.Formatter):
    """``2026-12-01 14:03:07.512 +0800 INFO 4711 kiosk.core.accounts: …``: Taiwan time, the process
    id (many processes share the file)."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(process)d %(name)s: %(message)s")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        moment = datetime.fromtimestamp(record.created, TAIWAN)
        return f"{moment:%Y-%m-%d %H:%M:%S}.{int(record.msecs):03d} {moment:%z}"


def _private(path: str, flags: int) -> int:
    return os.open(path, flags, 0o600)  # masked data still is personal data: owner only


class SharedRotatingFileHandler(RotatingFileHandler):
    """A rotating file that several processes append to.

    Before each record the handler checks that its open file is still the one at the path (a
    stat) and reopens it when another process has rotated it; a rotation runs under an
    exclusive lock on ``<file>.lock`` and only when the file it found full is still there, so
    two processes that fill it at once rotate it once. A failure to write is dropped silently:
    the handler's default prints a traceback to stderr, which is the kiosk's screen.
    """

    def __init__(self, filename: Path, *, max_bytes: int, backup_count: int) -> None:
        self._full: tuple[int, int] | None = None
        super().__init__(filename, maxBytes=max_bytes, backupCount=backup_count, encoding="utf-8")

    def _open(self) -> Any:
        # the handler keeps the file open and closes it itself
        return open(
            self.baseFilename,
            self.mode,
            encoding=self.encoding,
            errors=self.errors,
            opener=_private,
        )

    def _identity(self) -> tuple[int, int] | None:
        try:
            found = os.stat(self.baseFilename)
        except OSError:
            return None
        return found.st_dev, found.st_ino

    def _follow(self) -> None:
        """Reopen the path when the open file is no longer there (another process rotated)."""
        if self.stream is None:
            return
        mine = os.fstat(self.stream.fileno())
        if self._identity() != (mine.st_dev, mine.st_ino):
            self.stream.close()
            self.stream = self._open()

    def shouldRollover(self, record: logging.LogRecord) -> bool:
        self._follow()
        if not super().shouldRollover(record):
            return False
        self._full = self._identity()
        return True

    def doRollover(self) -> None:
        with open(f"{self.baseFilename}.lock", "a", opener=_private) as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
            if self._identity() != self._full:  # rotated by another process meanwhile
                self._follow()
                return
            super().doRollover()

    def handleError(self, record: logging.LogRecord) -> None:
        """A full disk or a removed folder must not print over the kiosk's screen."""


_installed: list[logging.Handler] = []
_levels: dict[str, int] = {}


def configure(command: str, *, stderr: bool = False, directory: Path | None = None) -> Path | None:
    """Send this process's log records to the operator log (and to stderr when asked).

    Replaces what an earlier call installed. The root logger takes warnings from every library;
    ``kiosk`` (and textual-serve, for ``serve``) informational lines too.

    Args:
        command: The ``ipas-kiosk`` command, for the first line.
        stderr: Also write to stderr (``serve``; never for an app that owns the terminal).
        directory: The folder; default ``config_files.log_dir()``.

    Returns:
        The log file, or None when it cannot be written (then only stderr, if asked, or nothing:
        never Python's last-resort handler, which writes to stderr).
    """
    unconfigure()
    folder = directory or config_files.log_dir()
    handlers: list[logging.Handler] = []
    path: Path | None = folder / LOG_FILE
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        handlers.append(
            SharedRotatingFileHandler(path, max_bytes=MAX_BYTES, backup_count=BACKUP_COUNT)  # type: ignore[arg-type]
        )
    except OSError:
        path = None
    if stderr:
        handlers.append(logging.StreamHandler(sys.stderr))
    if not handlers:
        handlers.append(logging.NullHandler())
    formatter, secrets = TaiwanFormatter(), SecretFilter()
    root = logging.getLogger()
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(secrets)
        root.addHandler(handler)
    _installed.extend(handlers)
    logging.captureWarnings(True)  # a library's warning goes to the file, not over the screen
    levels = {"": logging.WARNING, "kiosk": logging.INFO}
    if command == "serve":
        levels["textual-serve"] = logging.INFO
    for name, level in levels.items():
        logger = logging.getLogger(name)
        _levels.setdefault(name, logger.level)
        logger.setLevel(level)
    log.info("ipas-kiosk %s %s: pid %d", __version__, command, os.getpid())
    return path


def unconfigure() -> None:
    """Take out what :func:`configure` installed (tests; a second configure)."""
    root = logging.getLogger()
    while _installed:
        handler = _installed.pop()
        root.removeHandler(handler)
        handler.close()
    for name, level in _levels.items():
        logging.getLogger(name).setLevel(level)
    _levels.clear()
    logging.captureWarnings(False)


def database_backend(url: str) -> str:
    """``sqlite`` or ``postgresql``: the URL's scheme without the driver, never its user,
    password or host."""
    scheme = url.split(":", 1)[0] if "://" in url else ""
    return scheme.split("+", 1)[0] or "unknown"


def started(command: str, settings: Settings) -> None:
    """The line that says which terminal started with which database."""
    log.info(
        "ipas-kiosk %s %s started: terminal %s, database %s",
        __version__,
        command,
        settings.terminal_id,
        database_backend(settings.effective_database_url),
    )


def ended(command: str, return_code: int | None, error: BaseException | None = None) -> None:
    """The line that says how an app ended; its traceback when it crashed."""
    if error is not None:
        log.error("%s ended by %s", command, type(error).__name__, exc_info=error)
    else:
        log.info("%s ended (exit code %s)", command, return_code or 0)


def worker_failed(name: str, error: BaseException | None) -> None:
    """An unexpected exception in a screen's worker (the screen shows a message), with its
    traceback."""
    logging.getLogger("kiosk.ui").error(
        "worker %s failed: %s", name, type(error).__name__, exc_info=error
    )
