"""``ipas-kiosk serve`` without a browser: the per-connection command and the page template."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kiosk.cli import ServedApp, app, app_command, local_templates, public_url


def test_one_app_process_per_connection_runs_the_chosen_app() -> None:
    assert shlex.split(app_command(ServedApp.kiosk)) == [sys.executable, "-m", "kiosk", "run"]
    assert shlex.split(app_command(ServedApp.kiosk, kiosk_mode=True))[-2:] == ["run", "--kiosk"]
    assert shlex.split(app_command(ServedApp.staff)) == [sys.executable, "-m", "kiosk", "staff"]


def test_the_page_asks_no_third_party_for_its_font(tmp_path: Path) -> None:
    folder = local_templates(tmp_path)
    assert folder == tmp_path
    page = (tmp_path / "app_index.html").read_text(encoding="utf-8")
    assert "googleapis" not in page and "https://fonts" not in page
    assert 'fonts/RobotoMono-VariableFont_wght.ttf"' in page
    assert "js/textual.js" in page  # the rest of textual-serve's page is intact


def test_serve_refuses_an_unknown_app() -> None:
    result = CliRunner().invoke(app, ["serve", "--app", "shell"])
    assert result.exit_code == 2
    assert "shell" in result.output


@pytest.mark.parametrize(
    ("host", "port", "url"),
    [
        ("127.0.0.1", 8000, "http://127.0.0.1:8000"),
        ("::1", 8000, "http://[::1]:8000"),
        ("[::1]", 8080, "http://[::1]:8080"),
        ("localhost", 80, "http://localhost"),
    ],
)
def test_the_public_url_brackets_an_ipv6_host(host: str, port: int, url: str) -> None:
    assert public_url(host, port) == url


def test_serve_on_ipv6_loopback_gives_the_page_a_bracketed_url(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import textual_serve.server

    made: list[dict[str, Any]] = []

    class FakeServer:
        def __init__(self, command: str, **kwargs: Any) -> None:
            made.append(kwargs)

        def serve(self) -> None:
            pass

    monkeypatch.setattr(textual_serve.server, "Server", FakeServer)
    result = CliRunner().invoke(app, ["serve", "--host", "::1", "--port", "8123"])
    assert result.exit_code == 0, result.output
    ((kwargs),) = made
    assert kwargs["host"] == "::1" and kwargs["public_url"] == "http://[::1]:8123"
