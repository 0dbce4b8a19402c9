"""Who may call a write operation."""

from __future__ import annotations

from rest_framework.request import Request

from core.errors import ApplicationError


def require_staff(request: Request) -> None:
    """401 without a token, 403 for a token that is not staff."""
    user = request.user
    if user is None or not user.is_authenticated:
        raise ApplicationError(
            "authentication required: send 'Authorization: Token <key>'",
            code="not_authenticated",
            status=401,
        )
    if not user.is_staff:
        raise ApplicationError("staff only", code="permission_denied", status=403)
