"""Publication dates as sources write them, turned into aware UTC datetimes.

Feeds say ``Mon, 27 Jul 2026 21:13:54 +0000`` or ``GMT``; JSON-LD says
``2026-07-27T16:13:54-05:00``; pages say "Actualizado el 27/07/2026 a las 16:13" or
"hace 2 horas"; some URLs carry only the Lima date. A date without a zone is Lima time
(the campaign's zone); relative dates count back from when the page was fetched.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from zoneinfo import ZoneInfo

import dateparser

LIMA = "America/Lima"
_URL_DATE = (
    re.compile(r"/(20\d\d)/(0[1-9]|1[0-2])/(0[1-9]|[12]\d|3[01])(?:/|$)"),
    re.compile(r"(?<!\d)(20\d\d)-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(?!\d)"),
    re.compile(r"/(20\d\d)(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?:/|-|$)"),
)
_SPANISH_NOISE = re.compile(
    r"\b(actualizad[oa]|publicad[oa]|fecha|el|a\s+las|a\s+la|hrs?\.?|horas?)\b", re.IGNORECASE
)
_MERIDIEM = re.compile(r"\b([ap])\.?\s*m\.?(?=\s|$)", re.IGNORECASE)


def _aware(value: datetime, tz: str) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(tz))
    return value.astimezone(UTC)


def parse_date(
    value: object, *, now: datetime | None = None, tz: str = LIMA
) -> datetime | None:
    """An aware UTC datetime for ``value``, or None when it is not a date.

    ``value`` may be a datetime (naive means ``tz``), a Unix epoch, or a string in RFC 822,
    ISO 8601, a Spanish or English date ("27 de julio de 2026", "27/07/2026 16:13") or a
    relative one ("hace 5 minutos", "ayer", "hace 3 días"), counted back from ``now``.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return _aware(value, tz)
    if isinstance(value, date):
        return _aware(datetime(value.year, value.month, value.day), tz)
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value) / (1000 if value > 1e11 else 1)
        return datetime.fromtimestamp(seconds, UTC)
    text = " ".join(str(value).split())
    if not text:
        return None
    if re.fullmatch(r"\d{9,13}(\.\d+)?", text):
        return parse_date(float(text), now=now, tz=tz)
    parsed = _parse_fixed(text, tz)
    if parsed is not None:
        return parsed
    return _parse_natural(text, now=now, tz=tz)


def _parse_fixed(text: str, tz: str) -> datetime | None:
    iso = text.replace("Z", "+00:00") if text.endswith("Z") else text
    try:
        return _aware(datetime.fromisoformat(iso), tz)
    except ValueError:
        pass
    if re.match(r"^([A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d", text):
        try:
            return _aware(parsedate_to_datetime(text), tz)
        except (TypeError, ValueError, IndexError):
            pass
    return None


def _parse_natural(text: str, *, now: datetime | None, tz: str) -> datetime | None:
    base = (now or datetime.now(UTC))
    base = _aware(base, tz).astimezone(ZoneInfo(tz)).replace(tzinfo=None)
    cleaned = _MERIDIEM.sub(lambda m: m.group(1).lower() + "m", text)
    if re.search(r"\d{1,2}/\d{1,2}/\d{4}", cleaned):
        cleaned = " ".join(_SPANISH_NOISE.sub(" ", cleaned).split())
    settings = {
        "RELATIVE_BASE": base,
        "TIMEZONE": tz,
        "RETURN_AS_TIMEZONE_AWARE": True,
        "TO_TIMEZONE": "UTC",
        "PREFER_DATES_FROM": "past",
        "DATE_ORDER": "DMY",
    }
    try:
        parsed = dateparser.parse(cleaned, languages=["es", "en"], settings=settings)
    except (ValueError, OverflowError, TypeError):
        return None
    return parsed.astimezone(UTC) if parsed else None


def date_from_url(url: str, tz: str = LIMA) -> datetime | None:
    """The date a URL carries (``/2026/07/27/``, ``2026-07-27``), as midnight in ``tz``, in UTC."""
    for pattern in _URL_DATE:
        match = pattern.search(url)
        if match:
            year, month, day = (int(g) for g in match.groups())
            try:
                return _aware(datetime(year, month, day), tz)
            except ValueError:
                continue
    return None


def is_recent(when: datetime | None, now: datetime, max_age: timedelta) -> bool:
    """True when ``when`` lies within ``max_age`` before ``now`` (a little future is allowed)."""
    if when is None:
        return False
    return now - max_age <= when <= now + timedelta(days=1)


def now_setting(crawler: Any) -> datetime | None:
    """The crawl's ``VIGIA_NOW`` setting as an aware datetime, or None for the real clock."""
    value = crawler.settings.get("VIGIA_NOW")
    if not value:
        return None
    parsed = parse_date(value)
    if parsed is None:
        raise ValueError(f"VIGIA_NOW={value!r} is not a date")
    return parsed
