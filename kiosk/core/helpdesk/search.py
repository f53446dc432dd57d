"""The help desk's one-box candidate search.

Search decides by the shape of what was typed: a whole national ID is an exact match; with ``@``
an e-mail prefix; digits a mobile prefix; Chinese a name prefix; anything else an account prefix.
Prefixes are range queries (``col >= p AND col < p'`` where p' is p with its last character
bumped), which use a plain B-tree index on SQLite and on PostgreSQL alike (SQLite's ``LIKE`` is
case-insensitive and skips the index; PostgreSQL's needs a pattern operator class). The range is
code-point order: SQLite's BINARY collation, and on PostgreSQL ``COLLATE "C"`` on the compared
column, whatever the database's default collation (a linguistic one sorts CJK names and
punctuation otherwise, and the range would miss rows); migration 0003 builds the searched indexes
in that collation, so they serve the range.
Every search has a LIMIT. A prefix search writes no audit event (one per keystroke would drown
the log); a look-up by a whole national ID writes one (masked), and opening a candidate does.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, or_
from sqlalchemy import select as sa_select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal
from sqlmodel import Session, col

from kiosk.core import audit, delivery, national_id, text_safety
from kiosk.core.clock import Clock
from kiosk.core.clock import now as now_of
from kiosk.core.helpdesk.staff_accounts import StaffView
from kiosk.infra.config import Settings
from kiosk.infra.tables import Candidate

SearchKind = Literal["", "national_id", "email", "mobile", "chinese_name", "account"]
SEARCH_LIMIT = 50
ID_SHAPE = re.compile(r"[A-Z][1289A-D][0-9]{8}")
MOBILE_TYPED = re.compile(r"\+?[0-9][0-9 \-]*")


@dataclass(frozen=True)
class CandidateRow:
    """One search hit: the national ID, e-mail and mobile masked."""

    id: int
    account: str
    chinese_name: str
    national_id_masked: str
    email_masked: str
    mobile_masked: str
    origin: str
    profile_complete: bool


@dataclass(frozen=True)
class SearchResult:
    kind: SearchKind
    rows: tuple[CandidateRow, ...] = ()
    more: bool = False  # there were more than the limit: type more


def classify(text: str) -> tuple[SearchKind, str]:
    """What the box holds and the value to look for (normalized the way the column is stored)."""
    text = unicodedata.normalize("NFKC", text).strip()
    if not text:
        return "", ""
    nid = national_id.normalize(text)
    if ID_SHAPE.fullmatch(nid):
        return "national_id", nid
    if "@" in text:
        return "email", text
    if MOBILE_TYPED.fullmatch(text):
        digits = re.sub(r"[ \-]", "", text)
        if digits.startswith("+886"):
            digits = "0" + digits[4:].lstrip("0")
        return "mobile", digits.lstrip("+")
    if not text.isascii():
        return "chinese_name", "".join(text.split())
    return "account", text.lower()


def _nextprefix_range(prefix: str) -> str:
    """The smallest string above every string starting with ``prefix`` (code-point order)."""
    last = ord(prefix[-1])
    if last >= 0x10FFFF:
        return prefix + "\U0010ffff"
    return prefix[:-1] + chr(last + 1)


class CodePointOrder(ColumnElement[str]):
    """A column compared in code-point order: ``col COLLATE "C"`` on PostgreSQL, the column as
    it is on SQLite (whose default BINARY collation is code-point order already)."""

    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]  # noqa: RUF012

    def __init__(self, column: Any) -> None:
        self.column: ColumnElement[Any] = col(column)  # type: ignore[assignment]
        self.type = self.column.type


@compiles(CodePointOrder)
def _compile_code_point(element: CodePointOrder, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.column, **kw)


@compiles(CodePointOrder, "postgresql")
def _compile_code_point_pg(element: CodePointOrder, compiler: SQLCompiler, **kw: Any) -> str:
    return f'{compiler.process(element.column, **kw)} COLLATE "C"'


def prefix_range(column: Any, prefix: str) -> ColumnElement[bool]:
    """``column`` starts with ``prefix``, as an index range in code-point order."""
    ordered = CodePointOrder(column)
    return and_(ordered >= prefix, ordered < _nextprefix_range(prefix))


def search_statement(query: str, limit: int = SEARCH_LIMIT) -> tuple[SearchKind, Any]:
    """The kind of search ``query`` asks for and its SELECT (None for an empty box)."""
    kind, value = classify(query)
    if not kind:
        return "", None
    statement: Any = sa_select(*HIT_COLUMNS)  # plain rows: no ORM objects to build for 50 hits
    if kind == "national_id":
        statement = statement.where(Candidate.national_id == value)
    elif kind == "email":
        variants = sorted({value, value.lower()})
        statement = statement.where(or_(*(prefix_range(Candidate.email, v) for v in variants)))
        statement = statement.order_by(CodePointOrder(Candidate.email))
    elif kind == "mobile":
        statement = statement.where(prefix_range(Candidate.mobile, value))
        statement = statement.order_by(CodePointOrder(Candidate.mobile))
    elif kind == "chinese_name":
        statement = statement.where(prefix_range(Candidate.chinese_name, value))
        statement = statement.order_by(CodePointOrder(Candidate.chinese_name))
    else:
        statement = statement.where(prefix_range(Candidate.account_key, value))
        statement = statement.order_by(CodePointOrder(Candidate.account_key))
    return kind, statement.limit(limit + 1)


def search(
    session: Session,
    *,
    query: str,
    limit: int = SEARCH_LIMIT,
    audit_as: StaffView | None = None,
    settings: Settings | None = None,
    clock: Clock | None = None,
) -> SearchResult:
    """Candidates whose account, Chinese name, e-mail or mobile start with ``query``, or whose
    national ID is exactly it; at most ``limit`` rows, ordered by the searched column.

    A look-up by a whole national ID is audited when ``audit_as`` (the staff member) and
    ``settings`` are given: one ``staff_search`` event, the ID masked. The caller passes them
    once per complete ID, not on every keystroke (prefixes are never audited).
    """
    if text_safety.problem(query):  # nothing stored can hold it: no query, no error
        return SearchResult("")
    kind, statement = search_statement(query, limit)
    if statement is None:
        return SearchResult("")
    found = session.execute(statement).all()
    result = SearchResult(kind, tuple(row_of(c) for c in found[:limit]), more=len(found) > limit)
    if kind == "national_id" and audit_as is not None and settings is not None:
        hit = found[0] if len(found) == 1 else None
        audit.Trail(session, settings, now_of(clock), "staff_search", staff=audit_as.account)(
            "found" if found else "none",
            account=hit.account if hit is not None else "",
            candidate_id=hit.id if hit is not None else None,
            detail=f"national_id={national_id.mask(classify(query)[1])}",
        )
    return result


def audits_search(query: str, last_audited: str) -> str:
    """The national ID a search box's ``query`` should be audited for, or "" (not a whole ID,
    or the same one as ``last_audited``: a refresh of the results is no new look-up)."""
    kind, value = classify(query)
    return value if kind == "national_id" and value != last_audited else ""


HIT_COLUMNS = (
    col(Candidate.id),
    col(Candidate.account),
    col(Candidate.chinese_name),
    col(Candidate.national_id),
    col(Candidate.email),
    col(Candidate.mobile),
    col(Candidate.origin),
    col(Candidate.profile_complete),
)


def row_of(row: Any) -> CandidateRow:
    """A search hit from a ``Candidate`` or a row of :data:`HIT_COLUMNS`."""
    return CandidateRow(
        id=row.id,
        account=row.account,
        chinese_name=row.chinese_name,
        national_id_masked=national_id.mask(row.national_id),
        email_masked=delivery.mask_email(row.email),
        mobile_masked=delivery.mask_mobile(row.mobile),
        origin=row.origin,
        profile_complete=row.profile_complete,
    )
