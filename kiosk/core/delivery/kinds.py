"""What a delivery is and what became of it: the channels, transports and purposes, and
:class:`SendResult`, which every ``send_*`` function returns instead of raising."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Channel = Literal["email", "sms"]
Transport = Literal["smtp", "maildir", "http", "spool"]
Purpose = Literal["credentials", "notice"]
Origin = Literal["self", "helpdesk"]
"""Who sent a temporary password: the candidate's own query at a kiosk, or the help desk."""

ERROR_MAX_LENGTH = 200
"""Longest :attr:`SendResult.error`; it is stored in the database and logged."""

OUTBOX_AT_HEADER = "X-iPAS-Outbox-At"
"""The moment a message was put in the Maildir outbox (its Date header is the message's own)."""


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
