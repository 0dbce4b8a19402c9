"""Typed readers of the environment, shared by config.settings and config.security.

A value that does not parse is an ImproperlyConfigured naming the variable, at import.
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def env_rate(name: str, default: str) -> str:
    """A throttle rate in DRF's "N/period" form: 60/min, 10/hour, 1000/day."""
    raw = os.environ.get(name) or default
    number, _slash, period = raw.strip().partition("/")
    periods = {"s", "sec", "second", "m", "min", "minute", "h", "hour", "d", "day"}
    if not (number.isascii() and number.isdigit() and len(number) <= 9 and period in periods):
        raise ImproperlyConfigured(
            f"{name} must be a rate like 60/min (s, min, hour, day), got {raw!r}"
        )
    return f"{int(number)}/{period}"


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_debug() -> bool:
    """DEBUG: off unless the environment turns it on (a deploy that forgets it fails closed)."""
    return env_bool("DEBUG", False)
