"""The one place edits, reports and as-of queries take the time from."""

from __future__ import annotations

import getpass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def now() -> datetime:
    """The current time, timezone-aware (UTC)."""
    return datetime.now(UTC)


def today(timezone: str) -> date:
    """Today's date in `timezone` (the county's, Asia/Shanghai by default)."""
    return datetime.now(ZoneInfo(timezone)).date()


def os_user() -> str:
    """The operating-system user, who authors edits made on the command line."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
