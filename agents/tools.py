"""What each MCP tool does, as plain functions over the registry's services and selectors.

No protocol here (agents.server registers these with the MCP SDK) and no HTTP to ourselves:
the same reads as the API views, so a tool and its API answer agree. Each raises the
project's ApplicationError for a bad argument; the server turns it into a tool error whose
text is the API's error JSON.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings

from core.errors import ApplicationError, Moved, NotFound
from matching.resolve import resolve, resolve_request
from passports.canonical import DocumentError
from passports.log import log_verifier_key
from passports.selectors import latest_signatures
from passports.services import published_keys, version_verify
from passports.signing import verify_document
from registry.documents import links
from registry.log_apis import passport_bundle
from registry.models import Artifact
from registry.selectors import (
    artifact_get,
    compare_artifacts,
    passport_search,
    served_document,
    version_get,
    with_history,
)

MAX_COMPARE = 4
_CAPABILITY_URI = re.compile(r"^capability://", re.IGNORECASE)


def base_url() -> str:
    """Links in answers point at the public address (a tool call has no request of ours)."""
    return str(settings.PUBLIC_BASE_URL)


def search(*, query: str, limit: int = 5, artifact_type: str | None = None) -> dict[str, Any]:
    return passport_search(q=query, limit=limit, artifact_type=artifact_type, base_url=base_url())


def _artifact(slug: str) -> Artifact:
    """The listing with this slug, following a rename or merge (an agent has no redirect)."""
    try:
        return artifact_get(slug=slug)
    except Moved as exc:
        return artifact_get(slug=exc.new)


def current_document(*, slug: str) -> dict[str, Any]:
    """The latest signed document of a passport, as GET /api/v1/passport/<slug> serves it."""
    artifact = _artifact(slug)
    version = version_get(artifact=artifact)
    return served_document(
        version=version,
        slug=artifact.slug,
        base_url=base_url(),
        warnings=[warning.as_dict() for warning in artifact.warnings.all()],
    )


def trust_passport(*, slug: str, version: int | None = None) -> dict[str, Any]:
    """The signed document, its verification (GET /api/v1/verify) and its place in the log
    (the bundle of GET /api/v1/passport/<slug>/bundle, which passports.verify checks offline)."""
    artifact = _artifact(slug)
    signed = version_get(artifact=artifact, number=version)
    verification = with_history(version_verify(version=signed).as_dict())
    warnings = [warning.as_dict() for warning in artifact.warnings.all()]
    bundle: dict[str, Any] | None
    try:
        bundle = passport_bundle(artifact=artifact, version=signed, base=base_url())
    except NotFound as exc:
        bundle, log = None, {"logged": False, "reason": exc.message}
    else:
        log = {"logged": True, "logIndex": bundle["logIndex"]}
    urls = links(artifact.slug, base_url())
    document = (
        bundle["document"]
        if bundle
        else served_document(
            version=signed, slug=artifact.slug, base_url=base_url(), warnings=warnings
        )
    )
    return {
        "slug": artifact.slug,
        "version": signed.number,
        "document": document,
        "verification": verification,
        "log": {
            **log,
            "bundle": bundle,
            # Check it against GET /api/v1/log before trusting a bundle with it.
            "verifierKey": log_verifier_key(),
        },
        "offlineCheck": (
            f"save log.bundle as {artifact.slug}.bundle.json, then: python -m passports.verify "
            f"{artifact.slug}.bundle.json --jwks {urls['jwks']} --log-key '<verifierKey>'"
        ),
        "_links": urls,
    }


def capability_words(capability: str) -> str:
    """A capability:// URI as words (capability://text.generation.vision -> "text generation
    vision"); a phrase as it is."""
    if _CAPABILITY_URI.match(capability):
        return " ".join(re.split(r"[._/\-]+", _CAPABILITY_URI.sub("", capability))).strip()
    return capability


def resolve_capability(
    *, capability: str, limit: int = 5, artifact_type: str | None = None, risk: str = "default"
) -> dict[str, Any]:
    """POST /api/v1/resolve with unfragile's argument names; each result says whether its
    signature verifies, and at a risk level above default one that does not is left out."""
    body: dict[str, Any] = {"intent": capability_words(capability), "limit": limit, "risk": risk}
    if artifact_type is not None:
        body["filters"] = {"type": artifact_type}
    answer = resolve(request=resolve_request(body), base_url=base_url())
    slugs = [result["artifact"]["slug"] for result in answer["resolved"]]
    pks = dict(Artifact.objects.filter(slug__in=slugs).values_list("slug", "pk"))
    signatures = latest_signatures(list(pks.values()))
    kept = []
    for result in answer["resolved"]:
        signature = signatures.get(pks.get(result["artifact"]["slug"], -1))
        result["verification"] = {
            "valid": bool(signature and signature.valid),
            "reason": signature.reason if signature else "not signed",
            "version": signature.version if signature else None,
        }
        if risk == "default" or result["verification"]["valid"]:
            kept.append(result)
    return {**answer, "capability": capability, "risk": risk, "resolved": kept}


def verify_passport(*, document: Any) -> dict[str, Any]:
    """POST /api/v1/verify: a whole served document (or its `passport`) against our keys."""
    try:
        verdict = verify_document(document, published_keys())
    except DocumentError as exc:
        raise ApplicationError(exc.message, code="not_a_passport", field=exc.field) from exc
    return with_history(verdict.as_dict())


def compare(*, slugs: list[str]) -> dict[str, Any]:
    """Two to four passports side by side: facts, trust and signature; unknown slugs named."""
    wanted = list(dict.fromkeys(slugs))
    if not 2 <= len(wanted) <= MAX_COMPARE:
        raise ApplicationError(
            f"slugs must name 2 to {MAX_COMPARE} different passports", field="slugs"
        )
    artifacts = compare_artifacts(wanted)
    signatures = latest_signatures([a.pk for a in artifacts])
    rows = []
    for artifact in artifacts:
        signature = signatures.get(artifact.pk)
        rows.append(
            {
                "slug": artifact.slug,
                "name": artifact.name,
                "type": artifact.type,
                "score": artifact.trust.score,
                "verified": artifact.verified,
                "context_length": artifact.context_length,
                "max_output_tokens": artifact.max_output_tokens,
                "prompt_usd_per_1m_tokens": _number(artifact.prompt_price_per_1m),
                "completion_usd_per_1m_tokens": _number(artifact.completion_price_per_1m),
                "input_modalities": artifact.input_modalities,
                "output_modalities": artifact.output_modalities,
                "open_weights": artifact.open_weights,
                "capabilities": artifact.capability_count,  # type: ignore[attr-defined]
                "endpoints": artifact.endpoint_count,  # type: ignore[attr-defined]
                "signature": {
                    "valid": bool(signature and signature.valid),
                    "version": signature.version if signature else None,
                    "signedAt": signature.signed_at if signature else None,
                },
                "_links": links(artifact.slug, base_url()),
            }
        )
    found = {row["slug"] for row in rows}
    return {"passports": rows, "missing": [slug for slug in wanted if slug not in found]}


def _number(value: Any) -> float | None:
    return None if value is None else float(value)
