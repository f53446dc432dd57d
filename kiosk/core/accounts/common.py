"""What the account use cases share: the candidate as screens see it, field errors, how names
compare, and what the audit may say about an account someone typed."""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from typing import Protocol

from kiosk.core import audit, national_id, rules, text_safety
from kiosk.infra.config import Settings
from kiosk.infra.tables import Candidate

REQUIRED = "accounts.required"
FieldErrors = dict[str, list[str]]


class CaptchaCheck(Protocol):
    """What the use cases need of a captcha (``kiosk.core.captcha.Captcha`` fits)."""

    def verify(self, text: str) -> bool: ...


@dataclass(frozen=True)
class CandidateView:
    """A detached snapshot for the screens: the ID only masked, no hashes."""

    id: int
    account: str
    chinese_name: str
    english_surname: str
    english_given_name: str
    nationality: str
    national_id_masked: str
    email: str
    mobile: str
    gender: str
    education: str
    school: str
    department: str
    origin: str
    group_unit: str
    profile_complete: bool

    @classmethod
    def of(cls, row: Candidate) -> CandidateView:
        assert row.id is not None
        return cls(
            id=row.id,
            account=row.account,
            chinese_name=row.chinese_name,
            english_surname=row.english_surname,
            english_given_name=row.english_given_name,
            nationality=row.nationality,
            national_id_masked=national_id.mask(row.national_id),
            email=row.email,
            mobile=row.mobile,
            gender=row.gender,
            education=row.education,
            school=row.school,
            department=row.department,
            origin=row.origin,
            group_unit=row.group_unit,
            profile_complete=row.profile_complete,
        )


def errors_of(field_name: str, value: str, **context: str) -> list[str]:
    return [
        c.message_key
        for c in rules.check(field_name, value, **context)
        if not c.ok and c.severity == "error"
    ]


def normalize_name(name: str) -> str:
    """Compare names as people type them: NFKC, no spaces (an IME may add full-width ones)."""
    return "".join(unicodedata.normalize("NFKC", name).split())


def same_name(a: str, b: str) -> bool:
    return secrets.compare_digest(normalize_name(a).encode(), normalize_name(b).encode())


def ticket_hash(ticket: str) -> str:
    return hashlib.sha256(ticket.encode("utf-8", "surrogatepass")).hexdigest()


def audit_account(typed: str, row: Candidate | None, settings: Settings) -> str:
    """What an audit row may say about the account typed: the real one when it names an
    account; anything else (a password typed into the wrong box passes the account rules, an ID
    number…) only as a keyed hash (``kiosk.core.audit.unknown_account``)."""
    if row is not None:
        return row.account
    return audit.unknown_account(typed, settings)


def shape_errors(**values: str) -> FieldErrors:
    """Fields whose text as a whole cannot be taken: too long, or holding control, bidi or other
    invisible characters (``kiosk.core.text_safety``). Checked before anything else looks at
    them."""
    errors: FieldErrors = {}
    for name, value in values.items():
        found = text_safety.problem(value)
        if found:
            errors[name] = [found]
    return errors
