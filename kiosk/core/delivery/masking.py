"""Destinations as a public screen, a log or the audit may show them: masked e-mail
addresses and mobile numbers, and mobile numbers in E.164 for SMS gateways."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s\-().]")


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
