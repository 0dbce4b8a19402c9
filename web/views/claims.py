"""The claim pages: a builder claims a listing and, once approved, takes an owner token.

The claim ticket (the claimant's way back to their claim) is never in an address:
addresses reach access logs, browser history and Referer headers. It lives in an
HttpOnly, SameSite=Strict cookie scoped to /submit, one per listing, and can be
posted in a form body to return from another browser. The status page's address
names the listing only (`/submit?claim=<slug>`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from api.http import base_url
from claims.models import Claim
from claims.services import (
    claim_get,
    claim_sign,
    claim_start,
    owner_token_challenge,
    owner_token_issue,
    owner_token_live,
    owner_token_renewal,
)
from core.errors import ApplicationError
from registry.models import Artifact

from ..forms import ClaimSignForm, ClaimStartForm
from .errors import not_found
from .limits import form_wait, retry_after, too_many

# A claim waits for staff review; the cookie outlives that wait.
TICKET_MAX_AGE = 90 * 24 * 3600


def _ticket_cookie(slug: str) -> str:
    return f"claim_ticket_{slug}"


def _status_page(request: HttpRequest, slug: str, ticket: str | None = None) -> HttpResponse:
    """A redirect to the claim's status page; with `ticket`, the cookie that opens it."""
    response = HttpResponseRedirect(f"{reverse('web:submit')}?{urlencode({'claim': slug})}")
    if ticket is not None:
        response.set_cookie(
            _ticket_cookie(slug),
            ticket,
            max_age=TICKET_MAX_AGE,
            path=reverse("web:submit"),
            secure=request.is_secure() or settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Strict",
        )
    return response


def _claim_step(
    form: forms.Form, act: Callable[[dict[str, Any]], None]
) -> tuple[bool, str | None, int]:
    """One step of a claim from a posted form: (done, or the error and status to show
    the form again with)."""
    if not form.is_valid():
        return False, None, 400
    try:
        act(form.cleaned_data)
    except ApplicationError as exc:
        return False, exc.message, exc.status
    return True, None, 200


@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    """Claim a listing: key -> challenge -> signature -> staff approval -> owner token."""
    slug = (request.GET.get("claim") or request.POST.get("claim") or "").strip()
    if "ticket" in request.GET:
        # An older status link: reading it would keep tickets in addresses (and logs).
        return render(
            request,
            "web/submit.html",
            {"slug": slug, "artifact": None, "ticket_in_address": True},
            status=400,
        )
    if request.method == "POST" and "resume" in request.POST:
        # Back to a claim from another browser: the ticket comes in the form body. Guessing
        # tickets is bounded by the forms' limit.
        resume_wait = form_wait(request, "forms")
        if resume_wait is not None:
            return retry_after(
                render(
                    request,
                    "web/submit.html",
                    {"slug": slug, "artifact": None, "error": too_many(resume_wait)},
                    status=429,
                ),
                resume_wait,
            )
        resumed = claim_get(secret=request.POST.get("ticket", "").strip())
        if resumed is None:
            return not_found(request, "claim with this ticket (it is wrong or outdated)")
        return _status_page(request, resumed.artifact.slug, request.POST["ticket"].strip())
    secret = request.COOKIES.get(_ticket_cookie(slug), "") if slug else ""
    claim = claim_get(secret=secret) if secret else None
    if claim is not None and claim.artifact.slug != slug:
        claim = None  # a cookie for another listing (renamed since): not this page's claim
    artifact = claim.artifact if claim else Artifact.objects.filter(slug=slug).first()
    if artifact is None:
        return render(request, "web/submit.html", {"slug": slug, "artifact": None})
    start_form = ClaimStartForm()
    sign_form = ClaimSignForm()
    error = None
    status = 200
    owner_token = None
    # Starting a claim stores a row and a challenge: its own, tighter limit (THROTTLE_CLAIM).
    wait = (
        form_wait(request, "claim" if claim is None else "forms")
        if request.method == "POST"
        else None
    )
    if wait is not None:
        error, status = too_many(wait), 429
    elif request.method == "POST" and claim is None:
        start_form = ClaimStartForm(request.POST)
        started: list[str] = []

        def start(data: dict[str, Any]) -> None:
            started.append(
                claim_start(
                    slug=artifact.slug, public_key=data["public_key"], contact=data["contact"]
                ).secret
            )

        done, error, status = _claim_step(start_form, start)
        if done:
            return _status_page(request, artifact.slug, started[0])
    elif request.method == "POST" and claim is not None and "show_token" in request.POST:
        # Issued on a POST only: a link preview or prefetch of the status page
        # (a GET) must not use up the one showing of the token.
        try:
            owner_token = owner_token_issue(
                claim=claim, signature=request.POST.get("signature", "")
            )
        except ApplicationError as exc:
            error, status = exc.message, exc.status
    elif request.method == "POST" and claim is not None:
        sign_form = ClaimSignForm(request.POST)

        def sign(data: dict[str, Any]) -> None:
            claim_sign(claim=claim, signature=data["signature"])

        done, error, status = _claim_step(sign_form, sign)
        if done:
            return _status_page(request, artifact.slug)
    renewal = owner_token is None and claim is not None and owner_token_renewal(claim=claim)
    response = render(
        request,
        "web/submit.html",
        {
            "slug": artifact.slug,
            "artifact": artifact,
            "claim": claim,
            "start_form": start_form,
            "sign_form": sign_form,
            "error": error,
            "owner_token": owner_token,
            "statuses": Claim.Status,
            "api_url": f"{base_url(request)}/api/v1/passport",
            "token_shown": claim is not None and owner_token_live(claim=claim),
            "token_challenge": owner_token_challenge(claim=claim) if renewal and claim else "",
            "already_claimed": claim is None
            and Claim.objects.filter(artifact=artifact, status=Claim.Status.APPROVED).exists(),
        },
        status=status,
    )
    return retry_after(response, wait) if wait is not None else response
