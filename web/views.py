"""The browser side: thin views over the same selectors and services as the API."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from api.errors import json_404
from api.http import base_url
from core.errors import ApplicationError, NotFound
from matching import ranking
from matching.feedback import feedback_record
from matching.index import CATEGORY_MIN_MEMBERS
from matching.resolve import resolve, resolve_request
from passports.canonical import DocumentError, parse_json
from passports.selectors import version_get, version_list
from passports.services import published_keys
from passports.signing import verify_document
from probes.selectors import latest_evidence
from registry import trust as trust_rules
from registry.documents import links
from registry.filters import PassportFilter
from registry.modalities import INPUT_MODALITIES, OUTPUT_MODALITIES
from registry.models import Artifact, ArtifactFacet
from registry.selectors import passport_list, served_document

from . import selectors
from .claims import claim_get, claim_sign, claim_start, owner_token_issue, owner_token_live
from .forms import (
    ORDERING_LABELS,
    ClaimSignForm,
    ClaimStartForm,
    MatchForm,
    VerifyForm,
)
from .models import Claim

PAGE_SIZE = 20
# The API's filters, so the page and the API never disagree on what can be filtered.
FILTER_KEYS = (*PassportFilter.base_filters, "ordering")
MAX_COMPARE = 4


def _filter_choices() -> dict[str, list[str]]:
    return {
        "types": list(Artifact.objects.order_by("type").values_list("type", flat=True).distinct()),
        "categories": list(
            ArtifactFacet.objects.filter(kind=ArtifactFacet.Kind.CATEGORY)
            .order_by("value")
            .values_list("value", flat=True)
            .distinct()
        ),
    }


@require_GET
def registry_list(request: HttpRequest) -> HttpResponse:
    params = QueryDict(mutable=True)
    for key in FILTER_KEYS:
        value = request.GET.get(key, "").strip()
        if value:
            params[key] = value
    error = None
    status = 200
    try:
        queryset = passport_list(params=params)
    except ApplicationError as exc:
        error, status = exc.message, 400
        queryset = Artifact.objects.none()
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    artifacts = list(page.object_list)
    signatures = selectors.latest_signatures([a.pk for a in artifacts])
    rows = [
        {
            "artifact": artifact,
            "signature": signatures.get(artifact.pk),
            "prompt_price": selectors.usd_per_1m(artifact.prompt_price_per_1m),
            "completion_price": selectors.usd_per_1m(artifact.completion_price_per_1m),
            "context": selectors.tokens(artifact.context_length),
        }
        for artifact in artifacts
    ]
    context = {
        "rows": rows,
        "page": page,
        "filters": params,
        "query_without_page": params.urlencode(),
        "error": error,
        "input_modalities": INPUT_MODALITIES,
        "output_modalities": OUTPUT_MODALITIES,
        "orderings": ORDERING_LABELS,
        **_filter_choices(),
    }
    return render(request, "web/list.html", context, status=status)


def _not_found(request: HttpRequest, what: str) -> HttpResponse:
    return render(request, "web/not_found.html", {"what": what}, status=404)


MACHINE_PATHS = ("/api/", "/.well-known/", "/schema.json", "/admin/")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The site-wide 404: JSON for API clients, a page for people."""
    if request.path.startswith(MACHINE_PATHS):
        return json_404(request, exception)
    return _not_found(request, "page at this address")


@require_GET
def passport_detail(request: HttpRequest, slug: str) -> HttpResponse:
    artifact = selectors.artifact_detail(slug=slug)
    if artifact is None:
        return _not_found(request, f"passport with slug “{slug}”")
    try:
        version = version_get(artifact=artifact)
    except NotFound:
        version = None
    signature = selectors.signatures_of([version]).get(artifact.pk) if version else None
    base = base_url(request)
    urls = links(artifact.slug, base)
    raw_json = None
    signed_by = ""
    if version is not None:
        document = served_document(
            version=version,
            slug=artifact.slug,
            base_url=base,
            warnings=[w.as_dict() for w in artifact.warnings.all()],
        )
        signed_by = str(document["passport"].get("signedBy", ""))
        raw_json = json.dumps(document, indent=2, ensure_ascii=False)
    capabilities = list(artifact.capabilities.order_by("position"))
    endpoints = [
        {
            "endpoint": endpoint,
            "context": selectors.tokens(endpoint.context_length),
            "max_output": selectors.tokens(endpoint.max_output_tokens),
            "prompt_price": selectors.usd_per_1m(endpoint.prompt_price_per_1m),
            "completion_price": selectors.usd_per_1m(endpoint.completion_price_per_1m),
        }
        for endpoint in selectors.endpoints_of(artifact)
    ]
    context = {
        "artifact": artifact,
        "trust": artifact.trust,
        "bars": selectors.trust_bars(artifact.trust),
        "bar_width": selectors.BAR_WIDTH,
        "capabilities": capabilities,
        "endpoints": endpoints,
        "versions": version_list(artifact=artifact),
        "signature": signature,
        "signed_by": signed_by,
        "evidence": latest_evidence(artifact=artifact),
        "prompt_price": selectors.usd_per_1m(artifact.prompt_price_per_1m),
        "completion_price": selectors.usd_per_1m(artifact.completion_price_per_1m),
        "context_tokens": selectors.tokens(artifact.context_length),
        "max_output": selectors.tokens(artifact.max_output_tokens),
        "curl": f"curl -s {urls['self']} -o {artifact.slug}.json",
        "verify_command": f"python -m passports.verify {artifact.slug}.json --jwks {urls['jwks']}",
        "raw_json": raw_json,
        "home_url": artifact.url
        if (artifact.url or "").startswith(("https://", "http://"))
        else None,
        "api_url": urls["self"],
    }
    return render(request, "web/detail.html", context)


@require_GET
def compare(request: HttpRequest) -> HttpResponse:
    slugs: list[str] = []
    for slug in request.GET.getlist("artifact"):
        slug = slug.strip()
        if slug and slug not in slugs and len(slug) <= 200:
            slugs.append(slug)
    slugs = slugs[:MAX_COMPARE]
    artifacts = selectors.compare_artifacts(slugs)
    missing = [slug for slug in slugs if slug not in {a.slug for a in artifacts}]
    signatures = selectors.latest_signatures([a.pk for a in artifacts])
    rows = selectors.compare_rows(artifacts, signatures) if artifacts else []
    return render(
        request,
        "web/compare.html",
        {
            "artifacts": artifacts,
            "rows": rows,
            "missing": missing,
            # One field per passport that can be compared, filled with those asked for.
            "slots": slugs + [""] * (MAX_COMPARE - len(slugs)),
        },
        status=404 if missing and not artifacts else 200,
    )


@require_GET
def match(request: HttpRequest) -> HttpResponse:
    form = MatchForm(request.GET or None)
    answer = None
    chips: list[str] = []
    error = None
    status = 200
    if form.is_valid() and form.cleaned_data["q"].strip():
        try:
            parsed = resolve_request({"intent": form.cleaned_data["q"], "limit": 5})
            answer = resolve(request=parsed, base_url=base_url(request))
            chips = parsed.required.checks()
        except ApplicationError as exc:
            error, status = exc.message, 400
    elif form.is_bound and not form.is_valid():
        error, status = "; ".join(str(m) for ms in form.errors.values() for m in ms), 400
    results = []
    if answer:
        for result in answer["resolved"]:
            results.append({**result, "bars": _rank_bars(result["rank"])})
    return render(
        request,
        "web/match.html",
        {
            "form": form,
            "answer": answer,
            "chips": chips,
            "results": results,
            "error": error,
            "threshold": ranking.NO_MATCH_THRESHOLD,
        },
        status=status,
    )


def _rank_bars(rank: dict[str, Any]) -> list[dict[str, Any]]:
    """The similarity, trust and success terms of a result as bar widths (of 200)."""
    bars = []
    for index, name in enumerate(("similarity", "trust", "success")):
        value = float(rank[name])
        bars.append(
            {
                "name": name,
                "value": value,
                "y": index * 22,
                "width": round(200 * max(0.0, min(1.0, abs(value)))),
            }
        )
    return bars


@require_POST
def match_feedback(request: HttpRequest) -> HttpResponse:
    body = {
        name: request.POST.get(name, "")
        for name in ("resolveId", "slug", "callbackToken", "outcome")
    }
    try:
        item = feedback_record(body=body)
        message, ok, status = (
            f"Thank you: “{item.outcome}” recorded for {item.slug}.",
            True,
            201,
        )
    except ApplicationError as exc:
        message, ok, status = f"Feedback not recorded: {exc.message}", False, exc.status
    template = (
        "web/_feedback_result.html" if request.headers.get("HX-Request") else "web/feedback.html"
    )
    # htmx swaps only 2xx answers by default; the fragment says what happened either way.
    return render(
        request,
        template,
        {"message": message, "ok": ok, "back": request.POST.get("back", "")},
        status=200 if request.headers.get("HX-Request") else status,
    )


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    verdict = None
    error = None
    status = 200
    if request.method == "POST":
        try:
            form = VerifyForm(request.POST, request.FILES)
            valid_form = form.is_valid()
        except RequestDataTooBig:
            form = VerifyForm()
            valid_form = False
            error = f"the document is larger than the limit of {settings.PASSPORT_MAX_BYTES} bytes (1 MiB)"
            status = 413
        if valid_form:
            try:
                document = parse_json(
                    form.cleaned_data["raw"], max_bytes=settings.PASSPORT_MAX_BYTES
                )
                verdict = verify_document(document, published_keys())
            except DocumentError as exc:
                error, status = f"not a passport document: {exc.message}", 400
        elif error is None:
            error = "; ".join(str(m) for ms in form.errors.values() for m in ms)
            status = 400
    else:
        form = VerifyForm()
    return render(
        request,
        "web/verify.html",
        {"form": form, "verdict": verdict, "error": error},
        status=status,
    )


@require_GET
def methodology(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "web/methodology.html",
        {
            "weights": trust_rules.DEFAULT_WEIGHTS,
            "threshold": ranking.NO_MATCH_THRESHOLD,
            "best_text_weight": ranking.BEST_TEXT_WEIGHT,
            "mean_text_weight": round(1 - ranking.BEST_TEXT_WEIGHT, 4),
            "text_weight": round(1 - ranking.CATEGORY_WEIGHT, 4),
            "category_weight": ranking.CATEGORY_WEIGHT,
            "category_min_members": CATEGORY_MIN_MEMBERS,
            "trust_weight": ranking.TRUST_WEIGHT,
            "success_weight": ranking.SUCCESS_WEIGHT,
            "evidence_full_at": ranking.EVIDENCE_FULL_AT,
            "half_life": trust_rules.FRESHNESS_HALF_LIFE_DAYS,
            "prior": trust_rules.MATCH_GRAPH_PRIOR,
            "prior_weight": trust_rules.MATCH_GRAPH_PRIOR_WEIGHT,
            "unverified_line": trust_rules.UNVERIFIED_BUILDER,
            "no_outcomes_line": trust_rules.NO_OUTCOMES,
        },
    )


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
        return _not_found(request, "claim at this address (the link is wrong or outdated)")
    artifact = claim.artifact if claim else Artifact.objects.filter(slug=slug).first()
    if artifact is None:
        return render(request, "web/submit.html", {"slug": slug, "artifact": None})
    start_form = ClaimStartForm()
    sign_form = ClaimSignForm()
    error = None
    status = 200
    owner_token = None
    if request.method == "POST" and claim is None:
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
    return render(
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
