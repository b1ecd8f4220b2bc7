"""The one place edits, reports and as-of queries take the time from."""

from __future__ import annotations

import getpass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def now() -> datetime:
    """The current time, timezone-aware (UTC)."""
    return datetime.now(UTC)


def today(timezone: str) -> date:
    """Today's date in `timezone` (the county's, Asia/Shanghai by default)."""
    return datetime.now(ZoneInfo(timezone)).date()


def local_date(at: datetime, timezone: str) -> date:
    """The date `at` falls on in `timezone`."""
    return at.astimezone(ZoneInfo(timezone)).date()


def start_of_day(day: date, timezone: str) -> datetime:
    """Local midnight at the start of `day` in `timezone`, timezone-aware."""
    return datetime.combine(day, time(0), ZoneInfo(timezone))


def end_of_day(day: date, timezone: str) -> datetime:
    """The last instant of `day` in the county's timezone: the grid "as it was on" that date."""
    midnight = datetime.combine(day + timedelta(days=1), time(0), ZoneInfo(timezone))
    return midnight - timedelta(microseconds=1)


def os_user() -> str:
    """The operating-system user, who authors edits made on the command line."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
