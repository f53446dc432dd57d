"""The local outbox the demo reads (``ipas-kiosk outbox``): the Maildir and the SMS spool, as
:class:`OutboxItem` records."""

from __future__ import annotations

import contextlib
import json
import mailbox
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from kiosk.core.delivery.kinds import OUTBOX_AT_HEADER
from kiosk.infra.config import Settings

_SPOOL_KEY = re.compile(r"[0-9A-Za-z][0-9A-Za-z_-]*")
_MAIL_PREFIX = "mail:"
_SMS_PREFIX = "sms:"


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


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _mail_item(box: mailbox.Maildir, key: str) -> OutboxItem | None:
    try:
        raw = box.get_bytes(key)
        message = BytesParser(policy=policy.default).parsebytes(raw)
        part = message.get_body(preferencelist=("plain",))
        body = part.get_content() if isinstance(part, EmailMessage) else ""
        try:
            at = _aware(datetime.fromisoformat(str(message.get(OUTBOX_AT_HEADER))))
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
