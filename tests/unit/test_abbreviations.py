"""School and department abbreviations by the documented rule (``assets.abbreviation_rank``)."""

from __future__ import annotations

import pytest

from kiosk.infra import assets


def schools() -> tuple[str, ...]:
    return tuple(school.name_zh for school in assets.schools())


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("台大", "國立臺灣大學"),
        ("臺大", "國立臺灣大學"),
        ("清大", "國立清華大學"),
        ("北科", "國立臺北科技大學"),
        ("北科大", "國立臺北科技大學"),
        ("台科大", "國立臺灣科技大學"),  # starts where the name does: before 南臺科技大學
        ("成大", "國立成功大學"),
        ("交大", "國立陽明交通大學"),
    ],
)
def test_common_school_abbreviations_list_the_school_first(typed: str, first: str) -> None:
    assert assets.search_abbreviation(schools(), typed, 6)[0] == first


def test_department_abbreviations_and_what_is_not_one() -> None:
    departments = tuple(d.name_zh for d in assets.departments())
    assert assets.search_abbreviation(departments, "資工", 6)[0].startswith("資訊工程")
    assert assets.abbreviation_rank("國立清華大學", "大清") is None  # order matters
    assert assets.search_abbreviation(schools(), "大", 6) == []  # one character: too many
    assert assets.search_abbreviation(schools(), "ntu", 6) == []  # English has its own search
