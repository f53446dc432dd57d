"""E-mail and SMS delivery: SMTP or a Maildir outbox, an HTTP gateway or a spool directory.

A site that configures ``smtp_host`` gets real e-mail; otherwise messages land in a Maildir under
``outbox_dir`` (the demo's outbox, which ``ipas-kiosk outbox`` prints). Likewise SMS go to
``sms_gateway_url`` when set, else to a spool directory of JSON files.

Every ``send_*`` function returns a :class:`SendResult` and never raises: a kiosk screen must answer
the same way whether or not the mail server is up. Nothing here logs a message body, and an error
string never carries a secret (SMTP password, SMS token, the temporary password) or the full
destination, so it can go straight into the ``Delivery`` and audit tables.

Modules: ``kinds`` (channels, :class:`SendResult`), ``masking``, ``messages`` (the texts sent),
``transports`` (SMTP, Maildir, HTTP gateway, spool, and the ``send_*`` use cases), ``outbox``
(what the demo sent). This package re-exports the public names.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from kiosk.core.delivery.kinds import (
    ERROR_MAX_LENGTH,
    Channel,
    DeliveryError,
    Origin,
    Purpose,
    SendResult,
    Transport,
)
from kiosk.core.delivery.masking import mask_email, mask_mobile, mobile_to_e164
from kiosk.core.delivery.messages import credential_message, notice_message

if TYPE_CHECKING:
    from kiosk.core.delivery.outbox import OutboxItem, list_outbox, read_outbox
    from kiosk.core.delivery.transports import (
        send_credentials,
        send_email,
        send_notice,
        send_sms,
    )

# Loaded on first use, not with the package: the transports bring smtplib, urllib.request,
# http.client and mailbox (≈ 1 MiB), which a kiosk session that sends nothing never needs
# (issue 15). ``from kiosk.core.delivery import send_email`` works as before.
_LAZY = {
    "OutboxItem": "outbox",
    "list_outbox": "outbox",
    "read_outbox": "outbox",
    "send_credentials": "transports",
    "send_email": "transports",
    "send_notice": "transports",
    "send_sms": "transports",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "ERROR_MAX_LENGTH",
    "Channel",
    "DeliveryError",
    "Origin",
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
