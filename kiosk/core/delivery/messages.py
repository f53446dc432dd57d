"""The texts that are sent: the credential message (account and temporary password) and the
frame of a free-form notice, in zh-TW or en, with the service contacts."""

from __future__ import annotations

from datetime import datetime

from kiosk.core.delivery.kinds import Origin
from kiosk.infra.config import Settings
from kiosk.infra.i18n import t


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
