"""What a request says about where it came in."""

from __future__ import annotations

from typing import Any


def base_url(request: Any) -> str:
    """The scheme and host a request came in on, as links in answers use them."""
    return str(request.build_absolute_uri("/")).rstrip("/")
