"""Message catalogs: zh-TW first, English second.

Catalogs are TOML files under ``kiosk/locales/<language>/``; every file of a language is merged, so
each module owns its own file (``rules.toml``, ``accounts.toml``, ``delivery.toml``, ``ui.toml`` …).
Nested tables flatten to dotted keys: ``[rules.account] length = "…"`` is ``rules.account.length``.
Values are ``str.format`` templates filled with keyword arguments.

Hand-written because gettext's .po/.mo tool chain buys nothing for two languages and a few hundred
strings, while TOML keeps both languages readable side by side and needs no compile step.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import cache
from pathlib import Path
from typing import Any

LANGUAGES: tuple[str, ...] = ("zh-TW", "en")
DEFAULT_LANGUAGE = "zh-TW"
_LOCALES = Path(__file__).with_name("locales")


def _flatten(prefix: str, table: dict[str, Any], out: dict[str, str]) -> None:
    for key, value in table.items():
        full = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            _flatten(full, value, out)
        else:
            out[full] = str(value)


@cache
def catalog(language: str) -> dict[str, str]:
    """All messages of one language as a flat ``{key: template}`` mapping.

    Parsing the TOML files costs more than painting half the login page, so the merged catalog
    is kept as JSON in the user cache directory, keyed by the files' names, sizes and times.
    """
    if language not in LANGUAGES:
        language = DEFAULT_LANGUAGE
    paths = sorted((_LOCALES / language).glob("*.toml"))
    stamp = "|".join(f"{p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in paths)
    digest = hashlib.sha256(stamp.encode()).hexdigest()[:16]
    cached = _cache_dir() / f"catalog-{language}-{digest}.json"
    try:
        return dict(json.loads(cached.read_text("utf-8")))
    except (OSError, ValueError):
        pass
    import tomllib

    out: dict[str, str] = {}
    for path in paths:
        with path.open("rb") as handle:
            _flatten("", tomllib.load(handle), out)
    _write_atomically(cached, json.dumps(out, ensure_ascii=False))
    return out


def _cache_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("ipas-kiosk", appauthor=False))


def _write_atomically(path: Path, text: str) -> None:
    """Best effort: a read-only or full disk only means parsing the TOML again next time."""
    import tempfile

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except OSError:
        pass


def t(key: str, language: str = DEFAULT_LANGUAGE, /, **values: object) -> str:
    """Translate ``key`` into ``language``, filling ``{placeholders}`` from ``values``.

    A missing key falls back to the default language, then to the key itself, so a gap in a
    catalog shows up on screen as a readable key instead of a crash. Tests check both catalogs
    have the same keys.
    """
    template = catalog(language).get(key)
    if template is None:
        template = catalog(DEFAULT_LANGUAGE).get(key, key)
    if not values:
        return template
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):
        return template
