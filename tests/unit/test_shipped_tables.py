"""The tables shipped instead of pypinyin and zxcvbn (``tools/make_assets.py``) still say what
those libraries say; names romanize exactly as they did when pypinyin read them at run time."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from kiosk.core import romanize
from kiosk.core.romanize import english_name
from kiosk.infra import assets, readings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def make_assets() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_assets", ROOT / "tools" / "make_assets.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_readings_table_is_what_pypinyin_gives_today(make_assets: ModuleType) -> None:
    shipped = readings.TABLE.read_text(encoding="utf-8")
    assert shipped == make_assets.readings_text(), "run tools/make_assets.py"


def test_the_common_passwords_are_zxcvbns_folded(make_assets: ModuleType) -> None:
    shipped = (assets.ASSETS / "common-passwords.txt").read_text(encoding="utf-8")
    assert shipped == make_assets.passwords_text(), "run tools/make_assets.py"


def _pypinyin_hanyu(chars: str, *, surname: bool) -> list[str] | None:
    """``romanize._hanyu`` as it was while pypinyin read names at run time (the reference)."""
    os.environ.setdefault("PYPINYIN_NO_DICT_COPY", "1")
    from pypinyin import Style, lazy_pinyin
    from pypinyin.pinyin_dict import pinyin_dict

    if not all(ord(char) in pinyin_dict for char in chars):
        return None
    if surname and chars in romanize._COMPOUND_SURNAMES:
        return list(romanize._COMPOUND_SURNAMES[chars])
    found = lazy_pinyin(chars, style=Style.NORMAL)
    if len(found) != len(chars):
        return None
    return [
        (romanize._SURNAME_READINGS.get(char) if surname else None)
        or romanize._NAME_READINGS.get(char)
        or reading
        for char, reading in zip(chars, found, strict=True)
    ]


def _names() -> list[str]:
    """Every surname in the module's tables with a given name, the demo candidates, every
    ideograph pypinyin reads as a one-character given name, and every phrase of pypinyin's
    dictionary as a given name (one and two characters: the given names of nearly everyone)."""
    from pypinyin.phrases_dict import phrases_dict

    surnames = [*romanize._COMPOUND_SURNAMES, *romanize._SURNAME_READINGS, "王", "張", "陳"]
    names = [s + given for s in surnames for given in ("明", "志明", "重光", "長榮")]
    names += [c["chinese_name"] for c in assets.demo_candidates()]
    table, _, _, _, _ = readings._table()
    names += ["王" + char for char in table]
    names += ["林" + phrase for phrase in phrases_dict if len(phrase) in (2, 3)]
    names += [phrase + "明" for phrase in phrases_dict if len(phrase) == 2]  # 雙姓 / 冠夫姓 + 2
    return names


def test_every_shipped_name_romanizes_as_it_did_with_pypinyin(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    names = _names()
    assert len(names) > 80_000
    now = {name: english_name(name) for name in names}
    monkeypatch.setattr(romanize, "_hanyu", _pypinyin_hanyu)
    before = {name: english_name(name) for name in names}
    assert before["王重"] == ("WANG", "JHONG") and before["林重光"] == ("LIN", "CHONG-GUANG")
    assert {n: (now[n], before[n]) for n in names if now[n] != before[n]} == {}


def test_romanizing_imports_neither_pypinyin_nor_zxcvbn() -> None:
    code = (
        "import sys\n"
        "from kiosk.core.romanize import english_name\n"
        "from kiosk.core import rules\n"
        "assert english_name('林重光') == ('LIN', 'CHONG-GUANG')\n"
        "assert not rules.is_valid('password', 'P@ssw0rd1234#')\n"
        "assert 'pypinyin' not in sys.modules and 'zxcvbn' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_every_listed_password_is_found_and_nothing_else() -> None:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    from kiosk.core import rules

    common = rules._common_passwords()
    listed = {rules._fold(w) for w in FREQUENCY_LISTS["passwords"] if len(w) >= 4}
    assert all(word in common for word in listed)
    near = {word + "\x7f" for word in listed} | {word[:-1] for word in listed} | {"", "~~~~"}
    assert not [word for word in near - listed if word in common]
    assert common.longest == max(map(len, listed))
