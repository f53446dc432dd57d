"""The default English name: Tongyong Pinyin syllables, surnames and passport form."""

from __future__ import annotations

import re
import subprocess
import sys
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.core.romanize import PASSPORT_NAME_LIMIT, english_name, surname_split, tongyong

# --- tongyong(): one syllable ------------------------------------------------------------------

RULE_PAIRS: dict[str, list[tuple[str, str]]] = {
    "zh becomes jh": [
        ("zha", "jha"), ("zhai", "jhai"), ("zhan", "jhan"), ("zhang", "jhang"), ("zhao", "jhao"),
        ("zhe", "jhe"), ("zhei", "jhei"), ("zhen", "jhen"), ("zheng", "jheng"),
        ("zhong", "jhong"), ("zhou", "jhou"), ("zhu", "jhu"), ("zhua", "jhua"),
        ("zhuai", "jhuai"), ("zhuan", "jhuan"), ("zhuang", "jhuang"), ("zhun", "jhun"),
        ("zhuo", "jhuo"),
    ],
    "q becomes c": [
        ("qi", "ci"), ("qia", "cia"), ("qian", "cian"), ("qiang", "ciang"), ("qiao", "ciao"),
        ("qie", "cie"), ("qin", "cin"), ("qing", "cing"),
    ],
    "x becomes s": [
        ("xi", "si"), ("xia", "sia"), ("xian", "sian"), ("xiang", "siang"), ("xiao", "siao"),
        ("xie", "sie"), ("xin", "sin"), ("xing", "sing"),
    ],
    "empty rime is ih": [
        ("zhi", "jhih"), ("chi", "chih"), ("shi", "shih"), ("ri", "rih"), ("zi", "zih"),
        ("ci", "cih"), ("si", "sih"),
    ],
    "ü is yu": [
        ("ju", "jyu"), ("qu", "cyu"), ("xu", "syu"), ("lv", "lyu"), ("nv", "nyu"),
        ("lü", "lyu"), ("nü", "nyu"), ("lu:", "lyu"), ("jv", "jyu"),
        ("jue", "jyue"), ("que", "cyue"), ("xue", "syue"), ("lve", "lyue"), ("nve", "nyue"),
        ("lüe", "lyue"), ("nüe", "nyue"), ("lue", "lyue"), ("nue", "nyue"),
        ("juan", "jyuan"), ("quan", "cyuan"), ("xuan", "syuan"),
        ("jun", "jyun"), ("qun", "cyun"), ("xun", "syun"),
        ("yu", "yu"), ("yue", "yue"), ("yuan", "yuan"), ("yun", "yun"),
    ],
    "iong is yong": [
        ("jiong", "jyong"), ("qiong", "cyong"), ("xiong", "syong"), ("yong", "yong"),
    ],
    "iu is iou": [
        ("liu", "liou"), ("jiu", "jiou"), ("qiu", "ciou"), ("xiu", "siou"), ("niu", "niou"),
        ("diu", "diou"), ("miu", "miou"), ("you", "you"),
    ],
    "ui is uei": [
        ("gui", "guei"), ("hui", "huei"), ("zhui", "jhuei"), ("dui", "duei"), ("tui", "tuei"),
        ("kui", "kuei"), ("chui", "chuei"), ("shui", "shuei"), ("rui", "ruei"),
        ("zui", "zuei"), ("cui", "cuei"), ("sui", "suei"), ("wei", "wei"),
    ],
    "eng is ong after f and w only; wen is wun": [
        ("feng", "fong"), ("weng", "wong"), ("wen", "wun"),
        ("beng", "beng"), ("peng", "peng"), ("meng", "meng"), ("deng", "deng"),
        ("leng", "leng"), ("geng", "geng"), ("heng", "heng"), ("cheng", "cheng"),
    ],
    "unchanged": [
        ("yi", "yi"), ("wu", "wu"), ("ya", "ya"), ("ye", "ye"), ("yao", "yao"), ("yan", "yan"),
        ("yin", "yin"), ("ying", "ying"), ("yang", "yang"), ("yo", "yo"), ("wa", "wa"),
        ("wo", "wo"), ("wai", "wai"), ("wan", "wan"), ("wang", "wang"),
        ("a", "a"), ("o", "o"), ("e", "e"), ("er", "er"), ("ai", "ai"), ("ou", "ou"),
        ("ba", "ba"), ("bo", "bo"), ("po", "po"), ("mo", "mo"), ("fo", "fo"), ("fu", "fu"),
        ("lu", "lu"), ("nu", "nu"), ("cu", "cu"), ("su", "su"), ("zu", "zu"), ("ru", "ru"),
        ("chu", "chu"), ("shu", "shu"), ("dun", "dun"), ("lun", "lun"), ("shun", "shun"),
        ("cun", "cun"), ("sun", "sun"), ("chen", "chen"), ("chuan", "chuan"),
        ("ruan", "ruan"), ("huang", "huang"), ("lin", "lin"), ("ming", "ming"),
        ("jia", "jia"), ("jian", "jian"), ("jiang", "jiang"), ("jie", "jie"), ("jin", "jin"),
        ("jing", "jing"), ("ji", "ji"), ("cai", "cai"), ("zeng", "zeng"), ("se", "se"),
    ],
    "interjections and ê": [
        ("m", "m"), ("n", "n"), ("ng", "ng"), ("hm", "hm"), ("hng", "hng"), ("ê", "e"),
    ],
}  # fmt: skip

EXPLICIT_PAIRS = [pair for pairs in RULE_PAIRS.values() for pair in pairs]


def test_there_are_enough_explicit_pairs() -> None:
    assert len(EXPLICIT_PAIRS) >= 60
    assert len({hanyu for hanyu, _ in EXPLICIT_PAIRS}) == len(EXPLICIT_PAIRS)


@pytest.mark.parametrize(("hanyu", "expected"), EXPLICIT_PAIRS)
def test_tongyong_explicit_pairs(hanyu: str, expected: str) -> None:
    assert tongyong(hanyu) == expected


@pytest.mark.parametrize("spelling", ["Lü", "LV", " lv ", "LU:"])
def test_tongyong_ignores_case_spaces_and_u_umlaut_spelling(spelling: str) -> None:
    assert tongyong(spelling) == "lyu"


@pytest.mark.parametrize(
    "not_a_syllable", ["", "  ", "q", "y", "v", "ü", "qa", "jo", "xe", "bv", "yv", "hello",
                       "zhi1", "zhī", "a-b", "ㄓ", "張"],
)  # fmt: skip
def test_tongyong_refuses_what_is_not_a_syllable(not_a_syllable: str) -> None:
    with pytest.raises(ValueError, match="not a Hanyu Pinyin syllable"):
        tongyong(not_a_syllable)


@pytest.fixture(scope="module")
def pypinyin_syllables() -> set[str]:
    """Every toneless syllable pypinyin can produce: all readings of all characters and phrases.

    pypinyin's ``Style.NORMAL`` is ``to_normal`` of these readings; ``v_to_u`` switches ``v``
    to ``ü``, so both spellings are collected.
    """
    from pypinyin.contrib.tone_convert import to_normal
    from pypinyin.phrases_dict import phrases_dict
    from pypinyin.pinyin_dict import pinyin_dict

    marked = {reading for value in pinyin_dict.values() for reading in value.split(",")}
    marked |= {reading for value in phrases_dict.values() for item in value for reading in item}
    syllables = {to_normal(reading) for reading in marked}
    syllables |= {to_normal(reading, v_to_u=True) for reading in marked}
    assert len(syllables) > 400  # the standard inventory is about 410, plus pypinyin's extras
    return syllables


def test_every_pypinyin_syllable_maps_to_lower_case_ascii(pypinyin_syllables: set[str]) -> None:
    bad = {}
    for syllable in pypinyin_syllables:
        result = tongyong(syllable)
        if not re.fullmatch("[a-z]+", result) or re.search("[qxv]|zh", result):
            bad[syllable] = result
    assert bad == {}


def test_distinct_syllables_stay_distinct(pypinyin_syllables: set[str]) -> None:
    """Tongyong is as unambiguous as Hanyu, but for two merges Tongyong makes on purpose."""
    by_tongyong: dict[str, set[str]] = {}
    for syllable in pypinyin_syllables:
        by_tongyong.setdefault(tongyong(syllable), set()).add(syllable.replace("ü", "v"))
    merged = {key: value for key, value in by_tongyong.items() if len(value) > 1}
    # ê is written e; pypinyin has a rare "wong" reading, which is what weng becomes anyway.
    assert merged == {"e": {"e", "ê"}, "wong": {"weng", "wong"}}


def test_v_and_u_umlaut_spellings_agree(pypinyin_syllables: set[str]) -> None:
    for syllable in pypinyin_syllables:
        assert tongyong(syllable) == tongyong(syllable.replace("ü", "v"))


def test_pypinyin_spells_u_umlaut_as_v_by_default() -> None:
    """What ``Style.NORMAL`` returns for 女, 綠, 呂 and 略, and what we make of it."""
    from pypinyin import Style, lazy_pinyin

    assert lazy_pinyin("女綠呂略", style=Style.NORMAL) == ["nv", "lv", "lv", "lve"]
    assert lazy_pinyin("女綠呂略", style=Style.NORMAL, v_to_u=True) == ["nü", "lü", "lü", "lüe"]
    assert [tongyong(s) for s in ("nv", "lv", "lve")] == ["nyu", "lyu", "lyue"]


# --- english_name(): whole names ---------------------------------------------------------------

NAME_VECTORS = [
    ("張志明", ("JHANG", "JHIH-MING")),
    ("歐陽娜娜", ("OUYANG", "NA-NA")),
    ("曾小華", ("ZENG", "SIAO-HUA")),
    ("區家麟", ("OU", "JIA-LIN")),
    ("蕭心恬", ("SIAO", "SIN-TIAN")),
    ("諸葛亮", ("JHUGE", "LIANG")),
    ("張簡志明", ("JHANGJIAN", "JHIH-MING")),
    ("呂秀蓮", ("LYU", "SIOU-LIAN")),
    ("林長榮", ("LIN", "CHANG-RONG")),  # 長 in names is cháng
    ("陳柏翰", ("CHEN", "BO-HAN")),  # 柏 in Taiwan is bó
    ("王小明", ("WANG", "SIAO-MING")),
    ("范姜大明", ("FANJIANG", "DA-MING")),  # MOFA's own example: FANJIANG, DA-MING
    ("李安", ("LI", "AN")),
    ("單于庭", ("CHANYU", "TING")),
    ("尉遲恭", ("YUCHIH", "GONG")),
    ("歐陽靖翔", ("OUYANG", "JING-SIANG")),
    ("欧阳娜娜", ("OUYANG", "NA-NA")),  # simplified spellings of the tables work too
]


@pytest.mark.parametrize(("chinese_name", "expected"), NAME_VECTORS)
def test_english_name_vectors(chinese_name: str, expected: tuple[str, str]) -> None:
    assert english_name(chinese_name) == expected


SURNAMES = {
    "徐": "SYU", "鄭": "JHENG", "許": "SYU", "謝": "SIE", "周": "JHOU", "邱": "CIOU",
    "翁": "WONG", "馮": "FONG", "溫": "WUN", "吳": "WU", "葉": "YE", "江": "JIANG",
    "陳": "CHEN", "林": "LIN", "黃": "HUANG", "王": "WANG", "李": "LI", "劉": "LIOU",
    "蔡": "CAI", "楊": "YANG", "趙": "JHAO", "單": "SHAN", "呂": "LYU", "蕭": "SIAO",
    "彭": "PENG", "孟": "MENG", "鍾": "JHONG", "崔": "CUEI", "瞿": "CYU", "熊": "SYONG",
    "牛": "NIOU", "戚": "CI", "施": "SHIH", "石": "SHIH", "池": "CHIH", "司": "SIH",
    "任": "REN", "阮": "RUAN", "薛": "SYUE", "闕": "CYUE", "全": "CYUAN", "宣": "SYUAN",
    # The surname reading table (measured against pypinyin here), in Tongyong.
    "曾": "ZENG", "區": "OU", "解": "SIE", "仇": "CIOU", "樂": "YUE", "朴": "PIAO",
    "查": "JHA", "蓋": "GE", "繆": "MIAO", "種": "CHONG", "召": "SHAO", "秘": "BI",
    "折": "SHE", "翟": "JHAI",
    # Added: surnames pypinyin misreads (zhan, bo, bao, dou, yuan, bi, zhang, bai).
    "粘": "NIAN", "卜": "BU", "薄": "BO", "都": "DU", "員": "YUN", "賁": "BEN", "長": "CHANG",
    "柏": "BO",
}  # fmt: skip


@pytest.mark.parametrize(("surname", "expected"), SURNAMES.items())
def test_surnames(surname: str, expected: str) -> None:
    assert english_name(surname + "家明") == (expected, "JIA-MING")


COMPOUND_SURNAMES = {
    "張簡": "JHANGJIAN", "歐陽": "OUYANG", "范姜": "FANJIANG", "周黃": "JHOUHUANG",
    "張廖": "JHANGLIAO", "司馬": "SIHMA", "諸葛": "JHUGE", "上官": "SHANGGUAN", "司徒": "SIHTU",
    "夏侯": "SIAHOU", "東方": "DONGFANG", "皇甫": "HUANGFU", "公孫": "GONGSUN", "慕容": "MURONG",
    "尉遲": "YUCHIH", "長孫": "JHANGSUN", "令狐": "LINGHU", "端木": "DUANMU", "西門": "SIMEN",
    "南宮": "NANGONG", "呼延": "HUYAN", "軒轅": "SYUANYUAN", "鍾離": "JHONGLI", "澹臺": "TANTAI",
    "宇文": "YUWUN", "万俟": "MOCI", "單于": "CHANYU",
}  # fmt: skip
"""The whole compound-surname list, written as one word (MOFA: 范姜大明 → FANJIANG, DA-MING)."""


@pytest.mark.parametrize(("compound", "expected"), COMPOUND_SURNAMES.items())
def test_compound_surnames_are_one_word(compound: str, expected: str) -> None:
    assert surname_split(compound + "明") == (compound, "明")
    assert english_name(compound + "明") == (expected, "MING")
    assert english_name(compound + "志明") == (expected, "JHIH-MING")


def test_a_two_character_name_is_never_all_surname() -> None:
    assert surname_split("歐陽") == ("歐", "陽")
    assert english_name("歐陽") == ("OU", "YANG")
    assert english_name("單于") == ("SHAN", "YU")


def test_four_characters_without_a_listed_compound_are_two_surnames() -> None:
    """冠夫姓 (張陳麗玲) and 雙姓 families: MOFA accepts the two surnames as one word."""
    assert surname_split("張陳麗玲") == ("張陳", "麗玲")
    assert english_name("張陳麗玲") == ("JHANGCHEN", "LI-LING")
    assert english_name("林曾美玉") == ("LINZENG", "MEI-YU")  # the surname table still applies


def test_five_characters_need_a_listed_compound() -> None:
    assert english_name("張陳麗玲玲") == ("", "")
    assert surname_split("張陳麗玲玲") == ("", "")
    assert english_name("歐陽文心怡") == ("OUYANG", "WUN-SIN-YI")


def test_surrounding_whitespace_is_stripped() -> None:
    assert english_name("  張志明\n") == ("JHANG", "JHIH-MING")
    assert english_name("\u3000張志明\u3000") == ("JHANG", "JHIH-MING")  # ideographic space
    assert surname_split(" 歐陽娜娜\t") == ("歐陽", "娜娜")


def test_compatibility_ideographs_read_as_their_unified_twins() -> None:
    compat = "\uf91f"  # CJK COMPATIBILITY IDEOGRAPH-F91F, canonically 蘭
    assert unicodedata.normalize("NFC", compat) == "蘭"
    assert english_name("林" + compat) == english_name("林蘭") == ("LIN", "LAN")


def test_longer_than_a_passport_allows_is_empty() -> None:
    fits = "歐陽" + "莊" * 4  # OUYANG, JHUANG-JHUANG-JHUANG-JHUANG: 6 + 1 + 27 letters
    assert sum(map(len, english_name(fits))) + 1 <= PASSPORT_NAME_LIMIT
    assert english_name("歐陽" + "莊" * 5) == ("", "")


CANNOT_ROMANIZE = [
    "",
    "   ",
    "張",
    " 張 ",
    "John Smith",
    "張3明",
    "張３明",  # full-width digit
    "張 志明",  # an inner space is not part of a name
    "張志明!",
    "Chang志明",
    "約翰·史密斯",  # transliterated foreign name, U+00B7
    "瓦歷斯‧諾幹",  # Indigenous name, U+2027
    "張ㄓ明",  # Zhuyin
    "張〇明",  # 〇 is not an ideograph, though pypinyin reads it
    "\ue815\ue816",  # private-use characters pypinyin has readings for
]


@pytest.mark.parametrize("text", CANNOT_ROMANIZE)
def test_what_cannot_be_romanized_comes_back_empty(text: str) -> None:
    assert english_name(text) == ("", "")
    assert surname_split(text) == ("", "")


PASSPORT_SURNAME = re.compile("[A-Z]+")
PASSPORT_GIVEN_NAME = re.compile("[A-Z]+(-[A-Z]+)*")


def _assert_passport_shaped(result: tuple[str, str]) -> None:
    surname, given_name = result
    if result == ("", ""):
        return
    assert PASSPORT_SURNAME.fullmatch(surname), result
    assert PASSPORT_GIVEN_NAME.fullmatch(given_name), result
    assert len(surname) + 1 + len(given_name) <= PASSPORT_NAME_LIMIT


@settings(deadline=None, max_examples=300)  # the first call imports pypinyin
@given(st.text())
def test_never_raises_on_any_text(text: str) -> None:
    _assert_passport_shaped(english_name(text))
    surname_split(text)


NAMEISH = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
        st.sampled_from(list("張歐陽單于尉遲長柏曾區女呂·‧ 3a\u3000〇")),
    ),
    max_size=8,
)


@settings(deadline=None, max_examples=300)
@given(NAMEISH)
def test_chinese_looking_text_is_passport_shaped(text: str) -> None:
    result = english_name(text)
    _assert_passport_shaped(result)
    surname_chars, given_chars = surname_split(text)
    if result != ("", ""):
        assert surname_chars
        assert result[1].count("-") == len(given_chars) - 1


@settings(deadline=None, max_examples=200)
@given(st.text(alphabet=st.sampled_from(list("陳林黃張李王吳劉蔡楊志明華美玲淑芬惠珍")), min_size=2,
               max_size=4))  # fmt: skip
def test_common_names_always_romanize(text: str) -> None:
    surname, given_name = english_name(text)
    assert surname
    assert given_name


def test_importing_the_module_stays_light() -> None:
    """pypinyin costs about 0.3 s to import: only the first romanization pays it, never Textual."""
    code = (
        "import sys, kiosk.core.romanize; "
        "assert 'pypinyin' not in sys.modules, 'pypinyin'; "
        "assert 'textual' not in sys.modules, 'textual'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
