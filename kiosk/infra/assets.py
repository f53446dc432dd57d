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


def search(names: tuple[str, ...], text: str, limit: int = 20) -> list[str]:
    """Names containing every whitespace-separated part of ``text``; prefix matches first."""
    parts = text.split()
    if not parts:
        return list(names[:limit])
    hits = [n for n in names if all(p in n for p in parts)]
    hits.sort(key=lambda n: (not n.startswith(parts[0]), len(n)))
    return hits[:limit]
