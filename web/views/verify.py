"""Verify a passport document, and the methodology page that explains the figures."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from matching import ranking
from matching.index import CATEGORY_MIN_MEMBERS
from passports.canonical import DocumentError, read_json
from passports.services import published_keys
from passports.signing import verify_document
from registry import trust as trust_rules
from registry.selectors import latest_version_number

from ..forms import VerifyForm
from .limits import duration_words, form_wait, retry_after, too_many


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    verdict = None
    latest: int | None = None
    error = None
    status = 200
    wait = form_wait(request, "forms") if request.method == "POST" else None
    if wait is not None:
        form = VerifyForm()
        error, status = too_many(wait), 429
    elif request.method == "POST":
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
                document = read_json(
                    form.cleaned_data["raw"], max_bytes=settings.PASSPORT_MAX_BYTES, ordered=True
                )
                verdict = verify_document(document, published_keys())
                latest = latest_version_number(slug=verdict.slug)
            except DocumentError as exc:
                error, status = f"not a passport document: {exc.message}", 400
        elif error is None:
            error = "; ".join(str(m) for ms in form.errors.values() for m in ms)
            status = 400
    else:
        form = VerifyForm()
    response = render(
        request,
        "web/verify.html",
        {"form": form, "verdict": verdict, "latest": latest, "error": error},
        status=status,
    )
    return retry_after(response, wait) if wait is not None else response


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
            "tie_band": ranking.TIE_BAND,
            "min_feedback": ranking.MIN_FEEDBACK,
            "min_probe_runs": ranking.MIN_PROBE_RUNS,
            "half_life": trust_rules.FRESHNESS_HALF_LIFE_DAYS,
            "prior": trust_rules.MATCH_GRAPH_PRIOR,
            "prior_weight": trust_rules.MATCH_GRAPH_PRIOR_WEIGHT,
            "unverified_line": trust_rules.UNVERIFIED_BUILDER,
            "no_outcomes_line": trust_rules.NO_OUTCOMES,
            "feedback_window": duration_words(settings.FEEDBACK_DEDUP_SECONDS),
        },
    )
