"""Checking a group file's rows against the registration rules (:mod:`kiosk.core.rules`).

Each row is checked on its own (:func:`check_row`); :class:`Checker` adds what needs the rows
before it (an ID number given twice). A field that is given must pass its rules; the ID number,
the Chinese name and a way to receive the credentials (e-mail or mobile) are required; what else
is missing only makes the profile incomplete (the candidate completes it after the first login).

Each field's rules run once per row (a 100,000-row file is checked twice: preview and import),
and the answer says whether the profile is complete by the same rules as
``kiosk.core.accounts.profile.profile_errors`` (a test holds the two together). Why a row is bad
is said plainly (:func:`reason_text`): "身分證號：檢查碼錯誤", "身分證號：與第 3 列重複" — the
rules' own checklist lines ("檢查碼正確") are requirements, which read as the opposite of the
problem in a list of problems.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache, lru_cache
from typing import Any

from kiosk.core import national_id, rules, text_safety
from kiosk.infra.i18n import catalog, t

_RULE_FIELDS = ("english_surname", "english_given_name", "email", "mobile")
_GENDERS = {
    **{name: "M" for name in ("男", "男性", "M", "MALE")},
    **{name: "F" for name in ("女", "女性", "F", "FEMALE")},
}
_FOREIGN = {"外國籍", "FOREIGN", "外籍"}
_DOMESTIC = {"", "本國籍", "TW", "本國", "中華民國"}
TEXT_MAX = 80  # school, department, group unit


class RowStatus(StrEnum):
    OK = "ok"  # will be created
    BAD = "bad"  # breaks a rule: see reasons
    PRESENT = "present"  # the ID number is already in the store: nothing to create


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a row is bad: a field and a catalog key (``rules.*``, ``accounts.*``, ``text.*`` or
    ``group_import.reason.*``)."""

    field: str
    key: str
    values: Mapping[str, str] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RowCheck:
    """One data row as the preview shows it: never the full ID number."""

    line: int  # line in the file (the header is line 1 when it is the first row)
    status: RowStatus
    national_id_masked: str
    chinese_name: str
    reasons: tuple[Reason, ...] = ()
    profile_complete: bool = False

    def replaced(self, status: RowStatus, reasons: tuple[Reason, ...] = ()) -> RowCheck:
        return dataclasses.replace(self, status=status, reasons=self.reasons + reasons)


@dataclass(frozen=True, slots=True)
class Checked:
    check: RowCheck
    values: dict[str, Any]  # normalized columns, ready to insert (OK rows only)


def _errors(name: str, value: str, **context: str) -> list[str]:
    return [
        c.message_key
        for c in rules.check(name, value, **context)
        if not c.ok and c.severity == "error"
    ]


@lru_cache(maxsize=8192)
def _romanized(chinese_name: str) -> tuple[str, str]:
    """Tongyong for a name (names repeat in a unit's list: 陳怡君 is in most)."""
    from kiosk.core import romanize

    return romanize.english_name(chinese_name)


@cache
def _levels() -> dict[str, Any]:
    from kiosk.infra import assets

    return {level.code: level for level in assets.education_levels()}


@lru_cache(maxsize=256)
def _education(text: str) -> str | None:
    """The level's code for a code or a name (01-06, 大學, Bachelor); "" empty; None unknown."""
    text = unicodedata.normalize("NFKC", text).strip()
    if not text:
        return ""
    if text.isdigit():
        code = text.zfill(2)
        return code if code in _levels() else None
    folded = text.casefold().replace(" ", "")
    for level in _levels().values():
        names = (level.name_zh, level.name_en, level.name_zh.replace("/", ""))
        if folded in {n.casefold().replace(" ", "") for n in names}:
            return str(level.code)
    return None


def _mobile_typed(text: str) -> str:
    digits = unicodedata.normalize("NFKC", text).strip()
    # Excel drops the leading 0 of 0912345678 in a number cell
    if digits.isdigit() and len(digits) == 9 and digits.startswith("9"):
        digits = "0" + digits
    return digits


def _english(text: str) -> str:
    return " ".join(text.upper().split())


def check_row(line: int, raw: Mapping[str, str], *, unit: str) -> Checked:
    """One row against the registration rules (the store and the other rows not consulted)."""
    reasons: list[Reason] = []
    nid = national_id.normalize(raw.get("national_id", ""))
    nationality_text = unicodedata.normalize("NFKC", raw.get("nationality", "")).strip()
    if not nationality_text:  # no column or empty: the ID number's kind says which
        kind = national_id.shape_kind(nid)
        resident = kind in (national_id.Kind.RESIDENT_NEW, national_id.Kind.RESIDENT_OLD)
        nationality = "foreign" if resident else "TW"
    elif nationality_text.upper() in _FOREIGN or nationality_text in _FOREIGN:
        nationality = "foreign"
    elif nationality_text.upper() in _DOMESTIC or nationality_text in _DOMESTIC:
        nationality = "TW"
    else:
        nationality = "TW"
        reasons.append(Reason("nationality", "group_import.reason.nationality"))
    chinese_name = "".join(unicodedata.normalize("NFKC", raw.get("chinese_name", "")).split())
    gender_text = unicodedata.normalize("NFKC", raw.get("gender", "")).strip().upper()
    gender = _GENDERS.get(gender_text, "")
    if gender_text and not gender:
        reasons.append(Reason("gender", "group_import.reason.gender"))
    education = _education(raw.get("education", ""))
    if education is None:
        reasons.append(Reason("education", "group_import.reason.education"))
        education = ""
    given = {
        "english_surname": _english(raw.get("english_surname", "").strip()),
        "english_given_name": _english(raw.get("english_given_name", "").strip()),
        "email": raw.get("email", "").strip(),
        "mobile": _mobile_typed(raw.get("mobile", "")),
    }
    profile = {
        **given,
        "chinese_name": chinese_name,
        "gender": gender,
        "education": education,
        "school": raw.get("school", "").strip(),
        "department": raw.get("department", "").strip(),
    }
    if not profile["english_surname"] and not profile["english_given_name"]:
        # 註4: an empty English name takes MOFA's Tongyong romanization of the Chinese name
        profile["english_surname"], profile["english_given_name"] = _romanized(chinese_name)
    if not nid:
        reasons.append(Reason("national_id", "accounts.required"))
    else:
        reasons.extend(
            Reason("national_id", k) for k in _errors("national_id", nid, nationality=nationality)
        )
    # every profile field's rules run once; their answers serve both the reasons (for a field
    # that is given) and the completeness (every field)
    found = {name: _errors(name, profile[name]) for name in ("chinese_name", *_RULE_FIELDS)}
    reasons.extend(Reason("chinese_name", k) for k in found["chinese_name"])
    for name in _RULE_FIELDS:  # a given field (or a romanized name) must pass its rules
        if profile[name]:
            reasons.extend(Reason(name, k) for k in found[name])
    if not found["mobile"] and profile["mobile"]:
        # the rules passed, so it is (+886|0)9 and eight digits with separators: the stored
        # form is 0 and its last nine digits (rules.normalize_mobile would run the phone-number
        # library a second time per row)
        digits = "".join(
            ch for ch in unicodedata.normalize("NFKC", profile["mobile"]) if ch.isdigit()
        )
        profile["mobile"] = "0" + digits[-9:]
    if not given["email"] and not given["mobile"]:
        reasons.append(Reason("email", "group_import.reason.contact"))
    for name in ("school", "department"):
        if len(profile[name]) > TEXT_MAX:
            reasons.append(Reason(name, "accounts.too_long"))
    group_unit = (raw.get("group_unit", "") or unit).strip()
    if len(group_unit) > TEXT_MAX:
        reasons.append(Reason("group_unit", "accounts.too_long"))
    # A cell with control, bidi or invisible characters is refused whatever its field's rules
    # (school and department have none): it would reach other people's screens and the CSV.
    cells = {**raw, "group_unit": group_unit}
    for name in sorted(name for name, value in cells.items() if text_safety.has_unsafe(value)):
        if not any(r.field == name for r in reasons):
            reasons.append(Reason(name, text_safety.UNSAFE_KEY))
    complete = _complete(
        profile, found, unsafe=any(text_safety.has_unsafe(v) for v in profile.values())
    )
    status = RowStatus.BAD if reasons else RowStatus.OK
    check = RowCheck(
        line=line,
        status=status,
        national_id_masked=national_id.mask(nid) if nid else "",
        chinese_name=chinese_name[:20],
        reasons=tuple(reasons),
        profile_complete=complete,
    )
    if status is not RowStatus.OK:
        return Checked(check, {})
    values: dict[str, Any] = {
        **profile,
        "nationality": nationality,
        "national_id": nid,
        "group_unit": group_unit,
        "profile_complete": complete,
    }
    return Checked(check, values)


def _complete(profile: Mapping[str, str], found: Mapping[str, list[str]], *, unsafe: bool) -> bool:
    """What ``profile_errors`` says of a profile (no errors: complete), from rules already run."""
    if unsafe or any(found[name] for name in ("chinese_name", *_RULE_FIELDS)):
        return False
    if profile["gender"] not in ("M", "F"):
        return False
    level = _levels().get(profile["education"])
    if level is None:
        return False
    if level.needs_school and not (profile["school"].strip() and profile["department"].strip()):
        return False
    return len(profile["school"]) <= TEXT_MAX and len(profile["department"]) <= TEXT_MAX


class Checker:
    """Checks rows in file order: an ID number given again is bad in its later rows."""

    def __init__(self, unit: str) -> None:
        self.unit = unit
        self.first_line: dict[str, int] = {}

    def check(self, line: int, raw: Mapping[str, str]) -> Checked:
        item = check_row(line, raw, unit=self.unit)
        if item.check.status is not RowStatus.OK:
            return item
        nid = item.values["national_id"]
        first = self.first_line.setdefault(nid, line)
        if first != line:
            reason = Reason("national_id", "group_import.reason.duplicate", {"line": str(first)})
            return Checked(item.check.replaced(RowStatus.BAD, (reason,)), {})
        return item


def reason_text(reason: Reason, language: str) -> str:
    """What is wrong, plainly: ``<field>：<what is wrong>`` in ``language``.

    A rule with its own words for the failure (``group_import.wrong.<field>.<rule>``) says it
    (檢查碼錯誤); any other says which requirement is not met (未符合「…」)."""
    field_name = t(f"group_import.field.{reason.field}", language)
    wrong = _wrong_key(reason)
    if wrong in catalog(language):
        return t(
            "group_import.reason.format",
            language,
            field=field_name,
            wrong=t(wrong, language, **reason.values),
        )
    return t(
        "group_import.reason.unmet",
        language,
        field=field_name,
        rule=t(reason.key, language, **reason.values),
    )


def _wrong_key(reason: Reason) -> str:
    """The catalog key of a reason's failure wording."""
    parts = reason.key.split(".")
    if parts[0] == "rules" and len(parts) == 3:
        return f"group_import.wrong.{parts[1]}.{parts[2]}"
    return "group_import.wrong." + "_".join(parts[-2:])
