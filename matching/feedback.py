"""Feedback on a resolved model: the callback token each result carries, and recording the
report it authorises."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from core.errors import ApplicationError, NotFound
from core.numbers import plain_int

from .models import Feedback, FeedbackWindow, ResolveLog


def callback_token(resolve_id: str, slug: str, expires: int) -> str:
    """The token that lets whoever got `slug` from resolve `resolve_id` report on it until
    `expires`: an HMAC, so feedback needs no stored token."""
    key = hashlib.sha256(b"callback-token:" + settings.SECRET_KEY.encode()).digest()
    mac = hmac.new(key, f"{resolve_id}|{slug}|{expires}".encode(), hashlib.sha256).digest()
    return f"{expires}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


class FeedbackRejected(ApplicationError):
    pass


class _Counted(Exception):
    """A client's feedback on the model already counted within the window."""


def _window_take(*, keys: list[str], slug: str, now: datetime) -> bool:
    """Whether feedback on `slug` from these clients counts toward its success rate now:
    none of them had feedback on it counted within FEEDBACK_DEDUP_SECONDS. When it counts,
    each client's window starts again at `now`. Caller is inside a transaction.

    Each key is taken with a conditional UPDATE (or the INSERT its unique constraint
    guards), so of two reports at once only one counts; if any key is still in its window
    none is moved (the savepoint rolls back).
    """
    cutoff = now - timedelta(seconds=settings.FEEDBACK_DEDUP_SECONDS)
    try:
        with transaction.atomic():
            for key in sorted(set(keys)):
                taken = FeedbackWindow.objects.filter(
                    client_key=key, slug=slug, counted_at__lte=cutoff
                ).update(counted_at=now)
                if taken:
                    continue
                try:
                    with transaction.atomic():
                        FeedbackWindow.objects.create(client_key=key, slug=slug, counted_at=now)
                except IntegrityError as exc:
                    raise _Counted from exc
    except _Counted:
        return False
    return True


def feedback_record(*, body: Any, client_key: str = "") -> Feedback:
    """Record feedback on one result of a resolve, authorised by its callback token.

    `client_key` (api.throttling.client_key) is who reports; with the key of who resolved
    it decides whether the report counts toward the model's success rate (_window_take):
    repeated resolve-and-feedback from one client counts once per window.
    """
    if not isinstance(body, dict):
        raise FeedbackRejected("the body must be a JSON object", field="body")
    for name in ("resolveId", "slug", "callbackToken", "outcome"):
        if name not in body:
            raise FeedbackRejected(f"{name} is required", field=name)
        if not isinstance(body[name], str) or not body[name]:
            raise FeedbackRejected(f"{name} must be a non-empty string", field=name)
    if body["outcome"] not in ("success", "failure"):
        raise FeedbackRejected("outcome must be 'success' or 'failure'", field="outcome")
    note = body.get("note", "")
    if not isinstance(note, str) or len(note) > 2000:
        raise FeedbackRejected("note must be a string of at most 2000 characters", field="note")
    try:
        resolve_id = str(uuid.UUID(body["resolveId"]))
    except ValueError as exc:
        raise FeedbackRejected("resolveId is not a resolve id", field="resolveId") from exc
    slug, token = body["slug"], body["callbackToken"]
    expires_text, _dot, _mac = token.partition(".")
    expires = plain_int(expires_text, max_digits=12)
    if expires is None or len(token) > 200:
        raise FeedbackRejected(
            "callbackToken is not valid", code="invalid_token", field="callbackToken", status=403
        )
    expected = callback_token(resolve_id, slug, expires)
    if not hmac.compare_digest(expected.encode(), token.encode()):
        raise FeedbackRejected(
            "callbackToken is not valid for this resolveId and slug",
            code="invalid_token",
            field="callbackToken",
            status=403,
        )
    if int(expires_text) < time.time():
        raise FeedbackRejected(
            "callbackToken has expired", code="expired_token", field="callbackToken", status=403
        )
    log = ResolveLog.objects.filter(resolve_id=resolve_id).first()
    if log is None:
        raise NotFound("no such resolve", field="resolveId")
    result = next((r for r in log.results if r["slug"] == slug), None)
    if result is None:
        raise FeedbackRejected("this resolve did not return that slug", field="slug")
    keys = [key for key in (log.client_key, client_key) if key]
    try:
        with transaction.atomic():
            # A reused token's IntegrityError below rolls the window back with it.
            counted = not keys or _window_take(keys=keys, slug=slug, now=datetime.now(tz=UTC))
            item = Feedback.objects.create(
                resolve=log,
                slug=slug,
                capability_id=result["capability_id"],
                outcome=body["outcome"],
                note=note,
                client_key=client_key,
                counted=counted,
            )
    except IntegrityError as exc:
        raise FeedbackRejected(
            "feedback for this resolve and slug was already recorded",
            code="token_used",
            field="callbackToken",
            status=409,
        ) from exc
    return item
