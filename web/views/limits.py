"""Pages for a client over a limit: the form throttles (THROTTLE_FORMS, THROTTLE_CLAIM) and
the admin sign-in lockout (django-axes, AXES_*), each a 429 with Retry-After."""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from api.throttling import throttle_wait


def form_wait(request: HttpRequest, scope: str) -> int | None:
    """Count one submission of a form of `scope`: None within the limit, else the seconds
    until this client may submit again."""
    return throttle_wait(request, scope)


def too_many(wait: int) -> str:
    """What a page over its limit says."""
    return (
        f"Too many requests from your address; please try again in {duration_words(wait)}. "
        "This keeps the registry answering for everyone."
    )


def retry_after(response: HttpResponse, wait: int) -> HttpResponse:
    response["Retry-After"] = str(wait)
    return response


def duration_words(seconds: int) -> str:
    """A wait in words, rounded up to the unit it is given in: 1 second, 90 seconds,
    45 minutes, 24 hours, 7 days."""
    for unit, size, below in (("second", 1, 120), ("minute", 60, 7200), ("hour", 3600, 172800)):
        if seconds < below:
            count = math.ceil(seconds / size)
            return f"{count} {unit}{'s' if count != 1 else ''}"
    count = math.ceil(seconds / 86400)
    return f"{count} day{'s' if count != 1 else ''}"


def locked_out(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """django-axes' lockout answer (AXES_LOCKOUT_CALLABLE): a 429 page for the whole cool-off."""
    wait = max(1, math.ceil(settings.AXES_COOLOFF_TIME.total_seconds()))
    response = render(
        request,
        "web/locked_out.html",
        {"failure_limit": settings.AXES_FAILURE_LIMIT, "wait": duration_words(wait)},
        status=429,
    )
    return retry_after(response, wait)
