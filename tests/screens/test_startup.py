"""Start-up: the login page paints before pydantic and SQLAlchemy load, with the settings a site
configured, and a broken configuration ends the kiosk with a message instead of a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from kiosk.infra import config_files
from kiosk.infra.config import Settings

FIRST_PAINT = textwrap.dedent(
    """
    import sys
    from kiosk.ui.kiosk.app import KioskApp

    class Probe(KioskApp):
        def on_mount(self):
            super().on_mount()
            self.call_after_refresh(self.painted)

        def painted(self):
            loaded = [m for m in ("pydantic", "sqlalchemy", "PIL", "bcrypt") if m in sys.modules]
            footer = str(self.screen.query_one("#footer-bar").render())
            print("loaded:", ",".join(loaded) or "-")
            print("language:", self.language)
            print("footer:", footer)
            print("account focused:", self.focused is self.screen.query_one("#account"))
            self.set_interval(0.05, self.when_warm)  # the warm-up thread loads the settings

        def when_warm(self):
            if self.warmed:
                self.exit()

    app = Probe()
    app.run(headless=True)
    if app.return_code:
        sys.exit(app.return_code)
    print("idle after load:", app.settings.idle_seconds)
    import gc
    print("warmed:", app.warmed, "frozen objects:", gc.get_freeze_count())
    print("full collection after:", gc.get_threshold()[2])
    """
)


def run_probe(tmp_path: Path, config: str, **env: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "config.toml").write_text(config, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-c", FIRST_PAINT],
        capture_output=True,
        text=True,
        timeout=120,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("IPAS_KIOSK_")},
            "IPAS_KIOSK_CONFIG_FILE": str(tmp_path / "config.toml"),
            "IPAS_KIOSK_DATABASE_URL": f"sqlite:///{tmp_path / 'kiosk.db'}",
            **env,
        },
    )


def test_login_paints_before_pydantic_and_sqlalchemy_with_the_sites_settings(
    tmp_path: Path,
) -> None:
    result = run_probe(
        tmp_path,
        'language = "en"\nservice_phone = "02-1234-5678"\nidle_seconds = 300\n',
        IPAS_KIOSK_SERVICE_EMAIL="desk@venue.example",
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "loaded: -" in out  # none of the heavy libraries before the first paint
    assert "language: en" in out
    assert "02-1234-5678" in out and "desk@venue.example" in out
    assert "account focused: True" in out
    assert "idle after load: 300" in out  # then the full settings, from the same file
    # what the warm-up loaded is out of the garbage collector's sight (no 100 ms full collections)
    frozen = int(out.split("frozen objects:")[1].split()[0])
    assert "warmed: True" in out and frozen > 100_000
    # and full collections wait for the end of a session (Python's default: after 10)
    assert "full collection after: 1000" in out


def test_a_broken_configuration_ends_the_kiosk_with_a_message(tmp_path: Path) -> None:
    result = run_probe(tmp_path, "idle_seconds = 1\n")  # below the minimum of 10
    assert result.returncode == 2
    assert "configuration error" in result.stdout + result.stderr
    assert "idle_seconds" in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("config", "env", "expected"),
    [
        ("", {}, {"language": "zh-TW", "service_phone": config_files.SERVICE_PHONE}),
        ('language = "en"\n', {}, {"language": "en"}),
        ('language = "en"\n', {"IPAS_KIOSK_LANGUAGE": "zh-TW"}, {"language": "zh-TW"}),
        ('service_email = "a@b.example"\n', {}, {"service_email": "a@b.example"}),
        ("not toml at all [", {"IPAS_KIOSK_SERVICE_PHONE": "09"}, {"service_phone": "09"}),
    ],
)
def test_peek_reads_what_settings_read(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    config: str,
    env: dict[str, str],
    expected: dict[str, str],
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(config, encoding="utf-8")
    monkeypatch.setenv("IPAS_KIOSK_CONFIG_FILE", str(path))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    config_files._toml.cache_clear()
    for name, value in expected.items():
        default = {"language": "zh-TW"}.get(name, getattr(config_files, name.upper(), ""))
        assert config_files.peek(name, default) == value
        if "not toml" not in config:  # a broken file: Settings refuses it, peek falls back
            assert getattr(Settings(), name) == value


def test_peek_falls_back_on_a_value_settings_would_refuse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IPAS_KIOSK_CONFIG_FILE", str(tmp_path / "none.toml"))
    monkeypatch.setenv("IPAS_KIOSK_LANGUAGE", "fr")
    assert config_files.peek("language", "zh-TW", allowed=("zh-TW", "en")) == "zh-TW"


async def test_enter_in_the_account_box_before_the_rows_below_exist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first frame holds only the account box; Enter there must not fail the kiosk."""
    from kiosk.ui.kiosk.login import LoginScreen
    from tests.screens.conftest import build_app, type_into

    monkeypatch.setattr(LoginScreen, "compose_later", lambda self: iter(()))  # rows never come
    app = build_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_into(pilot, "#account", "wang2026")
        await pilot.press("enter")
        await pilot.pause()
        assert app.focused is app.screen.query_one("#account")
        assert not app.screen.query("#chinese-name")
    assert app.return_code in (None, 0)
    app.store.dispose()
