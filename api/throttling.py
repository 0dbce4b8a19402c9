"""Per-client limits: who a client is, and how many requests of a kind it may make.

One client is one address: REMOTE_ADDR, or behind NUM_PROXIES proxies the address the
nearest of them saw (DRF's reading of X-Forwarded-For). Counters live in the shared cache
(settings.CACHES: Redis in production, this process's memory in development) under a keyed
hash of the address, so no raw address is a cache key. Rates are read from settings on each
request (THROTTLE_ENABLED, THROTTLE_RATES), so a test or an operator's change applies at once.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from typing import Any

from django.conf import settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

SCOPES = ("resolve", "verify", "validate", "feedback", "claim", "forms", "search", "mcp")


def client_ident(request: Any) -> str:
    """The client's address as the throttles and the admin lockout count it."""
    return BaseThrottle().get_ident(request) or ""


def client_key(request: Any) -> str:
    """A keyed hash of the client's address: stable for one address, and no address
    can be read back from it (the key is derived from SECRET_KEY)."""
    key = hashlib.sha256(b"client-key:" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, client_ident(request).encode(), hashlib.sha256).hexdigest()


class ScopedThrottle(SimpleRateThrottle):
    """DRF's sliding-window throttle for views that set `throttle_scope`, the rate from
    settings.THROTTLE_RATES[scope] at request time; views without a scope are not limited."""

    def __init__(self) -> None:
        # The rate depends on the view; it is read in allow_request.
        self.scope = ""

    def get_rate(self) -> str | None:
        rate: str | None = settings.THROTTLE_RATES.get(self.scope or "")
        return rate

    def allow_request(self, request: Any, view: Any) -> bool:
        self.scope = getattr(view, "throttle_scope", "")
        if not self.scope or not settings.THROTTLE_ENABLED:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": client_key(request)}


class _Scope:
    """What ScopedThrottle reads from a view, for requests that no DRF view serves."""

    def __init__(self, scope: str) -> None:
        self.throttle_scope = scope


def throttle_wait(request: Any, scope: str) -> int | None:
    """Count a request of `scope` from this client (an HTML form's): None when within the
    limit, else the whole seconds until the client may try again (at least 1)."""
    throttle = ScopedThrottle()
    if throttle.allow_request(request, _Scope(scope)):
        return None
    return max(1, math.ceil(throttle.wait() or 0))
