from __future__ import annotations

from kiosk.infra.i18n import LANGUAGES, catalog, t


def test_both_catalogs_have_the_same_keys() -> None:
    zh, en = (set(catalog(lang)) for lang in LANGUAGES)
    assert zh and zh == en, sorted(zh ^ en)


def test_placeholders_match_between_languages() -> None:
    import string

    def fields(template: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name}

    zh, en = catalog("zh-TW"), catalog("en")
    mismatched = [key for key in zh if fields(zh[key]) != fields(en[key])]
    assert mismatched == []


def test_translation_fills_values_and_falls_back() -> None:
    assert t("accounts.email_query.found", "en", email="si****@example.com").endswith(
        "si****@example.com"
    )
    assert t("accounts.email_query.found", "fr", email="x") == t(
        "accounts.email_query.found", "zh-TW", email="x"
    )
    assert t("no.such.key", "en") == "no.such.key"
    assert t("accounts.email_query.found", "en").count("{email}") == 1  # no values: template


def test_no_ambiguous_width_characters_in_any_message() -> None:
    """East Asian ambiguous-width glyphs (※ ● ─ – · …) break the layout on terminals set wide."""
    import unicodedata

    found = {
        (language, key, ch)
        for language in LANGUAGES
        for key, text in catalog(language).items()
        for ch in text
        if unicodedata.east_asian_width(ch) == "A"
    }
    assert found == set()
