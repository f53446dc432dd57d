"""Sending: SMTP or the Maildir outbox for e-mail, an HTTP gateway or the spool directory for
SMS; the use cases ``send_credentials`` and ``send_notice`` on top. Nothing raises, nothing logs a
body, and no error string carries a secret or the full destination."""

from __future__ import annotations

import contextlib
import ipaddress
import json
import logging
import mailbox
import os
import smtplib
import ssl
import tempfile
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import Any

from kiosk.core.delivery.kinds import (
    ERROR_MAX_LENGTH,
    OUTBOX_AT_HEADER,
    Channel,
    DeliveryError,
    Origin,
    Purpose,
    SendResult,
    Transport,
)
from kiosk.core.delivery.masking import mask_email, mask_mobile, mobile_to_e164
from kiosk.core.delivery.messages import credential_message, notice_message
from kiosk.infra.config import Settings

_REDACTED = "***"

logger = logging.getLogger(__name__)


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
            message[OUTBOX_AT_HEADER] = datetime.now(UTC).isoformat()
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
