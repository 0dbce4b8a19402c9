"""The claim pages: a builder claims a listing and, once approved, takes an owner token."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from api.http import base_url
from claims.models import Claim
from claims.services import claim_get, claim_sign, claim_start, owner_token_issue, owner_token_live
from core.errors import ApplicationError
from registry.models import Artifact

from ..forms import ClaimSignForm, ClaimStartForm
from .errors import not_found
from .limits import form_wait, retry_after, too_many


def _claim_step(
    form: forms.Form, act: Callable[[dict[str, Any]], str], slug: str
) -> tuple[HttpResponse | None, str | None, int]:
    """One step of a claim from a posted form: (a redirect to the claim's status page,
    or None with the error and status to show the form again with)."""
    if not form.is_valid():
        return None, None, 400
    try:
        secret = act(form.cleaned_data)
    except ApplicationError as exc:
        return None, exc.message, exc.status
    query = urlencode({"claim": slug, "ticket": secret})
    return HttpResponseRedirect(f"{reverse('web:submit')}?{query}"), None, 200


@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    """Claim a listing: key -> challenge -> signature -> staff approval -> owner token."""
    slug = (request.GET.get("claim") or request.POST.get("claim") or "").strip()
    secret = (request.GET.get("ticket") or request.POST.get("ticket") or "").strip()
    claim = claim_get(secret=secret) if secret else None
    if secret and claim is None:
        return not_found(request, "claim at this address (the link is wrong or outdated)")
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

        def start(data: dict[str, Any]) -> str:
            return claim_start(
                slug=artifact.slug, public_key=data["public_key"], contact=data["contact"]
            ).secret

        done, error, status = _claim_step(start_form, start, artifact.slug)
        if done is not None:
            return done
    elif request.method == "POST" and claim is not None and "show_token" in request.POST:
        # Issued on a POST only: a link preview or prefetch of the status page
        # (a GET) must not use up the one showing of the token.
        owner_token = owner_token_issue(claim=claim)
    elif request.method == "POST" and claim is not None:
        sign_form = ClaimSignForm(request.POST)

        def sign(data: dict[str, Any]) -> str:
            claim_sign(claim=claim, signature=data["signature"])
            return secret

        done, error, status = _claim_step(sign_form, sign, artifact.slug)
        if done is not None:
            return done
    response = render(
        request,
        "web/submit.html",
        {
            "slug": artifact.slug,
            "artifact": artifact,
            "claim": claim,
            "ticket": secret,
            "start_form": start_form,
            "sign_form": sign_form,
            "error": error,
            "owner_token": owner_token,
            "statuses": Claim.Status,
            "api_url": f"{base_url(request)}/api/v1/passport",
            "token_shown": claim is not None and owner_token_live(claim=claim),
            "already_claimed": claim is None
            and Claim.objects.filter(artifact=artifact, status=Claim.Status.APPROVED).exists(),
        },
        status=status,
    )
    return retry_after(response, wait) if wait is not None else response
