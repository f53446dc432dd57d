"""``ipas-kiosk serve`` without a browser: the per-connection command and the page template."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Any, ClassVar

import pytest
from typer.testing import CliRunner

from kiosk.cli import ServedApp, app, app_command, local_templates, public_url
from kiosk.cli.serve import TextualServeChanged, check_internals, connection_source


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


class FakeServer:
    """Stands in for the server: what serve made, and nothing served."""

    made: ClassVar[list[dict[str, Any]]] = []

    def __init__(self, command: str, **kwargs: Any) -> None:
        FakeServer.made.append({"command": command, **kwargs})

    def serve(self) -> None:
        pass


@pytest.fixture
def made(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    import kiosk.cli.serve

    FakeServer.made = []
    monkeypatch.setattr(kiosk.cli.serve, "SourceServer", FakeServer)
    return FakeServer.made


def test_serve_on_ipv6_loopback_gives_the_page_a_bracketed_url(
    made: list[dict[str, Any]],
) -> None:
    result = CliRunner().invoke(app, ["serve", "--host", "::1", "--port", "8123"])
    assert result.exit_code == 0, result.output
    ((kwargs),) = made
    assert kwargs["host"] == "::1" and kwargs["public_url"] == "http://[::1]:8123"
    assert kwargs["trust_proxy_header"] is False


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "kiosk.example.org"])
def test_serve_refuses_a_host_beyond_loopback_without_the_flag(
    made: list[dict[str, Any]], host: str
) -> None:
    result = CliRunner().invoke(app, ["serve", "--host", host])
    assert result.exit_code == 2
    assert f"serve: refusing to bind {host}: there is no authentication" in result.output
    assert "or pass --i-know-there-is-no-auth if you mean it" in result.output
    assert made == []


def test_serve_beyond_loopback_with_the_flag_starts_and_warns(made: list[dict[str, Any]]) -> None:
    result = CliRunner().invoke(
        app, ["serve", "--host", "0.0.0.0", "--i-know-there-is-no-auth", "--trust-proxy-header"]
    )
    assert result.exit_code == 0, result.output
    assert "warning: serving on 0.0.0.0 with no authentication" in result.output
    ((kwargs),) = made
    assert kwargs["host"] == "0.0.0.0" and kwargs["trust_proxy_header"] is True


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"])
def test_serve_on_loopback_needs_no_flag_and_warns_nothing(
    made: list[dict[str, Any]], host: str
) -> None:
    result = CliRunner().invoke(app, ["serve", "--host", host])
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output and len(made) == 1


@pytest.mark.parametrize(
    ("peer", "forwarded", "trust", "source"),
    [
        ("127.0.0.1", [], False, "127.0.0.1"),
        ("203.0.113.5", [], True, "203.0.113.5"),
        ("127.0.0.1", ["198.51.100.7"], False, "127.0.0.1"),  # not trusted: the peer
        ("203.0.113.5", ["198.51.100.7"], True, "203.0.113.5"),  # trusted, but not a local proxy
        ("127.0.0.1", ["198.51.100.7"], True, "198.51.100.7"),
        ("::1", ["10.0.0.1, 198.51.100.7"], True, "198.51.100.7"),  # the proxy's entry is last
        ("127.0.0.1", ["10.0.0.1", "198.51.100.8"], True, "198.51.100.8"),  # two headers
        ("127.0.0.1", ["2001:db8::1"], True, "2001:db8::1"),
        ("127.0.0.1", ["not-an-address"], True, "127.0.0.1"),
        ("127.0.0.1", ["1.2.3.4\nX: y"], True, "127.0.0.1"),
        (None, ["198.51.100.7"], True, ""),  # no peer address (a unix socket): nothing trusted
    ],
)
def test_the_source_is_the_peer_or_a_local_proxys_forwarded_address(
    peer: str | None, forwarded: list[str], trust: bool, source: str
) -> None:
    assert connection_source(peer, forwarded, trust_proxy=trust) == source


def test_the_textual_serve_internals_the_source_relies_on_are_there() -> None:
    check_internals()  # raises with what is missing


def test_serve_stops_at_start_when_textual_serve_changed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from textual_serve.app_service import AppService

    monkeypatch.delattr(AppService, "_build_environment")
    with pytest.raises(TextualServeChanged, match="_build_environment"):
        check_internals()
    result = CliRunner().invoke(app, ["serve", "--port", "8123"])
    assert result.exit_code == 1
    assert "textual-serve cannot be used" in result.output


def test_an_app_process_reads_its_source_from_the_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from kiosk.infra.config import Settings

    monkeypatch.delenv("IPAS_KIOSK_SOURCE", raising=False)
    assert Settings().source == ""
    monkeypatch.setenv("IPAS_KIOSK_SOURCE", "198.51.100.7")
    assert Settings().source == "198.51.100.7"


@pytest.mark.parametrize(
    ("args", "parent"),
    [
        ([], ["--app", "kiosk"]),
        (["--kiosk"], ["--app", "kiosk", "--kiosk"]),
        (["--app", "staff"], ["--app", "staff"]),
    ],
)
def test_serve_forks_each_connection_from_a_warmed_parent_by_default(
    made: list[dict[str, Any]], args: list[str], parent: list[str]
) -> None:
    result = CliRunner().invoke(app, ["serve", *args])
    assert result.exit_code == 0, result.output
    ((kwargs),) = made
    assert kwargs["forks"] is not None and kwargs["forks"].args == parent
    assert kwargs["forks"].process is None  # started by the server when it serves, not before


@pytest.mark.parametrize(
    ("args", "command"),
    [
        (["--spawn"], [sys.executable, "-m", "kiosk", "run"]),
        (["--spawn", "--app", "staff"], [sys.executable, "-m", "kiosk", "staff"]),
        (["--command", "echo hi"], ["echo", "hi"]),
    ],
)
def test_spawn_and_a_custom_command_start_a_new_process_per_connection(
    made: list[dict[str, Any]], args: list[str], command: list[str]
) -> None:
    result = CliRunner().invoke(app, ["serve", *args])
    assert result.exit_code == 0, result.output
    ((kwargs),) = made
    assert kwargs["forks"] is None and shlex.split(kwargs["command"]) == command


def test_an_entry_is_forked_or_with_spawn_run_as_a_script(
    made: list[dict[str, Any]], tmp_path: Path
) -> None:
    entry = tmp_path / "entry.py"
    entry.write_text("def main():\n    pass\n", encoding="utf-8")
    assert CliRunner().invoke(app, ["serve", "--entry", str(entry)]).exit_code == 0
    assert CliRunner().invoke(app, ["serve", "--entry", str(entry), "--spawn"]).exit_code == 0
    forked, spawned = made
    assert forked["forks"].args == ["--entry", str(entry)]
    assert spawned["forks"] is None
    assert shlex.split(spawned["command"]) == [sys.executable, str(entry)]
    both = CliRunner().invoke(app, ["serve", "--entry", str(entry), "--command", "echo"])
    assert both.exit_code == 2 and "pick one" in both.output
