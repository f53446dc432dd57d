"""Reading a unit's group file, one row at a time: CSV in the encodings Taiwanese offices save, or
an XLSX workbook (openpyxl, read-only: the sheet is streamed, never loaded whole).

A file is opened once (:func:`open_group_file`: the encoding or the sheet is chosen, the header
found, the rows counted for a CSV) and its rows read as often as needed
(:meth:`GroupFile.rows`: a preview reads them, the import reads them again), each pass holding one
row at a time. Nothing here knows the registration rules (``check``) or the store (``importer``).

Encodings: a BOM decides (UTF-8, UTF-16); otherwise UTF-8 when the whole file decodes as UTF-8,
else Big5 as Windows writes it (cp950), else Big5-HKSCS. The whole file is decoded once up front
in chunks (an incremental decoder, nothing kept), so a Big5 file whose first kilobytes happen to
be ASCII is not taken for UTF-8, and no encoding error can surface half-way through an import.

The header is the first row, within the first :data:`HEADER_SEARCH_ROWS` non-empty rows, that
names the required columns: title rows above it (某某大學 團體報名名單, merged cells) are skipped.
A workbook is searched sheet by sheet unless a sheet is named, so an instructions sheet in front
of the list does no harm.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import unicodedata
import zipfile
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_ROWS = 1_000_000
"""Data rows per file: far above any unit's list; the file size bounds it first for a CSV."""
HEADER_SEARCH_ROWS = 10  # non-empty rows looked at for the header
CHUNK_BYTES = 1024 * 1024
XLSX_SUFFIXES = (".xlsx", ".xlsm")

COLUMNS: dict[str, tuple[str, ...]] = {
    "national_id": (
        "身分證號",
        "身分證字號",
        "身份證號",  # the variant 份 is as common in real files
        "身份證字號",
        "身分證統一編號",
        "統一證號",
        "居留證號",
        "national_id",
        "id",
    ),
    "chinese_name": ("中文姓名", "姓名", "chinese_name", "name"),
    "email": ("電子郵件", "email信箱", "電子信箱", "email", "e-mail"),
    "mobile": ("手機號碼", "手機", "行動電話", "mobile", "mobile_number"),
    "nationality": ("身分", "身份", "國籍", "nationality"),
    "english_surname": ("英文姓", "英文姓氏", "english_surname", "surname"),
    "english_given_name": ("英文名", "英文名字", "english_given_name", "given_name"),
    "gender": ("性別", "gender"),
    "education": ("學歷", "education"),
    "school": ("學校名稱", "學校", "school"),
    "department": ("系所名稱", "系所", "科系", "department"),
    "group_unit": ("團報單位", "單位", "group_unit", "unit"),
}
"""Canonical field -> header names accepted (compared after :func:`header_key`)."""

REQUIRED_COLUMNS = ("national_id", "chinese_name")
CONTACT_COLUMNS = ("email", "mobile")

Row = tuple[int, dict[str, str]]
"""A data row: its line in the file (or row in the sheet) and ``{field: text}``."""


class FileProblem(Exception):
    """The file cannot be read as a group file (turned into ``file_error`` by the importer)."""

    def __init__(self, key: str, **values: str) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


def header_key(text: str) -> str:
    """A header cell as compared: NFKC, case-folded, no spaces, ``*`` marks or brackets."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in text if not ch.isspace() and ch not in "*＊:：()（）")


ALIASES = {header_key(name): canonical for canonical, names in COLUMNS.items() for name in names}


def missing_columns(names: list[str | None]) -> list[str]:
    """The required columns (their Chinese names) a header row lacks."""
    found = {name for name in names if name}
    missing = [COLUMNS[name][0] for name in REQUIRED_COLUMNS if name not in found]
    if not found & set(CONTACT_COLUMNS):
        missing.append("/".join(COLUMNS[name][0] for name in CONTACT_COLUMNS))
    return missing


def cell_text(value: Any) -> str:
    """A spreadsheet cell as text: whole floats lose their ``.0``; None is empty."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value).strip()


# --------------------------------------------------------------------------------------------
# Encodings


def detect_encoding(path: Path) -> str:
    """The encoding of a CSV file (see the module docstring); reads it once, in chunks."""
    with path.open("rb") as handle:
        head = handle.read(4)
    if head.startswith(codecs.BOM_UTF8):
        candidates: tuple[str, ...] = ("utf-8-sig",)
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ("utf-16",)
    else:
        candidates = ("utf-8", "cp950", "big5hkscs")
    for encoding in candidates:
        if _decodes(path, encoding):
            return encoding
    raise FileProblem("group_import.file.encoding")


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK_BYTES):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def decode_csv(data: bytes) -> str:
    """Text of CSV bytes by the same rules as a file (kept for scripts that hold bytes)."""
    if data.startswith(codecs.BOM_UTF8):
        encodings: tuple[str, ...] = ("utf-8-sig",)
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8", "cp950", "big5hkscs")
    for encoding in encodings:
        with contextlib.suppress(UnicodeDecodeError):
            return data.decode(encoding)
    raise FileProblem("group_import.file.encoding")


# --------------------------------------------------------------------------------------------
# Sources of raw rows (lists of cell texts, with their line numbers)


class _CsvSource:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.encoding = detect_encoding(path)
        with path.open(encoding=self.encoding, newline="") as handle:
            sample = handle.read(4096)
        self.delimiter = ","
        with contextlib.suppress(csv.Error):  # one column, or no delimiter in the sample
            self.delimiter = csv.Sniffer().sniff(sample, delimiters=",\t;").delimiter

    def raw(self) -> Generator[tuple[int, list[str]]]:
        try:
            with self.path.open(encoding=self.encoding, newline="") as handle:
                reader = csv.reader(handle, delimiter=self.delimiter)
                for line, cells in enumerate(reader, start=1):
                    yield line, [cell.strip() for cell in cells]
        except csv.Error:  # a quote never closed, a cell over the csv module's limit …
            raise FileProblem("group_import.file.unreadable") from None
        except OSError as error:
            raise FileProblem("group_import.file.unreadable") from error


class _SheetSource:
    def __init__(self, path: Path, sheet: str) -> None:
        self.path = path
        self.sheet = sheet

    def raw(self, book: Any = None) -> Generator[tuple[int, list[str]]]:
        """The sheet's rows; from ``book`` when given (the caller closes it), else from a
        workbook opened (and closed) here."""
        own = book is None
        if own:
            book = _open_book(self.path)
        try:
            rows = book[self.sheet].iter_rows(values_only=True)
            for line, row in enumerate(rows, start=1):
                yield line, [cell_text(value) for value in row]
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
            raise FileProblem("group_import.file.unreadable") from error
        finally:
            if own:
                book.close()


def _open_book(path: Path) -> Any:
    from openpyxl import load_workbook

    try:
        return load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise FileProblem("group_import.file.unreadable") from error


def sheet_names(path: Path) -> list[str]:
    """The sheets of a workbook, in order."""
    book = _open_book(path)
    try:
        return list(book.sheetnames)
    finally:
        book.close()


# --------------------------------------------------------------------------------------------
# The file


@dataclass
class _Header:
    line: int
    names: list[str | None]
    unknown: list[str]


def _find_header(raw: Iterator[tuple[int, list[str]]]) -> _Header | list[str] | None:
    """The header among the first non-empty rows; else the fewest required columns missing
    (a list), or None for a source with no non-empty row."""
    fewest: list[str] | None = None
    looked = 0
    for line, cells in raw:
        if not any(cells):
            continue
        names = [ALIASES.get(header_key(cell)) for cell in cells]
        missing = missing_columns(names)
        if not missing:
            unknown = [cell for cell, name in zip(cells, names, strict=True) if cell and not name]
            return _Header(line, names, unknown)
        if fewest is None or len(missing) < len(fewest):
            fewest = missing
        looked += 1
        if looked >= HEADER_SEARCH_ROWS:
            break
    return fewest


@dataclass
class GroupFile:
    """An opened group file: where its header is and how its rows are read.

    ``total`` is the number of data rows for a CSV (counted when opened) and the sheet's own
    count for a workbook (its dimension record, which spreadsheet programs keep right; it may
    include empty rows at the end). Use it for progress, not as a count of anything.
    """

    path: Path
    source: _CsvSource | _SheetSource
    header: _Header
    total: int
    sheet: str = ""
    ignored_columns: tuple[str, ...] = field(default=())

    def rows(self) -> Iterator[Row]:
        """The data rows in order, one at a time (empty rows skipped).

        Raises:
            FileProblem: the file changed into something unreadable since it was opened, or
                has more than :data:`MAX_ROWS` rows.
        """
        count = 0
        for line, cells in self.source.raw():
            if line <= self.header.line or not any(cells):
                continue
            count += 1
            if count > MAX_ROWS:
                raise FileProblem("group_import.file.too_many", limit=f"{MAX_ROWS:,}")
            values: dict[str, str] = {}
            for name, cell in zip(self.header.names, cells, strict=False):
                if name and cell and not values.get(name):
                    values[name] = cell
            yield line, values


def open_group_file(path: Path | str, *, sheet: str | None = None) -> GroupFile:
    """Open a group file: its encoding or sheet, its header, its size.

    Args:
        path: A CSV file, or an XLSX workbook (by its ``.xlsx``/``.xlsm`` suffix).
        sheet: The workbook's sheet to read; None finds the first sheet with a header.

    Raises:
        FileProblem: missing, too large, unreadable, an encoding it is not in, no such sheet,
            no header (the required columns missing: the fewest missing are named), too many rows.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as error:
        raise FileProblem("group_import.file.missing", name=path.name) from error
    if not path.is_file():
        raise FileProblem("group_import.file.missing", name=path.name)
    if size > MAX_FILE_BYTES:
        raise FileProblem("group_import.file.too_large", limit=str(MAX_FILE_BYTES // 2**20))
    if path.suffix.lower() in XLSX_SUFFIXES:
        return _open_workbook(path, sheet)
    if sheet:
        raise FileProblem("group_import.file.sheet_in_csv")
    source = _CsvSource(path)
    with contextlib.closing(source.raw()) as raw:
        found = _find_header(raw)
    if not isinstance(found, _Header):
        if found is None:
            raise FileProblem("group_import.file.empty")
        raise FileProblem("group_import.file.columns", columns=", ".join(found))
    # Counting the rows reads the whole file once more (the csv module, in C): the import can say
    # how far it is, and a broken quote at the end is a file error before anything is created.
    total = sum(1 for line, cells in source.raw() if line > found.line and any(cells))
    if total > MAX_ROWS:
        raise FileProblem("group_import.file.too_many", limit=f"{MAX_ROWS:,}")
    return GroupFile(path, source, found, total, ignored_columns=tuple(found.unknown))


def _open_workbook(path: Path, sheet: str | None) -> GroupFile:
    # One workbook for the whole look: opening one reads its shared strings, all of them.
    book = _open_book(path)
    try:
        names = list(book.sheetnames)
        if sheet is not None and sheet not in names:
            raise FileProblem("group_import.file.no_sheet", name=sheet, sheets="、".join(names))
        fewest: list[str] | None = None
        for name in [sheet] if sheet is not None else names:
            source = _SheetSource(path, name)
            with contextlib.closing(source.raw(book)) as raw:
                found = _find_header(raw)
            if isinstance(found, _Header):
                total = max(_dimension_rows(book[name]) - found.line, 0)
                return GroupFile(
                    path, source, found, total, sheet=name, ignored_columns=tuple(found.unknown)
                )
            if found is not None and (fewest is None or len(found) < len(fewest)):
                fewest = found
    finally:
        book.close()
    if fewest is None:
        raise FileProblem("group_import.file.empty")
    if sheet is None and len(names) > 1:
        raise FileProblem(
            "group_import.file.columns_in_sheets",
            columns=", ".join(fewest),
            sheets="、".join(names),
        )
    raise FileProblem("group_import.file.columns", columns=", ".join(fewest))


def _dimension_rows(sheet: Any) -> int:
    """The rows a sheet says it has (its dimension record), without reading them; 0 unknown."""
    try:
        return int(sheet.max_row or 0)
    except (ValueError, TypeError):
        return 0


def read_rows(path: Path | str) -> tuple[list[Row], list[str]]:
    """Every data row of a group file at once, plus the unknown headers (small files, scripts;
    the importer streams with :func:`open_group_file` instead)."""
    opened = open_group_file(path)
    return list(opened.rows()), list(opened.ignored_columns)
