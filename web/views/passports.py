"""The passport pages: the list, one passport, a comparison."""

from __future__ import annotations

import json

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from api.http import base_url
from core.errors import ApplicationError, NotFound
from passports.selectors import latest_signatures, signatures_of
from probes.selectors import latest_evidence
from registry.documents import links
from registry.filters import PassportFilter
from registry.invocation import invocation_of
from registry.listings import current_slug
from registry.modalities import INPUT_MODALITIES, OUTPUT_MODALITIES
from registry.models import Artifact, ArtifactFacet
from registry.selectors import (
    artifact_detail,
    compare_artifacts,
    endpoints_of,
    passport_list,
    served_document,
    version_get,
    version_list,
)

from .. import presenters
from ..forms import ORDERING_LABELS
from . import markdown
from .errors import not_found

PAGE_SIZE = 20
# The API's filters, so the page and the API never disagree on what can be filtered.
LIST_PARAMS = (*PassportFilter.base_filters, "ordering")
MAX_COMPARE = 4


def _filter_choices() -> dict[str, list[str]]:
    return {
        "types": list(
            Artifact.objects.filter(merged_into=None)
            .order_by("type")
            .values_list("type", flat=True)
            .distinct()
        ),
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
    for key in LIST_PARAMS:
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
    signatures = latest_signatures([a.pk for a in artifacts])
    rows = [
        {
            "artifact": artifact,
            "signature": signatures.get(artifact.pk),
            "prompt_price": presenters.usd_per_1m(artifact.prompt_price_per_1m),
            "completion_price": presenters.usd_per_1m(artifact.completion_price_per_1m),
            "context": presenters.token_count(artifact.context_length),
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


@require_GET
def passport_detail(request: HttpRequest, slug: str) -> HttpResponse:
    if markdown.wants_markdown(request):
        return markdown.passport_markdown(request, slug)
    artifact = artifact_detail(slug=slug)
    if artifact is None:
        moved_to = current_slug(slug)
        if moved_to is not None:
            return redirect("web:detail", slug=moved_to, permanent=True)
        return not_found(request, f"passport with slug “{slug}”")
    try:
        version = version_get(artifact=artifact)
    except NotFound:
        version = None
    signature = signatures_of([version]).get(artifact.pk) if version else None
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
    offers = endpoints_of(artifact)
    endpoints = [
        {
            "endpoint": endpoint,
            "context": presenters.token_count(endpoint.context_length),
            "max_output": presenters.token_count(endpoint.max_output_tokens),
            "prompt_price": presenters.usd_per_1m(endpoint.prompt_price_per_1m),
            "completion_price": presenters.usd_per_1m(endpoint.completion_price_per_1m),
        }
        for endpoint in offers
    ]
    context = {
        "artifact": artifact,
        "trust": artifact.trust,
        "bars": presenters.trust_bars(artifact.trust),
        "bar_width": presenters.BAR_WIDTH,
        "capabilities": capabilities,
        "endpoints": endpoints,
        "invocation": invocation_of(offers),
        "markdown_url": f"{base}/passports/{artifact.slug}.md",
        "aliases": sorted(artifact.aliases.values_list("slug", flat=True)),
        "versions": version_list(artifact=artifact),
        "signature": signature,
        "signed_by": signed_by,
        "evidence": latest_evidence(artifact=artifact),
        "prompt_price": presenters.usd_per_1m(artifact.prompt_price_per_1m),
        "completion_price": presenters.usd_per_1m(artifact.completion_price_per_1m),
        "context_tokens": presenters.token_count(artifact.context_length),
        "max_output": presenters.token_count(artifact.max_output_tokens),
        "curl": f"curl -s {urls['self']} -o {artifact.slug}.json",
        "verify_command": f"python -m passports.verify {artifact.slug}.json --jwks {urls['jwks']}",
        "raw_json": raw_json,
        "home_url": artifact.url
        if (artifact.url or "").startswith(("https://", "http://"))
        else None,
        "api_url": urls["self"],
    }
    response = render(request, "web/detail.html", context)
    # The same address answers Markdown to an agent that asks for it.
    response["Vary"] = "Accept"
    return response


@require_GET
def compare(request: HttpRequest) -> HttpResponse:
    slugs: list[str] = []
    for slug in request.GET.getlist("artifact"):
        slug = slug.strip()
        if slug and slug not in slugs and len(slug) <= 200:
            slugs.append(slug)
    slugs = slugs[:MAX_COMPARE]
    artifacts = compare_artifacts(slugs)
    missing = [slug for slug in slugs if slug not in {a.slug for a in artifacts}]
    signatures = latest_signatures([a.pk for a in artifacts])
    rows = presenters.compare_rows(artifacts, signatures) if artifacts else []
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
