"""Taiwan time (Asia/Taipei, UTC+8, no daylight saving since 1979) for what people read; the store
keeps naive UTC. A fixed offset instead of ``zoneinfo``: no tz database is needed on a kiosk."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

TAIWAN = timezone(timedelta(hours=8), "Asia/Taipei")


def to_local(moment: datetime) -> datetime:
    """Naive UTC from the store → naive Taiwan wall-clock time for a screen or a message."""
    return moment.replace(tzinfo=UTC).astimezone(TAIWAN).replace(tzinfo=None)


def to_utc(local: datetime) -> datetime:
    """Naive Taiwan wall-clock time as staff type it → naive UTC for the store."""
    return local.replace(tzinfo=TAIWAN).astimezone(UTC).replace(tzinfo=None)


def shown(moment: datetime | None) -> str:
    """``YYYY-MM-DD HH:MM`` in Taiwan time for a stored (naive UTC) moment; "" for None."""
    return to_local(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def iso(moment: datetime) -> str:
    """ISO 8601 with the Taiwan offset (``2026-11-25T09:30:00+08:00``) for a stored moment: what
    an export writes, so a spreadsheet or a script elsewhere reads the right instant."""
    return moment.replace(tzinfo=UTC).astimezone(TAIWAN).isoformat(timespec="seconds")


def day_start(day: date) -> datetime:
    """The stored (naive UTC) moment a Taiwan calendar day begins: 16:00 UTC the day before."""
    return to_utc(datetime.combine(day, time()))
