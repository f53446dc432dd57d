"""The default English name: a Chinese name in MOFA Tongyong Pinyin, passport form.

The portal's 註4 says an empty 英文譯名 is filled by the organizer with the Ministry of Foreign
Affairs' 通用拼音 (Tongyong Pinyin) romanization, so the registration screen shows that
romanization as the default before saving. :func:`english_name` computes it.

The Tongyong mapping is hand-written because no library has it: the Hanyu Pinyin syllables come
from pypinyin's readings (``Style.NORMAL``, shipped as a table), and :func:`tongyong` rewrites
one Hanyu syllable into Tongyong.

Passport form, as MOFA's consular bureau writes it (范姜大明 → ``FANJIANG, DA-MING``):

- upper case, surname and given name apart (the form's two boxes, 註5);
- the given name's syllables joined by hyphens: 張志明 → ``("JHANG", "JHIH-MING")``;
- a compound surname (複姓) is one surname written as one word, no hyphen: 歐陽 → ``OUYANG``,
  張簡 → ``JHANGJIAN``.

Decisions beyond the plain syllable mapping:

- Surnames are read from a table where pypinyin's everyday reading is wrong for a surname
  (曾 zeng, not ceng; 單 shan, not dan …), and the compound surnames carry their whole reading.
- A few characters are read the Taiwanese way in every part of a name: 長 cháng (pypinyin says
  zhǎng), 柏 bó (pypinyin says bǎi; 柏翰 is PO-HAN in Wade-Giles passports).
- Splitting: a listed compound surname first; otherwise a name of two or three characters has a
  one-character surname, and a four-character name is two surnames and a two-character given name
  (張陳麗玲: a married woman's 冠夫姓, or a family's 雙姓; MOFA accepts the two surnames as one
  word, as in its Wade-Giles example ``CHANGCHEN``). Longer names without a listed compound
  surname are not guessed at.
- Names it cannot romanize come back ``("", "")``, never wrong-looking: empty, one character,
  anything but CJK ideographs (digits, Latin letters, inner spaces), characters pypinyin cannot
  read, and results longer than a passport's 39 letters. Names with a middle dot (``·`` or ``‧``),
  used for transliterated foreign names and for Indigenous names (瓦歷斯·諾幹), come back empty
  too: romanizing a transliteration syllable by syllable never gives the person's real name.
- The readings come from a table generated from pypinyin (``kiosk.infra.readings``, built by
  ``tools/make_assets.py``): each ideograph's own reading and the phrases pypinyin reads
  otherwise. pypinyin itself (≈ 55 MiB and 0.3 s to import) is a test dependency, and
  ``tests/unit/test_shipped_tables.py`` checks the table and this module's answers against it.
"""

from __future__ import annotations

import unicodedata
from typing import TypeVar

PASSPORT_NAME_LIMIT = 39
"""MOFA: surname and given name together, spaces included, at most 39 letters."""

_INITIALS: tuple[str, ...] = (
    "zh", "ch", "sh",
    "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q", "x", "r", "z", "c", "s",
    "y", "w",
)  # fmt: skip
"""Hanyu initials, two-letter ones first so ``zh`` is not read as ``z``; y and w included."""

_FINALS: frozenset[str] = frozenset({
    "a", "o", "e", "ai", "ei", "ao", "ou", "an", "en", "ang", "eng", "ong", "er",
    "i", "ia", "ie", "iao", "iu", "ian", "in", "iang", "ing", "iong",
    "u", "ua", "uo", "uai", "ui", "uan", "un", "uang", "ue",
    "v", "ve", "van", "vn",
})  # fmt: skip
"""Every final a Hanyu syllable can end with once its initial is removed (``v`` for ü)."""

_WHOLE_SYLLABLES: dict[str, str] = {
    # Interjections without a vowel, and ê, which Tongyong writes plainly as e.
    "m": "m",
    "n": "n",
    "ng": "ng",
    "hm": "hm",
    "hng": "hng",
    "ê": "e",
}

_SIBILANT_I = frozenset({"zh", "ch", "sh", "r", "z", "c", "s"})
"""Initials after which Hanyu ``i`` is the empty rime (空韻), which Tongyong writes ``ih``."""

_TONGYONG_INITIALS: dict[str, str] = {"zh": "jh", "q": "c", "x": "s"}

_COMPOUND_SURNAMES: dict[str, tuple[str, str]] = {
    "張簡": ("zhang", "jian"),
    "歐陽": ("ou", "yang"),
    "范姜": ("fan", "jiang"),
    "周黃": ("zhou", "huang"),
    "張廖": ("zhang", "liao"),
    "司馬": ("si", "ma"),
    "諸葛": ("zhu", "ge"),
    "上官": ("shang", "guan"),
    "司徒": ("si", "tu"),
    "夏侯": ("xia", "hou"),
    "東方": ("dong", "fang"),
    "皇甫": ("huang", "fu"),
    "公孫": ("gong", "sun"),
    "慕容": ("mu", "rong"),
    "尉遲": ("yu", "chi"),
    "長孫": ("zhang", "sun"),
    "令狐": ("ling", "hu"),
    "端木": ("duan", "mu"),
    "西門": ("xi", "men"),
    "南宮": ("nan", "gong"),
    "呼延": ("hu", "yan"),
    "軒轅": ("xuan", "yuan"),
    "鍾離": ("zhong", "li"),
    "澹臺": ("tan", "tai"),
    "宇文": ("yu", "wen"),
    "万俟": ("mo", "qi"),
    "單于": ("chan", "yu"),
}
"""Compound surnames (複姓) with their Hanyu readings, which pypinyin often gets wrong."""

_SURNAME_READINGS: dict[str, str] = {
    "曾": "zeng",
    "單": "shan",
    "區": "ou",
    "解": "xie",
    "仇": "qiu",
    "樂": "yue",
    "朴": "piao",
    "查": "zha",
    "蓋": "ge",
    "繆": "miao",
    "種": "chong",
    "召": "shao",
    "秘": "bi",
    "折": "she",
    "翟": "zhai",
    # Beyond the surname table measured first: pypinyin reads these zhan, bo, bao, dou, yuan and bi.
    "粘": "nian",
    "卜": "bu",
    "薄": "bo",
    "都": "du",
    "員": "yun",
    "賁": "ben",
}
"""Hanyu readings of single characters as surnames, where pypinyin's default reading is wrong."""

_NAME_READINGS: dict[str, str] = {
    "長": "chang",
    "柏": "bo",
}
"""Taiwanese readings of characters anywhere in a name (the surname table wins over these)."""

_SIMPLIFIED: dict[str, str] = {
    "张简": "張簡", "欧阳": "歐陽", "周黄": "周黃", "张廖": "張廖", "司马": "司馬",
    "诸葛": "諸葛", "东方": "東方", "公孙": "公孫", "尉迟": "尉遲", "长孙": "長孫",
    "西门": "西門", "南宫": "南宮", "轩辕": "軒轅", "钟离": "鍾離", "澹台": "澹臺",
    "单于": "單于", "单": "單", "区": "區", "乐": "樂", "盖": "蓋", "缪": "繆", "种": "種",
    "员": "員", "贲": "賁", "长": "長",
}  # fmt: skip
"""Simplified spellings of the table entries (澹台 is also how Taiwan often writes 澹臺)."""

_T = TypeVar("_T")


def _with_simplified(table: dict[str, _T]) -> dict[str, _T]:
    return table | {simple: table[full] for simple, full in _SIMPLIFIED.items() if full in table}


_COMPOUND_SURNAMES = _with_simplified(_COMPOUND_SURNAMES)
_SURNAME_READINGS = _with_simplified(_SURNAME_READINGS)
_NAME_READINGS = _with_simplified(_NAME_READINGS)


def tongyong(syllable: str) -> str:
    """Rewrite one toneless Hanyu Pinyin syllable in Tongyong Pinyin, lower case.

    ü may be written ``v`` (pypinyin's ``Style.NORMAL`` default: 女 → ``nv``, 略 → ``lve``),
    ``ü`` (``v_to_u=True``) or ``u:``; case does not matter. Rules: zh→jh, q→c, x→s; the empty
    rime after zh ch sh r z c s is ``ih`` (zhi→jhih, si→sih); ü is ``yu`` everywhere (ju→jyu,
    lü→lyu, xue→syue, quan→cyuan, jun→jyun), iong is ``yong`` (xiong→syong); iu→iou, ui→uei;
    eng after f and w is ``ong`` (feng→fong, weng→wong; beng, peng and meng stay); wen→wun.

    Args:
        syllable: One Hanyu syllable without tone mark or number, e.g. ``"zhi"`` or ``"lv"``.

    Returns:
        The Tongyong syllable in lower case, e.g. ``"jhih"`` or ``"lyu"``.

    Raises:
        ValueError: ``syllable`` is not shaped like a Hanyu syllable.
    """
    text = syllable.strip().lower().replace("u:", "v").replace("ü", "v")
    if text in _WHOLE_SYLLABLES:
        return _WHOLE_SYLLABLES[text]
    initial = next((i for i in _INITIALS if text.startswith(i) and len(text) > len(i)), "")
    final = text[len(initial) :]
    if final not in _FINALS:
        raise ValueError(f"not a Hanyu Pinyin syllable: {syllable!r}")
    if initial in {"j", "q", "x"}:
        if final[0] not in "iuv":
            raise ValueError(f"not a Hanyu Pinyin syllable: {syllable!r}")
        if final[0] == "u":  # after j q x, Hanyu writes ü as u
            final = "v" + final[1:]
    elif initial in {"l", "n"} and final == "ue":  # older spelling of lüe, nüe
        final = "ve"
    elif final[0] == "v" and initial not in {"l", "n"}:
        raise ValueError(f"not a Hanyu Pinyin syllable: {syllable!r}")
    if initial == "y":  # yu, yue, yuan, yun, yong are already Tongyong
        return text
    if initial == "w":
        return {"eng": "wong", "en": "wun"}.get(final, text)
    if final == "i" and initial in _SIBILANT_I:
        final = "ih"
    elif final == "iu":
        final = "iou"
    elif final == "ui":
        final = "uei"
    elif final == "iong":
        final = "yong"
    elif final.startswith("v"):
        final = "yu" + final[1:]
    elif final == "eng" and initial == "f":
        final = "ong"
    return _TONGYONG_INITIALS.get(initial, initial) + final


def _is_ideograph(char: str) -> bool:
    return unicodedata.name(char, "").startswith(
        ("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH")
    )


def surname_split(chinese_name: str) -> tuple[str, str]:
    """Split a Chinese name into its surname and given-name characters.

    A listed compound surname comes first (歐陽娜娜 → 歐陽, 娜娜); otherwise two- and
    three-character names have a one-character surname and four-character names two surnames
    (冠夫姓 or 雙姓: 張陳麗玲 → 張陳, 麗玲). A two-character name is always one and one.

    Args:
        chinese_name: The name as typed; surrounding whitespace is ignored.

    Returns:
        ``(surname, given_name)`` characters, or ``("", "")`` when the text is not a name this
        module romanizes (see the module docstring).
    """
    name = unicodedata.normalize("NFC", chinese_name.strip())
    if len(name) < 2 or not all(_is_ideograph(char) for char in name):
        return "", ""
    if len(name) >= 3 and name[:2] in _COMPOUND_SURNAMES:
        return name[:2], name[2:]
    if len(name) <= 3:
        return name[:1], name[1:]
    if len(name) == 4:
        return name[:2], name[2:]
    return "", ""


def _hanyu(chars: str, *, surname: bool) -> list[str] | None:
    """Hanyu readings of ``chars``, one per character, or None if the table cannot read one."""
    from kiosk.infra import readings as table

    if surname and chars in _COMPOUND_SURNAMES:
        return list(_COMPOUND_SURNAMES[chars]) if table.read(chars) is not None else None
    # The whole part at once, so a listed phrase gives its own readings (重光 chong).
    readings = table.read(chars)
    if readings is None or len(readings) != len(chars):
        return None
    return [
        (_SURNAME_READINGS.get(char) if surname else None) or _NAME_READINGS.get(char) or reading
        for char, reading in zip(chars, readings, strict=True)
    ]


def english_name(chinese_name: str) -> tuple[str, str]:
    """The MOFA Tongyong Pinyin passport spelling of a Chinese name.

    Args:
        chinese_name: The name as typed, e.g. ``"張志明"``; surrounding whitespace is ignored.

    Returns:
        ``(surname, given_name)`` in upper case, e.g. ``("JHANG", "JHIH-MING")``, or
        ``("", "")`` when the name cannot be romanized with confidence. Never raises.
    """
    surname_chars, given_chars = surname_split(chinese_name)
    if not surname_chars:
        return "", ""
    surname_hanyu = _hanyu(surname_chars, surname=True)
    given_hanyu = _hanyu(given_chars, surname=False)
    if surname_hanyu is None or given_hanyu is None:
        return "", ""
    try:
        surname = "".join(tongyong(syllable) for syllable in surname_hanyu).upper()
        given = "-".join(tongyong(syllable) for syllable in given_hanyu).upper()
    except ValueError:
        return "", ""
    if len(surname) + 1 + len(given) > PASSPORT_NAME_LIMIT:
        return "", ""
    return surname, given
