"""Match: a need in words, the passports that fit it, and feedback on a result."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from api.http import base_url
from api.throttling import client_key
from core.errors import ApplicationError
from matching import ranking
from matching.answer import ties_sentence
from matching.feedback import feedback_record
from matching.resolve import resolve, resolve_request

from ..forms import MatchForm
from .limits import duration_words, form_wait, retry_after, too_many


@require_GET
def match(request: HttpRequest) -> HttpResponse:
    form = MatchForm(request.GET or None)
    answer = None
    chips: list[str] = []
    error = None
    status = 200
    wait = None
    if form.is_valid() and form.cleaned_data["q"].strip():
        wait = form_wait(request, "forms")
        if wait is not None:
            error, status = too_many(wait), 429
        else:
            try:
                parsed = resolve_request({"intent": form.cleaned_data["q"], "limit": 5})
                answer = resolve(
                    request=parsed, base_url=base_url(request), client_key=client_key(request)
                )
                chips = parsed.required.checks()
            except ApplicationError as exc:
                error, status = exc.message, 400
    elif form.is_bound and not form.is_valid():
        error, status = "; ".join(str(m) for ms in form.errors.values() for m in ms), 400
    results = []
    ties = ""
    if answer:
        for result in answer["resolved"]:
            results.append({**result, "bars": _rank_bars(result["rank"])})
        tied = [i for i, r in enumerate(answer["resolved"], 1) if r["rank"]["tied"]]
        if tied:
            ties = ties_sentence(answer["ties"], tied[0], len(tied))
    response = render(
        request,
        "web/match.html",
        {
            "form": form,
            "answer": answer,
            "chips": chips,
            "results": results,
            "ties": ties,
            "error": error,
            "threshold": ranking.NO_MATCH_THRESHOLD,
            "tie_band": ranking.TIE_BAND,
        },
        status=status,
    )
    return retry_after(response, wait) if wait is not None else response


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
    wait = form_wait(request, "forms")
    try:
        if wait is not None:
            message, ok, status = f"Feedback not recorded. {too_many(wait)}", False, 429
        else:
            item = feedback_record(body=body, client_key=client_key(request))
            message, ok, status = (
                f"Thank you: “{item.outcome}” recorded for {item.slug}."
                if item.counted
                else f"Thank you: “{item.outcome}” recorded for {item.slug}. Your report on "
                f"it in the last {duration_words(settings.FEEDBACK_DEDUP_SECONDS)} already "
                "counts toward its success rate, so this one does not change it.",
                True,
                201,
            )
    except ApplicationError as exc:
        message, ok, status = f"Feedback not recorded: {exc.message}", False, exc.status
    template = (
        "web/_feedback_result.html" if request.headers.get("HX-Request") else "web/feedback.html"
    )
    # htmx swaps only 2xx answers by default; the fragment says what happened either way.
    response = render(
        request,
        template,
        {"message": message, "ok": ok, "back": request.POST.get("back", "")},
        status=200 if request.headers.get("HX-Request") else status,
    )
    return retry_after(response, wait) if wait is not None else response
