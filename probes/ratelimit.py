"""A per-provider rate limit shared by every worker process.

Virtual scheduling (GCRA with no burst): each call reserves the next free
moment `1/rate` seconds after the previous reservation and sleeps until it.
Redis holds the reservations when the broker is Redis (workers on several
machines); otherwise a locked file under var/ (workers on one machine).
"""

from __future__ import annotations

import fcntl
import functools
import logging
import re
import time
from pathlib import Path
from typing import Any

from django.conf import settings

logger = logging.getLogger(__name__)

_RESERVE = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1000000
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < t then tat = t end
redis.call('SET', KEYS[1], tostring(tat + tonumber(ARGV[1])), 'EX', 3600)
return {tostring(tat), tostring(tat - t)}
"""


def _safe(provider: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", provider)[:100] or "_"


@functools.cache
def _redis_script(url: str) -> Any:
    """One connection pool and one registered script per process and broker URL (a
    forked worker gets its own: redis-py resets a pool used across a fork)."""
    import redis

    return redis.Redis.from_url(url, socket_timeout=5).register_script(_RESERVE)


def _reserve_redis(url: str, provider: str, interval: float) -> tuple[float, float]:
    """(the reserved moment, seconds to wait for it), on Redis's clock."""
    moment, wait = _redis_script(url)(keys=[f"probes:rate:{_safe(provider)}"], args=[str(interval)])
    return float(moment), float(wait)


def _reserve_file(folder: Path, provider: str, interval: float) -> tuple[float, float]:
    """(the reserved moment, seconds to wait for it), on this machine's clock."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{_safe(provider)}.tat"
    with open(path, "a+", encoding="ascii") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            handle.seek(0)
            raw = handle.read().strip()
            now = time.time()
            tat = max(float(raw) if raw else 0.0, now)
            handle.seek(0)
            handle.truncate()
            handle.write(repr(tat + interval))
            handle.flush()
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    return tat, tat - now


def rate_limit_wait(provider: str) -> None:
    """Block until this process may call `provider` (PROBE_RATE_PER_SECOND per provider).
    The reserved moment is logged at DEBUG (`reserved_at`, `provider` on the record): the
    schedule the limiter kept, whatever the machine's load did to the call afterwards."""
    rate = settings.PROBE_RATE_PER_SECOND
    if rate <= 0:
        return
    interval = 1.0 / rate
    broker = str(settings.CELERY_BROKER_URL)
    if broker.startswith(("redis://", "rediss://")):
        moment, wait = _reserve_redis(broker, provider, interval)
    else:
        moment, wait = _reserve_file(Path(settings.VAR_DIR) / "probe-rate", provider, interval)
    logger.debug(
        "rate limit: %s reserved %.6f",
        provider,
        moment,
        extra={"provider": provider, "reserved_at": moment},
    )
    if wait > 0:
        time.sleep(wait)
