"""Publication dates: one parser for every date phylo reads, and the order of articles.

Dates arrive as ISO 8601 (JSON-LD, ``<meta>``, ``<time>``, feeds) or as RFC 2822
(``Sat, 09 Mar 2024 08:00:00 GMT``, HTTP and some feeds). ``iso_date`` normalises
either to ISO text for tables; ``parse_date`` turns either into a UTC datetime for
comparisons. A bare date (``2024-03-12``) says nothing about the time of day, so it
stands for its whole day (``date_interval``) and sorts as its noon (``sort_time``).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

_BARE_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _parse(value) -> datetime | date | None:
    """A date (bare ``YYYY-MM-DD``) or datetime from ISO 8601 or RFC 2822 text, else None."""
    if not value or not isinstance(value, str):
        return None
    value = value.strip()
    if _BARE_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    for parse in (datetime.fromisoformat, parsedate_to_datetime):
        try:
            return parse(value)
        except (TypeError, ValueError, IndexError):
            continue
    return None


def iso_date(value: str | None) -> str | None:
    """The date as ISO 8601 text (offset kept as given), or None if ``value`` is not a date.

    >>> iso_date("Sat, 09 Mar 2024 08:00:00 GMT"), iso_date("2024-03-12"), iso_date("soon")
    ('2024-03-09T08:00:00+00:00', '2024-03-12', None)
    """
    parsed = _parse(value)
    return parsed.isoformat() if parsed is not None else None


def parse_date(value: str | None) -> datetime | None:
    """The date as a naive UTC datetime (naive input is taken as UTC; a bare date is its midnight)."""
    parsed = _parse(value)
    if parsed is None:
        return None
    if not isinstance(parsed, datetime):
        return datetime(parsed.year, parsed.month, parsed.day)
    return parsed if parsed.tzinfo is None else parsed.astimezone(timezone.utc).replace(tzinfo=None)


def date_interval(value: str | None) -> tuple[datetime, datetime] | None:
    """When an article may have been published: a datetime is exact, a bare date is its whole day."""
    start = parse_date(value)
    if start is None:
        return None
    if _BARE_DATE.fullmatch(value.strip()):  # the time of day is unknown
        return start, start + timedelta(days=1) - timedelta(seconds=1)
    return start, start


def sort_time(value: str | None) -> datetime | None:
    """One time to sort by: the middle of the interval (a bare date counts as its noon)."""
    span = date_interval(value)
    return span[0] + (span[1] - span[0]) / 2 if span else None


def earliest(dates: dict[str, str | None]) -> str | None:
    """The label with the earliest sort time (ties: first in order), or None."""
    dated = [(t, i, label) for i, (label, value) in enumerate(dates.items()) if (t := sort_time(value))]
    return min(dated)[2] if dated else None
