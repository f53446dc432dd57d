"""Reference data shipped in ``kiosk/assets/``: schools, departments, education levels, iPAS
subjects, service desks and demo candidates. Sources and licences: ``assets/DATA-SOURCES.md``.

Lists are incomplete by nature, so pickers also accept 其他 (other) with free text; nothing here
refuses a school or department that is not listed.
"""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

ASSETS = Path(__file__).with_name("assets")
OTHER = "其他"


def _rows(name: str) -> list[dict[str, str]]:
    with (ASSETS / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@dataclass(frozen=True)
class EducationLevel:
    code: str
    name_zh: str
    name_en: str
    needs_school: bool


@dataclass(frozen=True)
class School:
    code: str
    name_zh: str
    name_en: str
    type: str
    county: str


@dataclass(frozen=True)
class Department:
    name_zh: str
    name_en: str
    field: str


@dataclass(frozen=True)
class Subject:
    subject_zh: str
    subject_en: str
    level: str
    exam_parts: tuple[str, ...]


@dataclass(frozen=True)
class ServiceDesk:
    certification_zh: str
    certification_en: str
    phone: str
    email: str


@cache
def education_levels() -> tuple[EducationLevel, ...]:
    return tuple(
        EducationLevel(r["code"], r["name_zh"], r["name_en"], r["needs_school"] == "yes")
        for r in _rows("education-levels.csv")
    )


def education_level(code: str) -> EducationLevel | None:
    return next((level for level in education_levels() if level.code == code), None)


@cache
def schools() -> tuple[School, ...]:
    return tuple(
        School(r["code"], r["name_zh"], r["name_en"], r["type"], r["county"])
        for r in _rows("schools-higher-ed.csv")
    )


@cache
def departments() -> tuple[Department, ...]:
    return tuple(
        Department(r["name_zh"], r["name_en"], r["field"]) for r in _rows("departments-common.csv")
    )


@cache
def subjects() -> tuple[Subject, ...]:
    return tuple(
        Subject(
            r["subject_zh"],
            r["subject_en"],
            r["level"],
            tuple(p for p in r["exam_parts"].split("|") if p),
        )
        for r in _rows("ipas-subjects.csv")
    )


@cache
def _parts_taken() -> dict[tuple[str, str], int]:
    return {
        (r["subject_zh"], r["level"]): int(r["parts_taken"]) for r in _rows("ipas-parts-taken.csv")
    }


def subject(subject_zh: str, level: str) -> Subject | None:
    return next((s for s in subjects() if s.subject_zh == subject_zh and s.level == level), None)


def parts_taken(subject_zh: str, level: str) -> int:
    """How many parts (科目) a candidate sits: every part listed, unless
    ``ipas-parts-taken.csv`` says otherwise (a choice between parts); 0 when none is listed."""
    found = subject(subject_zh, level)
    listed = len(found.exam_parts) if found else 0
    return _parts_taken().get((subject_zh, level), listed) if listed else 0


@dataclass(frozen=True)
class EnglishName:
    """An English rendering of an iPAS certification or exam-part name; ``official`` only when
    iPAS publishes it (``ipas-names-en.csv``; so far none is)."""

    name_en: str
    official: bool


@cache
def _english_names() -> dict[str, EnglishName]:
    return {
        r["name_zh"]: EnglishName(r["name_en"], r["official"] == "yes")
        for r in _rows("ipas-names-en.csv")
    }


def english_name(name_zh: str) -> EnglishName | None:
    """The English rendering of a certification or exam-part name; None when none is listed."""
    return _english_names().get(name_zh)


@cache
def service_desks() -> tuple[ServiceDesk, ...]:
    return tuple(
        ServiceDesk(r["certification_zh"], r["certification_en"], r["phone"], r["email"])
        for r in _rows("service-desks.csv")
    )


def demo_candidates() -> list[dict[str, Any]]:
    with (ASSETS / "demo-candidates.toml").open("rb") as handle:
        return list(tomllib.load(handle)["candidate"])


_FORMAL_PREFIXES = ("國立", "私立")


def abbreviation_rank(name: str, text: str) -> tuple[bool, int] | None:
    """How well ``text`` reads as an abbreviation of ``name``; smaller is better, None: not one.

    No sourced list of school abbreviations was found (``assets/DATA-SOURCES.md``), so they are
    recognised by the rule people abbreviate by: the characters typed appear in the name in the
    same order, the name read without its 國立/私立 prefix and with 台 and 臺 alike — 台大 in
    國立臺灣大學, 清大 in 國立清華大學, 北科 in 國立臺北科技大學, 資工 in 資訊工程學系. The rank:
    first whether the abbreviation starts where the name does (台科大: 臺灣科技大學 before
    南臺科技大學), then how many characters it spans (北科: 臺北科技大學 before 臺北城市科技大學).
    Equal ranks keep the list's order (schools: the MOE code's, so 台大 lists 國立臺灣大學 before
    國立臺北大學).
    """
    wanted = text.replace("台", "臺")
    body = name.replace("台", "臺")
    for prefix in _FORMAL_PREFIXES:
        body = body.removeprefix(prefix)
    best: tuple[bool, int] | None = None
    for start, char in enumerate(body):
        if char != wanted[0]:
            continue
        at = start
        for later in wanted[1:]:
            at = body.find(later, at + 1)
            if at < 0:
                break
        else:
            rank = (start > 0, at - start + 1)
            best = rank if best is None else min(best, rank)
    return best


def search_abbreviation(names: tuple[str, ...], text: str, limit: int = 20) -> list[str]:
    """Names ``text`` abbreviates (see :func:`abbreviation_rank`), the likeliest first; only for
    two or more characters typed without spaces (one character would match half the list)."""
    if len(text) < 2 or text.isascii() or any(ch.isspace() for ch in text):
        return []
    ranks = {name: abbreviation_rank(name, text) for name in names}
    hits = [name for name in names if ranks[name] is not None]
    hits.sort(key=lambda name: ranks[name] or (False, 0))  # stable: ties keep the list's order
    return hits[:limit]


def search(names: tuple[str, ...], text: str, limit: int = 20) -> list[str]:
    """Names containing every whitespace-separated part of ``text``; prefix matches first."""
    parts = text.split()
    if not parts:
        return list(names[:limit])
    hits = [n for n in names if all(p in n for p in parts)]
    hits.sort(key=lambda n: (not n.startswith(parts[0]), len(n)))
    return hits[:limit]
