"""The files of 線上繳件: where a terminal may take them from, how they are checked, where they
are kept.

Sources. A terminal takes files only from the folders the venue configured: the candidate's own
media (``Settings.document_sources``: a USB drive's mount point), listed whole, and shared drop
folders (``Settings.scan_folders``: where a venue's scanner puts what it scans), which every
candidate at the terminal uses in turn — so a shared folder lists only the files that arrived
during this candidate's session, and a file taken from it is removed from it once it is kept:
nobody picks (or sees the name of) what the previous candidate scanned. Listing
walks each folder without following a symbolic link and without leaving it; reading opens every
component of the path relative to the folder's own descriptor with ``O_NOFOLLOW`` (``openat``),
so a name with ``..``, an absolute name or a link planted on the drive cannot reach a file
outside the folder, whatever happens between the listing and the reading.

Checks, by content, never by name: a PDF starts with ``%PDF-`` and pypdf must read at least one
page from it (an encrypted PDF is refused: staff could not read it); a JPEG starts with
``FF D8 FF`` and a PNG with its 8-byte signature, and Pillow must open and verify it as that
format (a decompression bomb is refused). Larger than ``Settings.document_max_bytes``: refused
before it is parsed. Hand-written: only the folder walk and the magic numbers; the parsing is
pypdf's and Pillow's.

Storage. An accepted file is written to ``Settings.documents_dir`` under its SHA-256 (the name
it had is not kept: it may hold a name or an ID number), readable by its owner only, through a
temporary file and a rename, so a file at its final name is always whole. The same content
twice is one file.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import os
import stat
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from kiosk.infra.config import Settings

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MEDIA_TYPES = ("application/pdf", "image/jpeg", "image/png")
MAX_DEPTH = 3  # folders below a source that the listing enters
MAX_LISTED = 200  # files listed per source (the newest first)


@dataclass(frozen=True)
class SourceFile:
    """A file the candidate may pick: which source, its path inside it, size and time (UTC),
    and whether the source is a shared drop folder (see the module's docstring)."""

    source: int
    relative: str
    size: int
    modified: datetime
    shared: bool = False


def sources(settings: Settings) -> list[tuple[Path, bool]]:
    """Every source with whether it is shared: the candidate's media first, then the drop
    folders; a file's ``source`` is its index here."""
    own = [(Path(p), False) for p in settings.document_sources]
    return own + [(Path(p), True) for p in settings.scan_folders]


@dataclass(frozen=True)
class StoredFile:
    """A checked file, kept under its SHA-256."""

    sha256: str
    size: int
    media_type: str


@dataclass(frozen=True)
class FileCheck:
    """The answer to "take this file": ``stored`` when it passed, else a catalog key."""

    stored: StoredFile | None
    message_key: str
    values: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.stored is not None


# --------------------------------------------------------------------------------------------
# Sources


def list_sources(settings: Settings, *, since: datetime | None = None) -> list[SourceFile]:
    """Every regular file in the configured sources (links and hidden names skipped), the
    newest first; a source that is missing (no drive in the slot) lists nothing. A shared drop
    folder lists only what arrived at or after ``since`` (the session's start; None: nothing)."""
    found: list[SourceFile] = []
    for index, (root, shared) in enumerate(sources(settings)):
        files: list[SourceFile] = []
        _walk(index, root, PurePosixPath(), 0, files)
        if shared:
            files = [
                SourceFile(f.source, f.relative, f.size, f.modified, shared=True)
                for f in files
                if since is not None and f.modified >= since
            ]
        files.sort(key=lambda f: (f.modified, f.relative), reverse=True)
        found.extend(files[:MAX_LISTED])
    return found


def _walk(index: int, folder: Path, relative: PurePosixPath, depth: int, out: list) -> None:
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith(".") or entry.is_symlink():
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                if depth < MAX_DEPTH:
                    _walk(index, Path(entry.path), relative / entry.name, depth + 1, out)
            elif entry.is_file(follow_symlinks=False):
                info = entry.stat(follow_symlinks=False)
                out.append(
                    SourceFile(
                        source=index,
                        relative=str(relative / entry.name),
                        size=info.st_size,
                        modified=datetime.fromtimestamp(info.st_mtime, UTC).replace(tzinfo=None),
                    )
                )
        except OSError:
            continue


class OutsideSource(Exception):
    """The path is not a regular file inside the source (``..``, absolute, a link, missing)."""


def read_source(settings: Settings, source: int, relative: str, limit: int) -> bytes:
    """The bytes of ``relative`` inside source ``source``, at most ``limit + 1`` of them.

    Raises:
        OutsideSource: anything but a regular file reached through real folders of the source.
    """
    roots = sources(settings)
    if not 0 <= source < len(roots):
        raise OutsideSource("no such source")
    parts = PurePosixPath(relative).parts
    if not parts or relative.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise OutsideSource("not a path inside the source")
    flags = os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    try:
        folder = os.open(roots[source][0], flags | os.O_DIRECTORY)
    except OSError as error:
        raise OutsideSource("source missing") from error
    try:
        for name in parts[:-1]:
            inner = os.open(name, flags | os.O_DIRECTORY, dir_fd=folder)
            os.close(folder)
            folder = inner
        fd = os.open(parts[-1], flags | getattr(os, "O_NONBLOCK", 0), dir_fd=folder)
    except OSError as error:  # ELOOP: a link; ENOTDIR: a link or a file on the way
        if error.errno in (errno.ELOOP, errno.ENOTDIR, errno.ENOENT, errno.EACCES):
            raise OutsideSource(os.strerror(error.errno)) from error
        raise
    finally:
        os.close(folder)
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):  # a FIFO or a device
            raise OutsideSource("not a regular file")
        return handle.read(limit + 1)


# --------------------------------------------------------------------------------------------
# Checks


def media_type_of(data: bytes) -> str | None:
    """What the content is, by its first bytes: a PDF, JPEG or PNG media type, or None."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(PNG_SIGNATURE):
        return "image/png"
    return None


def check_content(data: bytes, max_bytes: int) -> tuple[str | None, str]:
    """``(media type, "")`` when ``data`` is a readable PDF, JPEG or PNG within the limit,
    else ``(None, catalog key)``."""
    if not data:
        return None, "documents.file.empty"
    if len(data) > max_bytes:
        return None, "documents.file.too_large"
    media_type = media_type_of(data)
    if media_type is None:
        return None, "documents.file.type"
    if media_type == "application/pdf":
        return _check_pdf(data)
    return _check_image(data, "JPEG" if media_type == "image/jpeg" else "PNG", media_type)


def _check_pdf(data: bytes) -> tuple[str | None, str]:
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its warnings name broken offsets
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                return None, "documents.file.encrypted"
            if len(reader.pages) < 1:
                return None, "documents.file.broken"
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError,
            RecursionError, OSError, AssertionError):  # fmt: skip
        return None, "documents.file.broken"
    return "application/pdf", ""


def _check_image(data: bytes, expected: str, media_type: str) -> tuple[str | None, str]:
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format != expected:
                    return None, "documents.file.broken"
                image.verify()
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        ValueError,
        SyntaxError,  # Pillow's parsers raise it for a malformed header
    ):
        return None, "documents.file.broken"
    return media_type, ""


# --------------------------------------------------------------------------------------------
# Storage


def stored_path(settings: Settings, sha256: str) -> Path:
    """Where the file with this SHA-256 is kept."""
    return Path(settings.documents_dir) / sha256[:2] / sha256


def store(settings: Settings, data: bytes, media_type: str) -> StoredFile:
    """Keep ``data`` under its SHA-256 (once: the same content is one file)."""
    digest = hashlib.sha256(data).hexdigest()
    target = stored_path(settings, digest)
    if target.is_file() and target.stat().st_size == len(data):
        return StoredFile(digest, len(data), media_type)
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = target.with_name(f".{digest}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
    return StoredFile(digest, len(data), media_type)


def take(settings: Settings, source: int, relative: str) -> FileCheck:
    """Read a file the candidate picked, check it and keep it (no database work: the screen
    calls this first, then :func:`kiosk.core.documents.submit` with what it returns)."""
    limit = settings.document_max_bytes
    try:
        data = read_source(settings, source, relative, limit)
    except OutsideSource:
        return FileCheck(None, "documents.file.unreadable")
    except OSError:
        return FileCheck(None, "documents.file.unreadable")
    media_type, problem = check_content(data, limit)
    if media_type is None:
        return FileCheck(None, problem, {"limit": f"{limit / 2**20:g}"})
    try:
        stored = store(settings, data, media_type)
    except OSError:
        return FileCheck(None, "documents.file.not_kept")
    if sources(settings)[source][1]:
        _remove_from_shared(settings, source, relative)
    return FileCheck(stored, "")


def _remove_from_shared(settings: Settings, source: int, relative: str) -> None:
    """A file taken from a shared drop folder leaves it (it is kept now): the next candidate
    must not find it there. Best effort, and never outside the folder (no link followed)."""
    parts = PurePosixPath(relative).parts
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0)
    try:
        folder = os.open(sources(settings)[source][0], flags)
    except OSError:
        return
    try:
        for name in parts[:-1]:
            inner = os.open(name, flags, dir_fd=folder)
            os.close(folder)
            folder = inner
        os.unlink(parts[-1], dir_fd=folder)
    except OSError:
        pass
    finally:
        os.close(folder)


def is_kept(settings: Settings, stored: StoredFile) -> bool:
    path = stored_path(settings, stored.sha256)
    try:
        return path.stat().st_size == stored.size
    except OSError:
        return False
