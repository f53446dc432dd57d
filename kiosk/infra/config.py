"""Settings from ``IPAS_KIOSK_*`` environment variables and an optional TOML file.

Precedence: explicit arguments > environment > TOML file (``IPAS_KIOSK_CONFIG_FILE``, default
``<user config dir>/ipas-kiosk/config.toml``) > defaults. The defaults run an offline demo: SQLite
in the user data directory, e-mail into a Maildir outbox, SMS into a spool directory, zh-TW.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from kiosk.infra.config_files import (
    APP_NAME,
    SERVICE_EMAIL,
    SERVICE_PHONE,
    config_file,
    data_dir,
    log_dir,
)

__all__ = ["APP_NAME", "Settings", "config_file", "data_dir"]


class Settings(BaseSettings):
    """Everything a site may configure. Secrets are ``SecretStr`` so they never print."""

    model_config = SettingsConfigDict(env_prefix="IPAS_KIOSK_", extra="ignore")

    database_url: str = Field(default="", description="SQLAlchemy URL; empty = SQLite in data dir")
    # How long a transaction waits for another one's lock (SQLite busy timeout, PostgreSQL
    # lock_timeout) before the answer is "database unavailable" instead of a frozen screen.
    store_busy_seconds: float = Field(default=8.0, gt=0, le=120)
    terminal_id: str = Field(default_factory=lambda: socket.gethostname()[:40] or "kiosk")
    idle_seconds: int = Field(default=120, ge=10)
    idle_countdown_seconds: int = Field(default=20, ge=3)
    language: Literal["zh-TW", "en"] = "zh-TW"
    bcrypt_rounds: int = Field(default=12, ge=4, le=16)
    operator_pin: SecretStr | None = None

    # Login lockout: after `lockout_threshold` failures the account waits base * 2^(n - threshold)
    # seconds, capped at `lockout_max_seconds`; the counter lives in the database.
    lockout_threshold: int = Field(default=5, ge=1)
    lockout_base_seconds: int = Field(default=60, ge=1)
    lockout_max_seconds: int = Field(default=3600, ge=1)
    # Failed sign-ins per place (this terminal; for `serve`, the browser's address too): past
    # `place_failure_threshold` the place waits as a locked account does; the count starts over
    # after `place_quiet_seconds` without a failure (kiosk.core.accounts.login_budget).
    place_failure_threshold: int = Field(default=20, ge=1)
    place_quiet_seconds: int = Field(default=900, ge=1)
    # Credential and e-mail queries: at most `query_limit` per key (national ID, account, terminal)
    # in `query_window_seconds`; answers are padded to `query_min_seconds` so timing tells nothing.
    query_limit: int = Field(default=5, ge=1)
    query_window_seconds: int = Field(default=900, ge=1)
    query_min_seconds: float = Field(default=1.0, ge=0)

    temp_password_email_minutes: int = 24 * 60
    temp_password_sms_minutes: int = 10

    smtp_host: str = ""
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_sender: str = "iPAS 考生服務 <no-reply@ipas.example>"
    smtp_timeout: float = 10.0

    sms_gateway_url: str = ""
    sms_token: SecretStr | None = None
    sms_timeout: float = 10.0

    outbox_dir: Path = Field(default_factory=lambda: data_dir() / "outbox")
    # The operator log (kiosk.core.oplog): <log_dir>/ipas-kiosk.log, rotating. Every command sets
    # it up before Settings load (config_files.log_dir reads the same variable and file); this field
    # keeps the setting in the one list of settings and gives it the same precedence.
    log_dir: Path = Field(default_factory=log_dir)

    # Where this app process's user is, as `ipas-kiosk serve` saw the browser's connection (its
    # peer address, or the X-Forwarded-For of a trusted local proxy with --trust-proxy-header).
    # serve sets IPAS_KIOSK_SOURCE for each app process it starts, overriding any inherited
    # value; empty on a terminal of its own. For per-source limits, never for authentication.
    source: str = ""
    # Set by `ipas-kiosk serve --app staff` for each app process, like `source`: the upload page
    # of this browser connection (a path with a random token on serve's own server) and the
    # private folder its files land in (removed when the connection ends). Empty elsewhere: a
    # console in a terminal reads files by their path on this machine.
    upload_url: str = ""
    upload_dir: Path | None = None

    # Unknown accounts are audited as a keyed hash (kiosk.core.audit.unknown_account): the key, or
    # the file that keeps a random one. Terminals on several hosts sharing a database set one key.
    audit_key: SecretStr | None = None
    audit_key_file: Path = Field(default_factory=lambda: data_dir() / "audit.key")

    # 成績查詢 / 成績複查 (kiosk.core.results). iPAS's own pass and re-check rules could not be read
    # in any source (assets/DATA-SOURCES.md): these defaults are ours. A part passes at
    # `pass_mark` or more and a result passes when every part does; a released result may be
    # re-checked for `recheck_days` days, at `recheck_fee` NT$ a part, paid as `recheck_payment`
    # says (empty: the page says to ask the service line).
    pass_mark: int = Field(default=70, ge=0, le=100)
    recheck_days: int = Field(default=14, ge=0, le=365)
    recheck_fee: int = Field(default=200, ge=0, le=100_000)
    recheck_payment: str = Field(default="", max_length=300)

    # 線上繳件 (kiosk.core.documents): files come only from `document_sources` (the candidate's
    # own media: a USB drive's mount point; listed whole) and `scan_folders` (a venue scanner's
    # shared drop folder: only what arrived during the session is listed, and a file taken
    # leaves it), are checked by content (PDF, JPEG, PNG) up to `document_max_bytes`, and are
    # kept in `documents_dir` under their SHA-256.
    document_sources: list[Path] = Field(default_factory=lambda: [data_dir() / "usb"])
    scan_folders: list[Path] = Field(default_factory=lambda: [data_dir() / "scans"])
    document_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, le=100 * 1024 * 1024)
    documents_dir: Path = Field(default_factory=lambda: data_dir() / "documents")

    service_phone: str = SERVICE_PHONE
    service_email: str = SERVICE_EMAIL

    @field_validator("upload_dir", mode="before")
    @classmethod
    def _empty_upload_dir_is_none(cls, value: object) -> object:
        return value if value != "" else None  # serve sets it empty for a connection without

    @field_validator("log_dir", mode="before")
    @classmethod
    def _empty_log_dir_is_the_default(cls, value: object) -> object:
        return value if value != "" else log_dir()  # as config_files.log_dir reads it

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=config_file())
        return (init_settings, env_settings, toml)

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{data_dir() / 'kiosk.db'}"

    @property
    def maildir(self) -> Path:
        return self.outbox_dir / "mail"

    @property
    def sms_spool(self) -> Path:
        return self.outbox_dir / "sms"
