"""Where configuration lives, and the few values the first screen needs, read without pydantic.

``kiosk.infra.config.Settings`` (pydantic-settings) is the one source of truth, but importing
pydantic costs more than painting the login page. The kiosk therefore paints with :func:`peek` —
the same precedence as ``Settings`` (environment ``IPAS_KIOSK_<NAME>``, then the TOML file, then the
default) for plain string values only — and loads the full ``Settings`` in a thread right after.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

from platformdirs import user_config_dir, user_data_dir

APP_NAME = "ipas-kiosk"
ENV_PREFIX = "IPAS_KIOSK_"
# The portal's general service contact (seed guide), the default of the footer.
SERVICE_PHONE = "03-5917544"
SERVICE_EMAIL = "iPAS@itri.org.tw"


def data_dir() -> Path:
    return Path(user_data_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    """The operator log's folder: ``IPAS_KIOSK_LOG_DIR`` (or ``log_dir`` in the TOML file), else
    ``<data dir>/logs``. Read with :func:`peek`: the log is set up before the first paint."""
    return Path(peek("log_dir", "") or data_dir() / "logs")


def config_file() -> Path:
    explicit = os.environ.get(f"{ENV_PREFIX}CONFIG_FILE")
    if explicit:
        return Path(explicit)
    return Path(user_config_dir(APP_NAME, appauthor=False)) / "config.toml"


@cache
def _toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    import tomllib  # only when there is a file: the parser's import is not free

    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError):
        return {}  # Settings reports a broken file; a peek only falls back to the default


def peek(name: str, default: str, *, allowed: tuple[str, ...] = ()) -> str:
    """A string setting as ``Settings`` would read it; ``default`` when unset or not allowed."""
    value: Any = os.environ.get(f"{ENV_PREFIX}{name.upper()}")
    if value is None:
        value = _toml(config_file()).get(name)
    if not isinstance(value, str) or (allowed and value not in allowed):
        return default
    return value
