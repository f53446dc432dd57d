"""Delivery over real transports: aiosmtpd, a local HTTP gateway, a Maildir and the SMS spool."""

from __future__ import annotations

import json
import shutil
import socket
import ssl
import stat
import string
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from email import policy
from email.parser import BytesParser
from email.utils import parseaddr
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from pydantic import SecretStr

from kiosk.core import delivery
from kiosk.core.delivery import (
    OutboxItem,
    credential_message,
    list_outbox,
    mask_email,
    mask_mobile,
    messages,
    mobile_to_e164,
    read_outbox,
    send_credentials,
    send_email,
    send_notice,
    send_sms,
)
from kiosk.infra.config import Settings
from kiosk.infra.i18n import LANGUAGES, catalog
from tests.servers import SmtpServer, free_port

SMTP_PASSWORD = "smtp-Pa55word-never-shown"
SMS_TOKEN = "sms-token-0123456789abcdef"
TEMPORARY_PASSWORD = "Tq7#Wm2$Kp9@Lx"
ACCOUNT = "simonchen01"
EMAIL = "simon@example.com"
MOBILE = "0912345678"


def make_settings(outbox: Path, **overrides: Any) -> Settings:
    """Every delivery setting explicit, so IPAS_KIOSK_* variables in the environment cannot leak."""
    values: dict[str, Any] = {
        "outbox_dir": outbox,
        "smtp_host": "",
        "smtp_port": 25,
        "smtp_username": "",
        "smtp_password": None,
        "smtp_starttls": False,
        "smtp_sender": "iPAS 考生服務 <no-reply@ipas.example>",
        "smtp_timeout": 2.0,
        "sms_gateway_url": "",
        "sms_token": None,
        "sms_timeout": 2.0,
        "service_phone": "03-5917544",
        "service_email": "iPAS@itri.org.tw",
        "language": "zh-TW",
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """urllib honours *_proxy variables; the local gateway must be reached directly."""
    for name in (
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
    ):
        monkeypatch.delenv(name, raising=False)


# ── SMTP ──────────────────────────────────────────────────────────────────────────────────────


def accept_kiosk_login(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == b"kiosk"
        and auth_data.password == SMTP_PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535


def test_credentials_by_smtp(tmp_path: Path, smtp_factory: Callable[..., SmtpServer]) -> None:
    server = smtp_factory()
    settings = make_settings(tmp_path, smtp_host="127.0.0.1", smtp_port=server.port)

    result = send_credentials(
        settings,
        channel="email",
        to=EMAIL,
        account=ACCOUNT,
        temporary_password=TEMPORARY_PASSWORD,
        valid_minutes=24 * 60,
        language="zh-TW",
    )

    assert result == delivery.SendResult(True, "email", "smtp", "si****@example.com")
    envelope = server.collector.envelopes[0]
    assert envelope.mail_from == "no-reply@ipas.example"
    assert envelope.rcpt_tos == [EMAIL]
    assert isinstance(envelope.content, bytes)
    assert envelope.content.isascii()  # 7-bit clean: no server needs 8BITMIME or SMTPUTF8
    message = server.collector.parsed()
    assert message["Subject"] == "【iPAS】帳號與臨時密碼通知"
    assert parseaddr(str(message["From"])) == ("iPAS 考生服務", "no-reply@ipas.example")
    assert message["To"] == EMAIL
    assert message["Date"] and message["Message-ID"].endswith("@ipas.example>")
    assert message["X-iPAS-Purpose"] == "credentials"
    assert message.get_content_charset() == "utf-8"
    body = message.get_content()
    assert f"帳號：{ACCOUNT}" in body
    assert f"臨時密碼：{TEMPORARY_PASSWORD}" in body
    assert "24 小時內有效" in body and "僅限使用一次" in body and "變更密碼" in body
    assert "03-5917544" in body and "iPAS@itri.org.tw" in body
    assert list_outbox(settings) == []  # SMTP configured: nothing went to the Maildir


def test_smtp_login_on_loopback(tmp_path: Path, smtp_factory: Callable[..., SmtpServer]) -> None:
    server = smtp_factory(authenticator=accept_kiosk_login, auth_require_tls=False)
    good = make_settings(
        tmp_path,
        smtp_host="127.0.0.1",
        smtp_port=server.port,
        smtp_username="kiosk",
        smtp_password=SecretStr(SMTP_PASSWORD),
    )
    bad = good.model_copy(update={"smtp_password": SecretStr("wrong-" + SMTP_PASSWORD)})

    assert send_email(good, to=EMAIL, subject="考試通知", body="內容").ok
    failed = send_email(bad, to=EMAIL, subject="考試通知", body="內容")

    assert not failed.ok
    assert failed.error.startswith("SMTPAuthenticationError")
    assert SMTP_PASSWORD not in failed.error
    assert len(server.collector.envelopes) == 1


def test_smtp_login_without_starttls_is_refused_off_loopback(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path,
        smtp_host="mail.invalid",
        smtp_username="kiosk",
        smtp_password=SecretStr(SMTP_PASSWORD),
    )

    result = send_email(settings, to=EMAIL, subject="s", body="b")

    assert not result.ok
    assert result.error == "DeliveryError: refusing SMTP login without STARTTLS"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 from the openssl command (no Python dependency)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl command not available: cannot make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    command = [
        openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1",
        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
    ]  # fmt: skip
    try:
        subprocess.run(command, check=True, capture_output=True, timeout=10)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"openssl could not make a test certificate: {exc}")
    return cert, key


def test_starttls_and_login(
    tmp_path: Path, smtp_factory: Callable[..., SmtpServer], certificate: tuple[Path, Path]
) -> None:
    cert, key = certificate
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    server = smtp_factory(
        tls_context=server_context, require_starttls=True, authenticator=accept_kiosk_login
    )
    settings = make_settings(
        tmp_path,
        smtp_host="127.0.0.1",
        smtp_port=server.port,
        smtp_starttls=True,
        smtp_username="kiosk",
        smtp_password=SecretStr(SMTP_PASSWORD),
    )

    trusted = send_email(
        settings,
        to=EMAIL,
        subject="考試通知",
        body="准考證已寄出",
        tls_context=ssl.create_default_context(cafile=str(cert)),
    )
    untrusted = send_email(settings, to=EMAIL, subject="考試通知", body="准考證已寄出")

    assert trusted.ok, trusted.error
    assert server.collector.parsed().get_content().strip() == "准考證已寄出"
    assert not untrusted.ok  # the system trust store does not know a self-signed certificate
    assert "SSL" in untrusted.error and SMTP_PASSWORD not in untrusted.error
    assert len(server.collector.envelopes) == 1


def test_smtp_nothing_listening(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, smtp_host="127.0.0.1", smtp_port=free_port())

    result = send_email(settings, to=EMAIL, subject="s", body="b")

    assert not result.ok and result.transport == "smtp"
    assert result.error.startswith("ConnectionRefusedError")
    assert len(result.error) <= delivery.ERROR_MAX_LENGTH


@pytest.fixture
def silent_listener() -> Iterator[int]:
    """A port that completes the TCP handshake but never says a word."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        yield int(listener.getsockname()[1])


def test_smtp_timeout(tmp_path: Path, silent_listener: int) -> None:
    settings = make_settings(
        tmp_path, smtp_host="127.0.0.1", smtp_port=silent_listener, smtp_timeout=0.3
    )

    result = send_email(settings, to=EMAIL, subject="s", body="b")

    assert not result.ok
    assert "timed out" in result.error


def test_header_injection_is_refused(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)

    result = send_email(settings, to=f"{EMAIL}\nBcc: evil@example.net", subject="s", body="b")

    assert not result.ok
    assert result.error.startswith("ValueError") and "evil@example.net" not in result.error
    assert list_outbox(settings) == []


# ── Maildir outbox ────────────────────────────────────────────────────────────────────────────


def test_credentials_into_maildir_and_back(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "outbox")

    result = send_credentials(
        settings,
        channel="email",
        to=EMAIL,
        account=ACCOUNT,
        temporary_password=TEMPORARY_PASSWORD,
        valid_minutes=24 * 60,
        language="en",
    )

    assert result == delivery.SendResult(True, "email", "maildir", "si****@example.com")
    [item] = list_outbox(settings)
    assert item.key.startswith("mail:") and item.channel == "email"
    assert item.to == EMAIL
    assert item.subject == "[iPAS] Your account and temporary password"
    assert f"Account: {ACCOUNT}" in item.body
    assert f"Temporary password: {TEMPORARY_PASSWORD}" in item.body
    assert "valid for 24 hours" in item.body and "only once" in item.body
    assert item.at.tzinfo is not None
    assert read_outbox(settings, item.key) == item
    assert read_outbox(settings, "mail:no-such-key") is None
    raw = next((tmp_path / "outbox" / "mail" / "new").iterdir()).read_bytes()
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    assert parsed["Message-ID"] and parsed["Date"] and parsed["Auto-Submitted"] == "auto-generated"


def test_unwritable_outbox(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    settings = make_settings(blocker)

    mail = send_email(settings, to=EMAIL, subject="s", body="b")
    sms = send_sms(settings, to=MOBILE, text="t")

    assert (mail.ok, mail.transport, sms.ok, sms.transport) == (False, "maildir", False, "spool")
    assert mail.error and sms.error
    assert list_outbox(settings) == []


# ── SMS gateway ───────────────────────────────────────────────────────────────────────────────


class GatewayServer(ThreadingHTTPServer):
    """An SMS gateway stand-in: records each request, answers with a fixed status."""

    def __init__(self, status: int, reason: str | None, location: str = "") -> None:
        super().__init__(("127.0.0.1", 0), GatewayHandler)
        self.status = status
        self.reason = reason
        self.location = location
        self.requests: list[tuple[str, dict[str, str], Any]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1/messages"


class GatewayHandler(BaseHTTPRequestHandler):
    server: GatewayServer

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        payload = json.loads(self.rfile.read(length).decode("utf-8"))
        self.server.requests.append((self.path, dict(self.headers.items()), payload))
        answer = b'{"id": "m-1"}'
        self.send_response(self.server.status, self.server.reason)
        if self.server.location:
            self.send_header("Location", self.server.location)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def gateway_factory() -> Iterator[Callable[..., GatewayServer]]:
    running: list[tuple[GatewayServer, threading.Thread]] = []

    def start(status: int = 202, reason: str | None = None, location: str = "") -> GatewayServer:
        gateway = GatewayServer(status, reason, location)
        thread = threading.Thread(target=gateway.serve_forever, kwargs={"poll_interval": 0.05})
        thread.start()
        running.append((gateway, thread))
        return gateway

    yield start
    for gateway, thread in running:
        gateway.shutdown()
        gateway.server_close()
        thread.join(timeout=2)


def test_credentials_by_sms_gateway(
    tmp_path: Path, gateway_factory: Callable[..., GatewayServer]
) -> None:
    gateway = gateway_factory()
    settings = make_settings(tmp_path, sms_gateway_url=gateway.url, sms_token=SecretStr(SMS_TOKEN))

    result = send_credentials(
        settings,
        channel="sms",
        to="0912-345-678",
        account=ACCOUNT,
        temporary_password=TEMPORARY_PASSWORD,
        valid_minutes=10,
        language="zh-TW",
    )

    assert result == delivery.SendResult(True, "sms", "http", "0912***678")
    [(path, headers, payload)] = gateway.requests
    assert path == "/v1/messages"
    assert headers["Authorization"] == f"Bearer {SMS_TOKEN}"
    assert headers["Content-Type"].startswith("application/json")
    assert payload == {
        "to": "+886912345678",
        "text": (
            f"[iPAS]自助查詢：帳號 {ACCOUNT} 臨時密碼 {TEMPORARY_PASSWORD}，10 分鐘內有效，"
            "限用一次，先前的作廢"
        ),
    }
    assert list_outbox(settings) == []


@pytest.mark.parametrize(
    ("status", "reason", "location"),
    [
        (500, None, ""),
        (401, f"token {SMS_TOKEN} rejected", ""),  # a gateway that echoes the token back
        (302, None, "http://127.0.0.1:9/elsewhere"),  # not followed: it would carry the token
    ],
)
def test_sms_gateway_failure(
    tmp_path: Path,
    gateway_factory: Callable[..., GatewayServer],
    status: int,
    reason: str | None,
    location: str,
) -> None:
    gateway = gateway_factory(status, reason, location)
    settings = make_settings(tmp_path, sms_gateway_url=gateway.url, sms_token=SecretStr(SMS_TOKEN))

    result = send_credentials(
        settings,
        channel="sms",
        to=MOBILE,
        account=ACCOUNT,
        temporary_password=TEMPORARY_PASSWORD,
        valid_minutes=10,
        language="zh-TW",
    )

    assert not result.ok and result.transport == "http"
    assert result.error.startswith("HTTPError") and str(status) in result.error
    assert SMS_TOKEN not in result.error and TEMPORARY_PASSWORD not in result.error
    assert len(gateway.requests) == 1


def test_sms_gateway_unreachable_or_silent(tmp_path: Path, silent_listener: int) -> None:
    refused = make_settings(tmp_path, sms_gateway_url=f"http://127.0.0.1:{free_port()}/send")
    silent = make_settings(
        tmp_path, sms_gateway_url=f"http://127.0.0.1:{silent_listener}/send", sms_timeout=0.3
    )

    results = [send_sms(settings, to=MOBILE, text="t") for settings in (refused, silent)]

    assert [result.ok for result in results] == [False, False]
    assert all(result.error for result in results)


def test_sms_token_not_sent_over_plain_http_off_loopback(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path, sms_gateway_url="http://sms.invalid/send", sms_token=SecretStr(SMS_TOKEN)
    )

    result = send_sms(settings, to=MOBILE, text="t")

    assert not result.ok
    assert result.error == "DeliveryError: refusing to send the SMS token over plain http"


# ── SMS spool ─────────────────────────────────────────────────────────────────────────────────


def test_sms_spool_round_trip(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)

    result = send_credentials(
        settings,
        channel="sms",
        to=MOBILE,
        account=ACCOUNT,
        temporary_password=TEMPORARY_PASSWORD,
        valid_minutes=10,
        language="en",
    )

    assert result == delivery.SendResult(True, "sms", "spool", "0912***678")
    [file] = list(settings.sms_spool.iterdir())  # no temporary file left behind
    assert file.suffix == ".json"
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    record = json.loads(file.read_text(encoding="utf-8"))
    assert set(record) == {"to", "text", "at", "purpose"}
    assert record["to"] == "+886912345678" and record["purpose"] == "credentials"
    assert record["at"].endswith("+00:00")
    [item] = list_outbox(settings)
    assert item == OutboxItem(
        key=f"sms:{file.stem}",
        channel="sms",
        to="+886912345678",
        subject="",
        at=item.at,
        body=(
            f"[iPAS] your request: account {ACCOUNT}, temporary password {TEMPORARY_PASSWORD}, "
            "valid for 10 minutes, single use; earlier temporary passwords no longer work."
        ),
    )
    assert read_outbox(settings, item.key) == item
    assert read_outbox(settings, "sms:../../etc/passwd") is None
    assert read_outbox(settings, "sms:nothing-here") is None
    assert read_outbox(settings, "nonsense") is None


def test_outbox_newest_first_and_skips_junk(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    assert list_outbox(settings) == []  # no outbox directory yet

    first = send_notice(
        settings, channel="sms", to=MOBILE, subject="", body="考場異動", language="zh-TW"
    )
    second = send_notice(
        settings, channel="email", to=EMAIL, subject="考試通知", body="請攜帶證件", language="zh-TW"
    )
    third = send_sms(settings, to="+886 987 654 321", text="最後一則")
    (settings.sms_spool / "broken.json").write_text("{not json", encoding="utf-8")

    assert first.ok and second.ok and third.ok
    items = list_outbox(settings)
    assert [item.body.splitlines()[0] for item in items] == [
        "最後一則",
        "請攜帶證件",
        "[iPAS] 考場異動",
    ]
    assert items[1].subject == "【iPAS】考試通知"
    assert "03-5917544" in items[1].body


def test_invalid_mobile_is_refused(tmp_path: Path) -> None:
    result = send_sms(make_settings(tmp_path), to="not a phone", text="t")

    assert not result.ok
    assert result.error == "ValueError: not a mobile number"


# ── templates and catalogs ────────────────────────────────────────────────────────────────────


def test_credential_messages(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)

    def message(language: str, channel: str, minutes: int) -> tuple[str, str]:
        return credential_message(
            language=language,
            account=ACCOUNT,
            temporary_password=TEMPORARY_PASSWORD,
            channel=channel,
            valid_minutes=minutes,
            settings=settings,
        )

    zh_subject, zh_body = message("zh-TW", "email", 1440)
    _, en_body = message("en", "email", 60)
    sms_subject, sms_text = message("zh-TW", "sms", 10)

    assert zh_subject == "【iPAS】帳號與臨時密碼通知"
    assert "24 小時內有效" in zh_body and "僅限使用一次" in zh_body
    assert "iPAS@itri.org.tw" in zh_body and "03-5917544" in zh_body
    assert "valid for 1 hour " in en_body and "change your password" in en_body
    assert "Service phone: 03-5917544" in en_body
    assert sms_subject == ""
    assert "\n" not in sms_text
    assert len(sms_text) <= 70  # one UCS-2 SMS segment for a typical account and password


def test_a_credential_message_says_who_sent_it_until_when_and_what_it_replaces(
    tmp_path: Path,
) -> None:
    """One temporary password at a time: every message says the new one replaces the earlier
    ones, names who sent it, and gives the end of its validity in Taiwan time."""
    settings = make_settings(tmp_path)
    expires = datetime(2026, 12, 1, 16, 30)  # naive UTC: 00:30 the next day in Taiwan

    def message(language: str, channel: str, origin: str) -> str:
        return credential_message(
            language=language,
            account=ACCOUNT,
            temporary_password=TEMPORARY_PASSWORD,
            channel=channel,
            valid_minutes=1440,
            settings=settings,
            origin=origin,  # type: ignore[arg-type]
            expires_at=expires,
        )[1]

    desk = message("zh-TW", "email", "helpdesk")
    assert "服務台人員" in desk and "忘記帳號或密碼" not in desk
    assert "至 2026-12-02 00:30 台灣時間為止" in desk
    assert "已取代先前寄出的所有臨時密碼" in desk
    own = message("zh-TW", "email", "self")
    assert "忘記帳號或密碼" in own and "服務台人員" not in own
    english = " ".join(message("en", "email", "helpdesk").split())
    assert "help desk" in english and "(until 2026-12-02 00:30, Taiwan time)" in english
    assert "replaces every temporary password sent before" in english
    sms = message("zh-TW", "sms", "helpdesk")
    assert sms.startswith("[iPAS]服務台寄送") and "先前的作廢" in sms and len(sms) <= 70


@pytest.mark.parametrize(
    ("minutes", "language", "expected"),
    [
        (1440, "zh-TW", "24 小時"),
        (10, "zh-TW", "10 分鐘"),
        (1440, "en", "24 hours"),
        (60, "en", "1 hour"),
        (90, "en", "90 minutes"),
        (1, "en", "1 minute"),
    ],
)
def test_validity_wording(minutes: int, language: str, expected: str) -> None:
    assert messages._validity(minutes, language) == expected


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_catalog_keys_in_both_languages() -> None:
    keys = {
        language: {key for key in catalog(language) if key.startswith("delivery.")}
        for language in LANGUAGES
    }
    required = {
        "delivery.credentials.subject",
        "delivery.credentials.body",
        "delivery.credentials.sms",
        "delivery.notice.subject",
        "delivery.notice.sms",
        "delivery.footer.email",
        "delivery.validity.minute_one",
        "delivery.validity.minutes",
        "delivery.validity.hour_one",
        "delivery.validity.hours",
    }
    assert keys["zh-TW"] == keys["en"]
    assert required <= keys["zh-TW"]
    for key in keys["zh-TW"]:
        assert _fields(catalog("zh-TW")[key]) == _fields(catalog("en")[key]), key


# ── masking ───────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("simon@example.com", "si****@example.com"),
        (" Simon.Chen@Gmail.com ", "Si****@Gmail.com"),
        ("abc@x.tw", "a****@x.tw"),
        ("a@x.tw", "****@x.tw"),
        ("no-at-sign", "no****"),
        ('"a@b"@example.com', '"a****@example.com'),
        ("", ""),
    ],
)
def test_mask_email(address: str, masked: str) -> None:
    assert mask_email(address) == masked


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("0912345678", "0912***678"),
        ("0912-345-678", "0912***678"),
        ("+886912345678", "0912***678"),
        ("+886 912 345 678", "0912***678"),
        ("035917544", "035***544"),
        ("12345", "1***5"),
        ("123", "***"),
        ("", ""),
    ],
)
def test_mask_mobile(number: str, masked: str) -> None:
    assert mask_mobile(number) == masked


@pytest.mark.parametrize(
    ("number", "e164"),
    [
        ("0912345678", "+886912345678"),
        ("0912 345 678", "+886912345678"),
        ("+886912345678", "+886912345678"),
        ("+886-0912-345-678", "+886912345678"),
        ("00886912345678", "+886912345678"),
        ("+1 (415) 555-2671", "+14155552671"),
    ],
)
def test_mobile_to_e164(number: str, e164: str) -> None:
    assert mobile_to_e164(number) == e164


@pytest.mark.parametrize("number", ["", "12345", "0212345678", "09123456789", "+0912345678", "x"])
def test_mobile_to_e164_rejects(number: str) -> None:
    with pytest.raises(ValueError, match=r"^not a mobile number$"):
        mobile_to_e164(number)


@given(st.text())
def test_masks_never_raise(text: str) -> None:
    assert isinstance(mask_email(text), str)
    assert isinstance(mask_mobile(text), str)


@hypothesis_settings(max_examples=50)  # st.emails() is slow to draw
@given(st.emails())
def test_mask_email_hides_most_of_the_local_part(address: str) -> None:
    local, _, domain = address.rpartition("@")
    masked = mask_email(address)
    assert masked.endswith("@" + domain)
    shown = masked.removesuffix("****@" + domain)
    assert local.startswith(shown) and len(shown) <= len(local) // 2


@given(st.from_regex(r"[0-9]{1,20}", fullmatch=True))
def test_mask_mobile_hides_digits(number: str) -> None:
    shown = sum(character.isdigit() for character in mask_mobile(number))
    assert len(number) - shown >= min(len(number), 3)


def test_the_transports_load_on_first_use_not_with_the_use_cases() -> None:
    """A kiosk session that sends nothing never imports SMTP, HTTP or Maildir code (issue 15);
    the package's names still come from ``kiosk.core.delivery``."""
    code = (
        "import sys\n"
        "import kiosk.core.accounts, kiosk.core.helpdesk\n"
        "held = [m for m in ('smtplib', 'urllib.request', 'http.client', 'mailbox')\n"
        "        if m in sys.modules]\n"
        "from kiosk.core import delivery\n"
        "from kiosk.core.delivery import send_email\n"
        "assert send_email is delivery.send_email is delivery.transports.send_email\n"
        "assert delivery.list_outbox is delivery.outbox.list_outbox\n"
        "print(held, 'smtplib' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.split() == ["[]", "True"]
