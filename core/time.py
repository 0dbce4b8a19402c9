"""The one timestamp format the registry writes: RFC 3339, UTC, milliseconds, `Z`.

Published passports write `signedAt` this way ("2026-04-18T09:12:44.512Z"), so
every time the registry publishes (signatures, probe evidence, catalog facts,
key history) uses it too.
"""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(tz=UTC)


def timestamp(moment: datetime) -> str:
    """RFC 3339 UTC with milliseconds: 2026-04-18T09:12:44.512Z."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def timestamp_or_none(moment: datetime | None) -> str | None:
    return None if moment is None else timestamp(moment)
