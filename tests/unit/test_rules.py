"""Field rules: the portal's examples, the decided criteria, catalogs and never-raise properties."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.core import rules
from kiosk.core.rules import RuleCheck
from kiosk.infra.i18n import catalog


def failed(field: str, value: str, **context: str) -> list[str]:
    """Names of the failed rules (errors and warnings)."""
    return [result.rule for result in rules.check(field, value, **context) if not result.ok]


# --- the contract ------------------------------------------------------------------------------

EXPECTED_RULES = {
    "account": [
        "required", "length", "no_fullwidth", "no_chinese", "ascii_only", "not_national_id",
    ],
    "password": [
        "required", "length", "has_upper", "has_lower", "has_digit", "has_symbol",
        "no_forbidden_symbols", "ascii_only", "not_common", "not_account", "not_national_id",
        "not_email", "not_name",
    ],
    "password_confirm": ["required", "matches"],
    "national_id": ["required", "format", "checksum", "kind"],
    "chinese_name": ["required", "length", "has_han", "chinese_only"],
    "english_surname": ["required", "length", "letters_only", "upper_case"],
    "english_given_name": ["required", "length", "letters_only", "upper_case"],
    "email": ["required", "length", "syntax", "not_free_mail"],
    "mobile": ["required", "format", "mobile_type"],
    "new_password": [
        "required", "length", "has_upper", "has_lower", "has_digit", "has_symbol",
        "no_forbidden_symbols", "ascii_only", "not_common", "not_account", "not_national_id",
        "not_email", "not_name", "not_current",
    ],
}  # fmt: skip


def test_fields_and_rule_names() -> None:
    assert tuple(EXPECTED_RULES) == rules.FIELDS
    for field, names in EXPECTED_RULES.items():
        assert rules.rules_for(field) == names


def test_forbidden_symbols() -> None:
    assert rules.FORBIDDEN_PASSWORD_SYMBOLS == '_:%"*-=~<>&|!+'


def test_unknown_field_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown field"):
        rules.check("nickname", "x")
    with pytest.raises(ValueError):
        rules.is_valid("nickname", "x")
    with pytest.raises(ValueError):
        rules.rules_for("nickname")


def test_warnings_are_only_the_two_decided_ones() -> None:
    warnings = {
        (field, result.rule)
        for field in rules.FIELDS
        for result in rules.check(field, "")
        if result.severity == "warning"
    }
    assert warnings == {
        ("email", "not_free_mail"),
        ("english_surname", "upper_case"),
        ("english_given_name", "upper_case"),
    }


@pytest.mark.parametrize("language", ["zh-TW", "en"])
def test_every_message_key_and_label_is_in_both_catalogs(language: str) -> None:
    messages = catalog(language)
    for field in rules.FIELDS:
        assert messages.get(f"rules.{field}.label"), field
        for nationality in ("TW", "foreign"):
            for result in rules.check(field, "", nationality=nationality):
                assert result.message_key == rules.message_key(field, result.rule)
                assert messages.get(result.message_key), result.message_key


@pytest.mark.parametrize("language", ["zh-TW", "en"])
def test_messages_are_one_short_line(language: str) -> None:
    from rich.cells import cell_len

    for key, text in catalog(language).items():
        if key.startswith("rules."):
            assert "\n" not in text, key
            assert cell_len(text) <= 70, key


def test_zh_tw_uses_the_portal_wording() -> None:
    zh = catalog("zh-TW")
    assert zh["rules.account.length"] == "帳號長度：最大為30個英文字元，且需大於6個字元"
    assert zh["rules.account.no_fullwidth"] == "勿使用全型符號"
    assert zh["rules.account.not_national_id"] == "不可使用身分證作為帳號"
    assert zh["rules.password.length"] == "密碼長度至少為12個字元"
    assert zh["rules.password.no_forbidden_symbols"] == (
        '請勿使用 _ : % " * - = ~ < > & | ! 與 + 等特殊符號'
    )
    assert zh["rules.email.not_free_mail"] == (
        "免費信箱易將通知信件列為垃圾郵件，而遺漏重要通知，建議避免使用"
    )


def test_check_results_are_rule_checks() -> None:
    assert rules.check("password_confirm", "x", password="x") == [
        RuleCheck("required", True, "error", "rules.password_confirm.required"),
        RuleCheck("matches", True, "error", "rules.password_confirm.matches"),
    ]


# --- account -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["abcdefg", "candidate_01", "a" * 30, "Lee.Wang@2024", "x!#$%&'()"]
)
def test_account_valid(value: str) -> None:
    assert failed("account", value) == []
    assert rules.is_valid("account", value)


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("", "required"),
        ("abcdef", "length"),  # 6: the portal says more than 6
        ("a" * 31, "length"),
        ("ａｂｃｄｅｆｇ", "no_fullwidth"),
        ("abcdefg＃", "no_fullwidth"),
        ("abc　defg", "no_fullwidth"),  # ideographic space
        ("帳號abcdefg", "no_chinese"),
        ("ㄅㄆㄇabcdefg", "no_chinese"),  # 注音 is Chinese too
        ("abc defg", "ascii_only"),
        (" abcdefg", "ascii_only"),  # no trimming: the caller strips
        ("abcdéfgh", "ascii_only"),
        ("abcdefg\t", "ascii_only"),
        ("A123456789", "not_national_id"),
        ("a123456789", "not_national_id"),  # any case
        ("AC01234567", "not_national_id"),  # old resident certificate
        ("A800000014", "not_national_id"),  # new resident UI number
    ],
)
def test_account_invalid(value: str, rule: str) -> None:
    assert rule in failed("account", value)
    assert not rules.is_valid("account", value)


def test_account_rules_fail_one_line_per_mistake() -> None:
    assert failed("account", "帳號abcdefg") == ["no_chinese"]
    assert failed("account", "ａｂｃｄｅｆｇ") == ["no_fullwidth"]
    assert failed("account", "Ａ１２３４５６７８９") == ["no_fullwidth", "not_national_id"]


def test_account_with_id_shape_but_wrong_check_digit_is_not_an_id() -> None:
    assert rules.is_valid("account", "A123456788")


# --- password ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["Abcdefghij1#", "Tq7#pLm2$Vx9", "Kiosk?Morning42", "a" * 11 + "B1$", "Xy3.Zw8/Qr5@"]
)
def test_password_valid(value: str) -> None:
    assert failed("password", value) == []


@pytest.mark.parametrize(
    ("value", "rules_failed"),
    [
        ("", ["required", "length", "has_upper", "has_lower", "has_digit", "has_symbol"]),
        ("Abcdefghi1#", ["length"]),  # 11
        ("abcdefghij1#", ["has_upper"]),
        ("ABCDEFGHIJ1#", ["has_lower"]),
        ("Abcdefghijk#", ["has_digit"]),
        ("Abcdefghijk1", ["has_symbol"]),
        ("Abcdefghij1!", ["no_forbidden_symbols"]),
        ("Abcdefghij1_", ["no_forbidden_symbols"]),
        ("Abc defghij1#", ["ascii_only"]),
        ("Abcdefghij1#密", ["ascii_only"]),
        ("Abcdefghij1＃", ["has_symbol", "ascii_only"]),  # a full-width # is not a symbol
    ],
)
def test_password_composition(value: str, rules_failed: list[str]) -> None:
    assert failed("password", value) == rules_failed


@pytest.mark.parametrize("symbol", list('_:%"*-=~<>&|!+'))
def test_every_forbidden_symbol(symbol: str) -> None:
    assert failed("password", f"Abcdefghij1#{symbol}") == ["no_forbidden_symbols"]


@pytest.mark.parametrize(
    "value",
    [
        "P@ssw0rd1234#",
        "Password1234#",
        "#2024Password",
        "Qwerty123456#",  # 'qwerty123456' is itself on the list
        "Iloveyou2024?",
        "1qaz2wsx3EDC$",
        "Dragon$123456",
        "Sup3rman1234.",
    ],
)
def test_common_passwords(value: str) -> None:
    assert "not_common" in failed("password", value)


def test_a_common_word_in_a_long_password_is_fine() -> None:
    assert "not_common" not in failed("password", "MyDragonFlies#2024")


@pytest.mark.parametrize("value", ["Tq7#pLm2$Vx9", "Abcdefghij1#", "Kiosk?Morning42"])
def test_not_common(value: str) -> None:
    assert "not_common" not in failed("password", value)


def test_password_must_not_contain_the_account() -> None:
    assert failed("password", "Xcandidate7#Q", account="Candidate7") == ["not_account"]
    assert failed("password", "Xcandidate7#Q", account="other99") == []
    assert failed("password", "Xabc9#Qwertz8", account="abc") == []  # < 4 characters: ignored


def test_password_must_not_contain_the_national_id() -> None:
    assert failed("password", "Xf131839046#y", national_id="F131839046") == ["not_national_id"]
    assert failed("password", "Xy#131839046b", national_id="F131839046") == ["not_national_id"]
    assert failed("password", "Xy#27182810bQ", national_id="BD27182810") == ["not_national_id"]
    assert failed("password", "Xy#1318390bQz", national_id="F131839046") == []
    assert failed("password", "Xy#131839046b", national_id="") == []
    # Context is normalized like the ID field: lower case and full-width still match.
    assert failed("password", "Xy#131839046b", national_id="ｆ131839046") == ["not_national_id"]


def test_password_must_not_contain_the_email_local_part() -> None:
    assert failed("password", "Meimei.lin#88", email="MEIMEI.LIN@example.com") == ["not_email"]
    assert failed("password", "Meimei.lin#88", email="wang@example.com") == []
    assert failed("password", "Xwang#Mq7Tz2a", email="wan@example.com") == []


def test_password_must_not_contain_the_name() -> None:
    context = {"english_surname": "CHANG", "english_given_name": "JHIH-MING"}
    assert failed("password", "Chang#Tq7pLm2", **context) == ["not_name"]
    assert failed("password", "Tq7#Jhihming2", **context) == ["not_name"]
    assert failed("password", "Tq7#pLm2$Vx9", **context) == []
    assert failed("password", "Wu#Tq7pLm2Vx9", english_surname="WU") == []  # too short to mean it
    assert failed("password", "Tq7#pLm2$Vx9", chinese_name="王小明") == []


def test_password_context_without_values_passes() -> None:
    results = rules.check("password", "Tq7#pLm2$Vx9", account="", email="", national_id="")
    assert all(result.ok for result in results)


def test_password_check_is_fast() -> None:
    context = {
        "account": "candidate01",
        "email": "someone@example.com",
        "national_id": "A123456789",
    }
    rules.check("password", "warm-up")
    started = time.perf_counter()
    for _ in range(200):
        rules.check("password", "Tq7#pLm2$Vx9Qr", **context)
    assert (time.perf_counter() - started) / 200 < 0.002


# --- password_confirm --------------------------------------------------------------------------


def test_password_confirm() -> None:
    assert failed("password_confirm", "Tq7#pLm2$Vx9", password="Tq7#pLm2$Vx9") == []
    assert failed("password_confirm", "Tq7#pLm2$Vx8", password="Tq7#pLm2$Vx9") == ["matches"]
    assert failed("password_confirm", "tq7#plm2$vx9", password="Tq7#pLm2$Vx9") == ["matches"]
    assert failed("password_confirm", "", password="") == ["required", "matches"]
    assert failed("password_confirm", "x") == ["matches"]


# --- national_id -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "nationality", "rules_failed"),
    [
        ("A123456789", "TW", []),
        ("A123456789", "foreign", ["kind"]),
        ("A800000014", "foreign", []),
        ("AC01234567", "foreign", []),
        ("A800000014", "TW", ["kind"]),
        ("AC01234567", "TW", ["kind"]),
        ("A123456788", "TW", ["checksum"]),
        ("A800000015", "TW", ["checksum", "kind"]),
        ("a123456789", "TW", ["format", "checksum", "kind"]),  # callers normalize first
        ("A12345678", "TW", ["format", "checksum", "kind"]),
        ("A323456789", "TW", ["format", "checksum", "kind"]),
        ("", "TW", ["required", "format", "checksum", "kind"]),
    ],
)
def test_national_id(value: str, nationality: str, rules_failed: list[str]) -> None:
    assert failed("national_id", value, nationality=nationality) == rules_failed


def test_national_id_nationality_defaults_to_tw() -> None:
    assert rules.is_valid("national_id", "A123456789")
    assert not rules.is_valid("national_id", "A800000014")
    assert rules.is_valid("national_id", "A800000014", nationality="外國籍")
    assert rules.is_valid("national_id", "A123456789", nationality="本國籍")


# --- chinese_name ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["王小明", "林一", "歐陽娜娜", "史蒂夫·賈伯斯", "史蒂夫‧賈伯斯", "𠀋子"]
)
def test_chinese_name_valid(value: str) -> None:
    assert failed("chinese_name", value) == []


@pytest.mark.parametrize(
    ("value", "rules_failed"),
    [
        ("", ["required", "length", "has_han"]),
        ("王", ["length"]),
        ("王" * 21, ["length"]),
        ("王小明 ", ["chinese_only"]),  # no trimming
        (" 王小明", ["chinese_only"]),
        ("王 小明", ["chinese_only"]),
        ("王小明2", ["chinese_only"]),
        ("Wang小明", ["chinese_only"]),
        ("王小明！", ["chinese_only"]),
        ("ㄨㄤˊ", ["has_han", "chinese_only"]),
        ("·史蒂夫", ["chinese_only"]),
        ("史蒂夫·", ["chinese_only"]),
        ("史蒂夫··賈伯斯", ["chinese_only"]),
        ("Steve", ["has_han", "chinese_only"]),
    ],
)
def test_chinese_name_invalid(value: str, rules_failed: list[str]) -> None:
    assert failed("chinese_name", value) == rules_failed


# --- english names -----------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["english_surname", "english_given_name"])
def test_english_names(field: str) -> None:
    assert failed(field, "JHIH-MING") == []
    assert failed(field, "O'BRIEN") == []
    assert failed(field, "VAN DER BERG") == []
    assert failed(field, "A" * 40) == []
    assert failed(field, "Jhih-Ming") == ["upper_case"]
    assert rules.is_valid(field, "Jhih-Ming")  # a warning only
    assert failed(field, "") == ["required"]
    assert failed(field, "A" * 41) == ["length"]
    assert failed(field, "CHANG2") == ["letters_only"]
    assert failed(field, "-CHANG") == ["letters_only"]
    assert failed(field, "CHANG ") == ["letters_only"]
    assert failed(field, "JHIH--MING") == ["letters_only"]
    assert failed(field, "張") == ["letters_only"]
    assert failed(field, "ＣＨＡＮＧ") == ["letters_only"]


# --- email -------------------------------------------------------------------------------------


def test_email() -> None:
    assert failed("email", "someone@itri.org.tw") == []
    assert failed("email", "someone@example.com") == []
    assert failed("email", "") == ["required", "syntax"]
    assert failed("email", "someone") == ["syntax"]
    assert failed("email", "someone@") == ["syntax"]
    assert failed("email", "a..b@example.com") == ["syntax"]
    assert failed("email", "someone@example.com ") == ["syntax"]
    assert failed("email", "ｓｏｍｅ@example.com") == ["syntax"]  # full-width local part
    long_local = "a" * 64
    long_value = f"{long_local}@{'b' * 60}.{'c' * 60}.{'d' * 60}.example.com"
    assert len(long_value) > 254
    assert failed("email", long_value) == ["length", "syntax"]


@pytest.mark.parametrize(
    "value",
    [
        "someone@gmail.com",
        "someone@GMAIL.com",
        "someone@yahoo.com.tw",
        "someone@kimo.com",
        "someone@pchome.com.tw",
        "someone@ｇｍａｉｌ.com",  # normalized by the validator
        "someone@mail.yahoo.com",  # subdomains count
    ],
)
def test_free_mail_is_a_warning(value: str) -> None:
    assert failed("email", value) == ["not_free_mail"]
    assert rules.is_valid("email", value)


def test_free_mail_warning_shows_while_typing() -> None:
    assert failed("email", "some one@gmail.com") == ["syntax", "not_free_mail"]
    assert "not_free_mail" not in failed("email", "someone@notgmail.com")
    assert "not_free_mail" not in failed("email", "someone@gmail.com.example.org")


def test_free_mail_list() -> None:
    assert len(rules.FREE_MAIL_DOMAINS) == 21
    assert {"gmail.com", "yahoo.com.tw", "qq.com", "kimo.com"} <= rules.FREE_MAIL_DOMAINS


# --- mobile ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "0912345678",
        "0912-345-678",
        "0912 345 678",
        "+886912345678",
        "+886 912-345-678",
        "０９１２３４５６７８",
    ],
)
def test_mobile_valid(value: str) -> None:
    assert failed("mobile", value) == []
    assert rules.normalize_mobile(value) == "0912345678"


@pytest.mark.parametrize(
    ("value", "rules_failed"),
    [
        ("", ["required", "format", "mobile_type"]),
        ("091234567", ["format", "mobile_type"]),
        ("09123456789", ["format", "mobile_type"]),
        ("0812345678", ["format", "mobile_type"]),
        ("0223456789", ["format", "mobile_type"]),  # a Taipei land line
        ("+8860912345678", ["format", "mobile_type"]),
        ("0912.345.678", ["format", "mobile_type"]),
        ("0990123456", ["mobile_type"]),  # PERSONAL_NUMBER in phonenumbers: refused
    ],
)
def test_mobile_invalid(value: str, rules_failed: list[str]) -> None:
    assert failed("mobile", value) == rules_failed
    assert rules.normalize_mobile(value) == ""


# --- properties --------------------------------------------------------------------------------

CONTEXT_KEYS = [
    "account", "chinese_name", "email", "national_id", "english_surname", "english_given_name",
    "password", "nationality",
]  # fmt: skip


@settings(max_examples=60)
@given(
    field=st.sampled_from(rules.FIELDS),
    value=st.text(),
    context=st.dictionaries(st.sampled_from(CONTEXT_KEYS), st.text()),
)
def test_never_raises_and_always_the_same_rules(
    field: str, value: str, context: dict[str, str]
) -> None:
    results = rules.check(field, value, **context)
    assert [result.rule for result in results] == rules.rules_for(field)
    assert rules.is_valid(field, value, **context) == all(
        result.ok for result in results if result.severity == "error"
    )


@settings(max_examples=60)
@given(
    value=st.text(alphabet=st.characters(codec="ascii"), max_size=40),
    context=st.dictionaries(st.sampled_from(CONTEXT_KEYS), st.text(max_size=20)),
)
def test_password_never_raises_on_ascii(value: str, context: dict[str, str]) -> None:
    assert [result.rule for result in rules.check("password", value, **context)] == (
        rules.rules_for("password")
    )


@given(st.text())
def test_normalize_mobile_never_raises(value: str) -> None:
    result = rules.normalize_mobile(value)
    assert result == "" or (len(result) == 10 and result.startswith("09"))


def test_rules_do_not_import_textual() -> None:
    code = (
        "import sys, kiosk.core.rules, kiosk.core.national_id; assert 'textual' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_forgetting_typed_values_drops_the_cached_addresses() -> None:
    """Every keystroke in the e-mail box is checked (and cached): none of it outlives the
    session that typed it."""
    rules.check("email", "xiaoming.private@example.com")
    assert rules._email_domain.cache_info().currsize > 0
    rules.forget_typed_values()
    assert rules._email_domain.cache_info().currsize == 0


def test_a_new_password_must_differ_from_the_current_one() -> None:
    """Issue 12: new == current was refused as "does not meet the rules" while every rule showed
    ✓; it is a rule of its own, live as the candidate types."""
    (same,) = [
        c
        for c in rules.check("new_password", "Kiosk#Demo2026", current_password="Kiosk#Demo2026")
        if c.rule == "not_current"
    ]
    assert not same.ok and same.message_key == "rules.password.not_current"
    assert rules.is_valid("new_password", "Kiosk#Demo2027", current_password="Kiosk#Demo2026")
    assert "not_current" not in rules.rules_for("password")  # login, registration: not listed
