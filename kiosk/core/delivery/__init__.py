"""E-mail and SMS delivery: SMTP or a Maildir outbox, an HTTP gateway or a spool directory.

A site that configures ``smtp_host`` gets real e-mail; otherwise messages land in a Maildir under
``outbox_dir`` (the demo's outbox, which ``ipas-kiosk outbox`` prints). Likewise SMS go to
``sms_gateway_url`` when set, else to a spool directory of JSON files.

Every ``send_*`` function returns a :class:`SendResult` and never raises: a kiosk screen must answer
the same way whether or not the mail server is up. Nothing here logs a message body, and an error
string never carries a secret (SMTP password, SMS token, the temporary password) or the full
destination, so it can go straight into the ``Delivery`` and audit tables.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import logging
import mailbox
import os
import re
import smtplib
import ssl
import tempfile
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import Any, Literal

from kiosk.infra.config import Settings
from kiosk.infra.i18n import t

__all__ = [
    "ERROR_MAX_LENGTH",
    "Channel",
    "OutboxItem",
    "Purpose",
    "SendResult",
    "Transport",
    "credential_message",
    "list_outbox",
    "mask_email",
    "mask_mobile",
    "mobile_to_e164",
    "notice_message",
    "read_outbox",
    "send_credentials",
    "send_email",
    "send_notice",
    "send_sms",
]

Channel = Literal["email", "sms"]
Transport = Literal["smtp", "maildir", "http", "spool"]
Purpose = Literal["credentials", "notice"]
Origin = Literal["self", "helpdesk"]
"""Who sent a temporary password: the candidate's own query at a kiosk, or the help desk."""

ERROR_MAX_LENGTH = 200
"""Longest :attr:`SendResult.error`; it is stored in the database and logged."""

_REDACTED = "***"
_SEPARATORS = re.compile(r"[\s\-().]")
_SPOOL_KEY = re.compile(r"[0-9A-Za-z][0-9A-Za-z_-]*")
_MAIL_PREFIX = "mail:"
_SMS_PREFIX = "sms:"
_OUTBOX_AT_HEADER = "X-iPAS-Outbox-At"

logger = logging.getLogger(__name__)


class DeliveryError(Exception):
    """A send refused before any transport was tried (bad destination, unsafe configuration)."""


@dataclass(frozen=True)
class SendResult:
    """What became of one message.

    Attributes:
        ok: True when the transport accepted the message.
        channel: ``"email"`` or ``"sms"``.
        transport: ``"smtp"``, ``"maildir"``, ``"http"`` or ``"spool"``.
        destination_masked: The address or number masked for a public screen or a log.
        error: Empty on success; else a short one-line reason (exception class and message, at
            most :data:`ERROR_MAX_LENGTH` characters) without secrets or the full destination.
    """

    ok: bool
    channel: Channel
    transport: Transport
    destination_masked: str
    error: str = ""


@dataclass(frozen=True)
class OutboxItem:
    """One message in the local outbox (Maildir or SMS spool).

    Attributes:
        key: ``"mail:<maildir key>"`` or ``"sms:<spool file stem>"``; pass it to
            :func:`read_outbox`.
        channel: ``"email"`` or ``"sms"``.
        to: The full destination: the outbox is the demo's stand-in for the candidate's inbox.
        subject: The decoded subject; empty for SMS.
        at: When it was written, timezone-aware.
        body: The decoded text.
    """

    key: str
    channel: str
    to: str
    subject: str
    at: datetime
    body: str


# ── masking ───────────────────────────────────────────────────────────────────────────────────


def mask_email(address: str) -> str:
    """Mask an e-mail address so a candidate can recognise it but a passer-by learns little.

    Keeps at most the first two characters of the local part (fewer when it is short, so at
    least half stays hidden) and the whole domain: ``simon@example.com`` → ``si****@example.com``.

    Args:
        address: Any text; need not be a valid address.

    Returns:
        The masked address, or ``""`` for blank input. Never raises.
    """
    text = str(address).strip()
    if not text:
        return ""
    local, at, domain = text.rpartition("@")
    if not at:
        local, domain = text, ""
    keep = min(2, len(local) // 2)
    return f"{local[:keep]}****{at}{domain}"


def mask_mobile(number: str) -> str:
    """Mask a phone number: ``0912345678`` → ``0912***678``.

    Taiwan mobiles in E.164 (``+886912345678``) are shown in the familiar ``09`` form first. A
    number of ten or more characters keeps its first four and last three; shorter ones keep less,
    so that at least three characters (all of them, below four) stay hidden.

    Args:
        number: Any text; need not be a valid number.

    Returns:
        The masked number, or ``""`` for blank input. Never raises.
    """
    compact = _SEPARATORS.sub("", str(number))
    taiwan = re.fullmatch(r"(?:\+|00)?8860?(9\d{8})", compact)
    if taiwan:
        compact = "0" + taiwan.group(1)
    size = len(compact)
    if not size:
        return ""
    last = min(3, size // 3) if size >= 4 else 0
    first = min(4, max(0, size - last - 3))
    return f"{compact[:first]}***{compact[size - last :]}"


def mobile_to_e164(number: str) -> str:
    """Turn a Taiwan mobile (``0912-345-678``) into E.164 (``+886912345678``) for a gateway.

    Numbers already in international form (``+…`` or ``00…``) are passed through, compacted.

    Args:
        number: The mobile number as typed or stored.

    Returns:
        The number in E.164 form.

    Raises:
        ValueError: When the text is not a phone number (the message never repeats it).
    """
    compact = _SEPARATORS.sub("", number)
    if re.fullmatch(r"09\d{8}", compact):
        return "+886" + compact[1:]
    taiwan = re.fullmatch(r"(?:\+|00)?8860?(9\d{8})", compact)
    if taiwan:
        return "+886" + taiwan.group(1)
    international = re.fullmatch(r"(?:\+|00)([1-9]\d{6,14})", compact)
    if international:
        return "+" + international.group(1)
    raise ValueError("not a mobile number")


# ── templates ─────────────────────────────────────────────────────────────────────────────────


def _validity(minutes: int, language: str) -> str:
    if minutes >= 60 and minutes % 60 == 0:
        hours = minutes // 60
        return t(
            "delivery.validity.hour_one" if hours == 1 else "delivery.validity.hours",
            language,
            n=hours,
        )
    return t(
        "delivery.validity.minute_one" if minutes == 1 else "delivery.validity.minutes",
        language,
        n=minutes,
    )


def _email_footer(language: str, settings: Settings) -> str:
    return t(
        "delivery.footer.email",
        language,
        phone=settings.service_phone,
        email=settings.service_email,
    ).strip()


def credential_message(
    *,
    language: str,
    account: str,
    temporary_password: str,
    channel: str,
    valid_minutes: int,
    settings: Settings,
    origin: Origin = "self",
    expires_at: datetime | None = None,
) -> tuple[str, str]:
    """The credential-query message: who sent it, account, temporary password, until when it
    works, that it replaces every earlier one, contacts.

    The rule it states is the store's: a candidate has at most one temporary password; a new one
    (asked for at a kiosk or sent by the help desk) replaces the earlier one at once.

    Args:
        language: ``"zh-TW"`` or ``"en"`` (anything else falls back to zh-TW).
        account: The candidate's account.
        temporary_password: The new single-use password, in clear: it only travels in the message.
        channel: ``"sms"`` for the short text; anything else gives the e-mail.
        valid_minutes: How long the temporary password works (e-mail 1440, SMS 10 by default).
        settings: Supplies the service phone and e-mail.
        origin: ``"self"`` (the candidate's own 忘記帳號或密碼) or ``"helpdesk"`` (staff resent it).
        expires_at: When it stops working (naive UTC, shown in Taiwan time); None: not stated.

    Returns:
        ``(subject, body)``; for SMS the subject is ``""`` and the body is one short line.
    """
    from kiosk.core.taiwan_time import shown

    values: dict[str, object] = {
        "account": account,
        "password": temporary_password,
        "origin": t(f"delivery.credentials.origin_{origin}", language),
        "origin_short": t(f"delivery.credentials.origin_{origin}_short", language),
        "expires": (
            t("delivery.credentials.until", language, at=shown(expires_at)) if expires_at else ""
        ),
        "validity": _validity(valid_minutes, language),
        "phone": settings.service_phone,
        "email": settings.service_email,
    }
    if channel == "sms":
        return "", t("delivery.credentials.sms", language, **values).strip()
    subject = t("delivery.credentials.subject", language, **values).strip()
    body = t("delivery.credentials.body", language, **values).strip()
    return subject, f"{body}\n\n{_email_footer(language, settings)}\n"


def notice_message(
    *, language: str, channel: str, subject: str, body: str, settings: Settings
) -> tuple[str, str]:
    """Wrap a free-form notice (exam notice, venue change …) in the iPAS subject and footer.

    Args:
        language: ``"zh-TW"`` or ``"en"``.
        channel: ``"sms"`` for a text message; anything else gives an e-mail.
        subject: The notice's own subject (ignored for SMS).
        body: The notice's text.
        settings: Supplies the service phone and e-mail for the e-mail footer.

    Returns:
        ``(subject, body)``; for SMS the subject is ``""``.
    """
    if channel == "sms":
        return "", t("delivery.notice.sms", language, text=body.strip())
    full_subject = t("delivery.notice.subject", language, subject=subject.strip())
    return full_subject, f"{body.strip()}\n\n{_email_footer(language, settings)}\n"


# ── errors ────────────────────────────────────────────────────────────────────────────────────


def _safe_error(exc: BaseException, *, secrets: Iterable[str], destination: str) -> str:
    """One line, no secrets, no full destination, at most ``ERROR_MAX_LENGTH`` characters."""
    text = f"{type(exc).__name__}: {exc}"
    for secret in secrets:
        if secret:
            text = text.replace(secret, _REDACTED)
    if destination.strip():
        text = text.replace(destination.strip(), _REDACTED)
    text = " ".join(text.split())
    if len(text) > ERROR_MAX_LENGTH:
        text = text[: ERROR_MAX_LENGTH - 1] + "…"
    return text


def _settings_secrets(settings: Settings) -> list[str]:
    secrets = [
        settings.smtp_password.get_secret_value() if settings.smtp_password else "",
        settings.sms_token.get_secret_value() if settings.sms_token else "",
    ]
    if settings.sms_gateway_url:
        with contextlib.suppress(ValueError):
            secrets.append(urllib.parse.urlsplit(settings.sms_gateway_url).password or "")
    return secrets


def _is_loopback(host: str) -> bool:
    if host.lower() in {"localhost", "localhost.localdomain"}:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


# ── e-mail ────────────────────────────────────────────────────────────────────────────────────


def _email_message(
    settings: Settings, *, to: str, subject: str, body: str, purpose: str, cte: str
) -> EmailMessage:
    if "@" not in to:
        raise DeliveryError("not an e-mail address")
    sender_address = parseaddr(settings.smtp_sender)[1]
    domain = sender_address.rpartition("@")[2] or "ipas-kiosk.invalid"
    message = EmailMessage()  # policy.default: RFC 2047 encodes the Chinese headers
    message["From"] = settings.smtp_sender
    message["To"] = to.strip()
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now().astimezone())
    # An explicit domain: make_msgid() would otherwise call getfqdn(), a DNS lookup.
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    message["X-iPAS-Purpose"] = purpose
    message.set_content(body, charset="utf-8", cte=cte)
    return message


def _send_smtp(
    settings: Settings, message: EmailMessage, tls_context: ssl.SSLContext | None
) -> None:
    host = settings.smtp_host
    if settings.smtp_username and not settings.smtp_starttls and not _is_loopback(host):
        raise DeliveryError("refusing SMTP login without STARTTLS")
    with smtplib.SMTP(host, settings.smtp_port, timeout=settings.smtp_timeout) as smtp:
        smtp.ehlo()
        if settings.smtp_starttls:
            smtp.starttls(context=tls_context or ssl.create_default_context())
            smtp.ehlo()
        if settings.smtp_username:
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
            smtp.login(settings.smtp_username, password)
        refused = smtp.send_message(message)
        if refused:
            raise smtplib.SMTPRecipientsRefused(refused)


def _send_email(
    settings: Settings,
    *,
    to: str,
    subject: str,
    body: str,
    purpose: str,
    redact: Iterable[str] = (),
    tls_context: ssl.SSLContext | None = None,
) -> SendResult:
    transport: Transport = "smtp" if settings.smtp_host else "maildir"
    masked = mask_email(to)
    try:
        if transport == "smtp":
            # base64 keeps the UTF-8 body 7-bit clean, so no server needs 8BITMIME.
            message = _email_message(
                settings, to=to, subject=subject, body=body, purpose=purpose, cte="base64"
            )
            _send_smtp(settings, message, tls_context)
        else:
            message = _email_message(
                settings, to=to, subject=subject, body=body, purpose=purpose, cte="8bit"
            )
            # The Date header has whole seconds and file times a coarse clock: keep the exact
            # moment, so the outbox lists a message sent right after another one first.
            message[_OUTBOX_AT_HEADER] = datetime.now(UTC).isoformat()
            settings.maildir.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            mailbox.Maildir(settings.maildir, create=True).add(message)
    except Exception as exc:  # never raise: the caller answers the candidate the same either way
        error = _safe_error(exc, secrets=[*_settings_secrets(settings), *redact], destination=to)
        logger.warning("e-mail via %s to %s failed: %s", transport, masked, error)
        return SendResult(False, "email", transport, masked, error)
    logger.info("e-mail via %s to %s sent (%s)", transport, masked, purpose)
    return SendResult(True, "email", transport, masked)


def send_email(
    settings: Settings,
    *,
    to: str,
    subject: str,
    body: str,
    purpose: Purpose = "notice",
    tls_context: ssl.SSLContext | None = None,
) -> SendResult:
    """Send one plain-text UTF-8 e-mail by SMTP, or into the Maildir outbox.

    SMTP is used when ``settings.smtp_host`` is set: STARTTLS when ``smtp_starttls``, then login
    when ``smtp_username`` is set (refused without STARTTLS unless the host is loopback, so the
    password never crosses a network in clear).

    Args:
        settings: Transport settings.
        to: The recipient address.
        subject: The subject (Chinese is fine).
        body: The plain-text body.
        purpose: Recorded in an ``X-iPAS-Purpose`` header.
        tls_context: Trust for STARTTLS; default: the system's CA store with hostname checks.

    Returns:
        The outcome; never raises.
    """
    return _send_email(
        settings, to=to, subject=subject, body=body, purpose=purpose, tls_context=tls_context
    )


# ── SMS ───────────────────────────────────────────────────────────────────────────────────────


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect must not carry the bearer token to another URL: treat 3xx as a failure."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _send_http(settings: Settings, *, to: str, text: str) -> None:
    url = settings.sms_gateway_url
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in {"http", "https"}:
        raise DeliveryError("SMS gateway URL must be http or https")
    if parts.scheme == "http" and settings.sms_token and not _is_loopback(parts.hostname or ""):
        raise DeliveryError("refusing to send the SMS token over plain http")
    headers = {"Content-Type": "application/json; charset=utf-8", "Accept": "application/json"}
    if settings.sms_token:
        headers["Authorization"] = f"Bearer {settings.sms_token.get_secret_value()}"
    payload = json.dumps({"to": to, "text": text}, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=payload, headers=headers, method="POST")
    opener = urllib.request.build_opener(_NoRedirect)
    with opener.open(request, timeout=settings.sms_timeout) as response:
        status = int(response.status)
    if not 200 <= status < 300:
        raise DeliveryError(f"gateway answered HTTP {status}")


def _write_spool(settings: Settings, record: dict[str, str], now: datetime) -> Path:
    spool = settings.sms_spool
    spool.mkdir(parents=True, exist_ok=True, mode=0o700)
    final = spool / f"{now:%Y%m%dT%H%M%S%f}Z-{uuid.uuid4().hex[:12]}.json"
    # mkstemp makes the file 0600: it holds a temporary password.
    handle, temporary = tempfile.mkstemp(dir=spool, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(record, stream, ensure_ascii=False, indent=2)
            stream.write("\n")
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, final)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return final


def _send_sms(
    settings: Settings, *, to: str, text: str, purpose: str, redact: Iterable[str] = ()
) -> SendResult:
    transport: Transport = "http" if settings.sms_gateway_url else "spool"
    masked = mask_mobile(to)
    try:
        number = mobile_to_e164(to)
        if transport == "http":
            _send_http(settings, to=number, text=text)
        else:
            now = datetime.now(UTC)
            record = {"to": number, "text": text, "at": now.isoformat(), "purpose": purpose}
            _write_spool(settings, record, now)
    except Exception as exc:  # never raise: the caller answers the candidate the same either way
        error = _safe_error(exc, secrets=[*_settings_secrets(settings), *redact], destination=to)
        logger.warning("SMS via %s to %s failed: %s", transport, masked, error)
        return SendResult(False, "sms", transport, masked, error)
    logger.info("SMS via %s to %s sent (%s)", transport, masked, purpose)
    return SendResult(True, "sms", transport, masked)


def send_sms(settings: Settings, *, to: str, text: str, purpose: Purpose = "notice") -> SendResult:
    """Send one SMS through the HTTP gateway, or into the spool directory.

    The gateway gets ``POST {"to": "+8869…", "text": "…"}`` as JSON with
    ``Authorization: Bearer <sms_token>``; any 2xx answer counts as sent, anything else
    (including a redirect, which is not followed) as failed. The spool gets one JSON file per
    message (``to``, ``text``, ``at`` in UTC ISO 8601, ``purpose``), written atomically.

    Args:
        settings: Transport settings.
        to: The mobile number, ``09xxxxxxxx`` or E.164.
        text: The message text.
        purpose: ``"credentials"`` or ``"notice"``; recorded in the spool file.

    Returns:
        The outcome; never raises.
    """
    return _send_sms(settings, to=to, text=text, purpose=purpose)


# ── use cases ─────────────────────────────────────────────────────────────────────────────────


def send_credentials(
    settings: Settings,
    *,
    channel: Channel,
    to: str,
    account: str,
    temporary_password: str,
    valid_minutes: int,
    language: str,
    origin: Origin = "self",
    expires_at: datetime | None = None,
) -> SendResult:
    """Send the credential-query answer: the account and a new temporary password.

    Args:
        settings: Transport settings and service contacts.
        channel: ``"email"`` or ``"sms"``.
        to: The registered e-mail address or mobile number.
        account: The candidate's account.
        temporary_password: The temporary password, in clear; never logged or put in ``error``.
        valid_minutes: Its validity, stated in the message.
        language: ``"zh-TW"`` or ``"en"``.
        origin: Who sent it (see :func:`credential_message`).
        expires_at: When it stops working (naive UTC).

    Returns:
        The outcome; never raises.
    """
    subject, body = credential_message(
        language=language,
        account=account,
        temporary_password=temporary_password,
        channel=channel,
        valid_minutes=valid_minutes,
        settings=settings,
        origin=origin,
        expires_at=expires_at,
    )
    if channel == "sms":
        return _send_sms(
            settings, to=to, text=body, purpose="credentials", redact=[temporary_password]
        )
    return _send_email(
        settings,
        to=to,
        subject=subject,
        body=body,
        purpose="credentials",
        redact=[temporary_password],
    )


def send_notice(
    settings: Settings, *, channel: Channel, to: str, subject: str, body: str, language: str
) -> SendResult:
    """Send a free-form notice (exam notice, venue …) with the iPAS subject prefix and footer.

    Args:
        settings: Transport settings and service contacts.
        channel: ``"email"`` or ``"sms"``.
        to: The e-mail address or mobile number.
        subject: The notice's subject (not used for SMS).
        body: The notice's text.
        language: ``"zh-TW"`` or ``"en"``.

    Returns:
        The outcome; never raises.
    """
    full_subject, full_body = notice_message(
        language=language, channel=channel, subject=subject, body=body, settings=settings
    )
    if channel == "sms":
        return _send_sms(settings, to=to, text=full_body, purpose="notice")
    return _send_email(settings, to=to, subject=full_subject, body=full_body, purpose="notice")


# ── the local outbox ──────────────────────────────────────────────────────────────────────────


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _mail_item(box: mailbox.Maildir, key: str) -> OutboxItem | None:
    try:
        raw = box.get_bytes(key)
        message = BytesParser(policy=policy.default).parsebytes(raw)
        part = message.get_body(preferencelist=("plain",))
        body = part.get_content() if isinstance(part, EmailMessage) else ""
        try:
            at = _aware(datetime.fromisoformat(str(message.get(_OUTBOX_AT_HEADER))))
        except ValueError:  # written by someone else: fall back to the delivery time
            at = datetime.fromtimestamp(box.get_message(key).get_date(), UTC)
        return OutboxItem(
            key=_MAIL_PREFIX + key,
            channel="email",
            to=str(message.get("To", "")),
            subject=str(message.get("Subject", "")),
            at=at,
            body=str(body),
        )
    except (KeyError, OSError, ValueError, LookupError, TypeError):
        return None  # removed meanwhile, or not a message we can read: leave it out


def _open_maildir(settings: Settings) -> mailbox.Maildir | None:
    if not settings.maildir.is_dir():
        return None
    try:
        return mailbox.Maildir(settings.maildir, create=False)
    except (OSError, mailbox.Error):
        return None


def _sms_item(path: Path) -> OutboxItem | None:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(record, dict):
            return None
        return OutboxItem(
            key=_SMS_PREFIX + path.stem,
            channel="sms",
            to=str(record.get("to", "")),
            subject="",
            at=_aware(datetime.fromisoformat(str(record["at"]))),
            body=str(record.get("text", "")),
        )
    except (KeyError, OSError, ValueError):
        return None


def list_outbox(settings: Settings) -> list[OutboxItem]:
    """Every message in the local outbox (Maildir and SMS spool), newest first.

    Unreadable entries are skipped; a missing outbox is empty.

    Args:
        settings: Supplies ``maildir`` and ``sms_spool``.

    Returns:
        The messages, newest first.
    """
    items: list[OutboxItem] = []
    box = _open_maildir(settings)
    if box is not None:
        with contextlib.suppress(OSError):
            items.extend(item for key in box.iterkeys() if (item := _mail_item(box, key)))
    if settings.sms_spool.is_dir():
        with contextlib.suppress(OSError):
            paths = sorted(settings.sms_spool.glob("*.json"))
            items.extend(item for path in paths if (item := _sms_item(path)))
    items.sort(key=lambda item: (item.at, item.key), reverse=True)
    return items


def read_outbox(settings: Settings, key: str) -> OutboxItem | None:
    """One outbox message by the key :func:`list_outbox` gave it.

    Args:
        settings: Supplies ``maildir`` and ``sms_spool``.
        key: ``"mail:…"`` or ``"sms:…"``.

    Returns:
        The message, or None when the key is unknown or malformed.
    """
    if key.startswith(_MAIL_PREFIX):
        box = _open_maildir(settings)
        return _mail_item(box, key.removeprefix(_MAIL_PREFIX)) if box is not None else None
    if key.startswith(_SMS_PREFIX):
        stem = key.removeprefix(_SMS_PREFIX)
        if not _SPOOL_KEY.fullmatch(stem):
            return None  # no path separators or dots: the key cannot leave the spool
        return _sms_item(settings.sms_spool / f"{stem}.json")
    return None
