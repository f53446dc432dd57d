"""``ipas-kiosk serve`` without a browser: the per-connection command and the page template."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from typer.testing import CliRunner

from kiosk.cli import app
from kiosk.cli_serve import ServedApp, app_command, local_templates


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
