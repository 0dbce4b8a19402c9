"""Reads from the registry."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet

from core.errors import ApplicationError, Moved, NotFound
from core.numbers import plain_int
from passports.models import PassportVersion

from .documents import links
from .listings import current_slug
from .models import Artifact, ArtifactFacet, Capability, ProviderEndpoint

ORDERINGS: dict[str, list[Any]] = {
    "score": [F("trust__score").asc(nulls_last=True)],
    "-score": [F("trust__score").desc(nulls_last=True)],
    "name": [F("name").asc()],
    "-name": [F("name").desc()],
    "context_length": [F("context_length").asc(nulls_last=True)],
    "-context_length": [F("context_length").desc(nulls_last=True)],
    "prompt_price": [F("prompt_price_per_1m").asc(nulls_last=True)],
    "-prompt_price": [F("prompt_price_per_1m").desc(nulls_last=True)],
    "updated_at": [F("updated_at").asc()],
    "-updated_at": [F("updated_at").desc()],
    "slug": [F("slug").asc()],
    "-slug": [F("slug").desc()],
}
DEFAULT_ORDERING = "-score"


def has_facet(kind: str, value: str) -> Exists:
    return Exists(ArtifactFacet.objects.filter(artifact=OuterRef("pk"), kind=kind, value=value))


def search_condition(text: str) -> Q:
    """Artifacts whose name, slug, description or a capability name contains `text`."""
    matching_capability = Exists(
        Capability.objects.filter(artifact=OuterRef("pk"), name__icontains=text)
    )
    return (
        Q(name__icontains=text)
        | Q(slug__icontains=text)
        | Q(description__icontains=text)
        | Q(matching_capability)
    )


LIST_FIELDS = (
    "slug",
    "artifact_id",
    "name",
    "type",
    "verified",
    "categories",
    "tags",
    "input_modalities",
    "output_modalities",
    "context_length",
    "max_output_tokens",
    "prompt_price_per_1m",
    "completion_price_per_1m",
    "open_weights",
    "source",
    "updated_at",
    "trust__score",
)


def passport_list(*, params: Mapping[str, Any]) -> QuerySet[Artifact]:
    """Artifacts matching the list filters in `params`, ordered; trust joined, nothing per row.

    Raises ApplicationError naming the first invalid parameter.
    """
    from .filters import PassportFilter, first_error

    ordering = params.get("ordering") or DEFAULT_ORDERING
    if ordering not in ORDERINGS:
        raise ApplicationError(
            f"ordering must be one of {', '.join(sorted(ORDERINGS))}", field="ordering"
        )
    listed = Artifact.objects.filter(merged_into=None).select_related("trust")
    filterset = PassportFilter(params, queryset=listed)
    if not filterset.is_valid():
        field, message = first_error(filterset.errors)
        raise ApplicationError(message, field=field)
    # Only the columns a list row shows: JSON columns cost a decode each.
    return filterset.qs.only(*LIST_FIELDS).order_by(*ORDERINGS[ordering], "slug")


def artifact_get(*, slug: str) -> Artifact:
    """The listed artifact with this slug; Moved (a 301) for a renamed or merged one's old slug."""
    artifact = Artifact.objects.filter(slug=slug, merged_into=None).select_related("trust").first()
    if artifact is None:
        moved_to = current_slug(slug)
        if moved_to is not None:
            raise Moved(old=slug, new=moved_to)
        raise NotFound(f"no passport with slug {slug!r}", code="not_found", field="slug")
    return artifact


def served_document(
    *, version: PassportVersion, slug: str, base_url: str, warnings: list[dict[str, Any]]
) -> dict[str, Any]:
    """A signed version as the API serves it: the passport, its links, the import warnings."""
    return {"passport": version.passport(), "_links": links(slug, base_url), "warnings": warnings}


def artifact_detail(*, slug: str) -> Artifact | None:
    return (
        Artifact.objects.filter(slug=slug, merged_into=None)
        .select_related("trust")
        .prefetch_related("warnings")
        .first()
    )


def endpoints_of(artifact: Artifact) -> list[ProviderEndpoint]:
    return list(
        ProviderEndpoint.objects.filter(artifact=artifact)
        .defer("raw")
        .order_by("provider", "model_name")
    )


def compare_artifacts(slugs: Sequence[str]) -> list[Artifact]:
    found = {
        artifact.slug: artifact
        for artifact in Artifact.objects.filter(slug__in=slugs, merged_into=None)
        .select_related("trust")
        .annotate(
            capability_count=Count("capabilities", distinct=True),
            endpoint_count=Count("endpoints", distinct=True),
        )
    }
    return [found[slug] for slug in slugs if slug in found]


def version_get(*, artifact: Artifact, number: str | int | None = None) -> PassportVersion:
    """The latest signed version of an artifact, or version `number`."""
    versions = PassportVersion.objects.filter(artifact=artifact).select_related("key")
    if number is None or number == "":
        version = versions.order_by("-number").first()
        if version is None:
            raise NotFound(f"{artifact.slug} has no signed version yet", field="slug")
        return version
    wanted = number if isinstance(number, int) else plain_int(str(number))
    if wanted is None or wanted < 1:
        raise ApplicationError("version must be a positive integer", field="version")
    version = versions.filter(number=wanted).first()
    if version is None:
        raise NotFound(f"{artifact.slug} has no version {number}", field="version")
    return version


def version_list(*, artifact: Artifact) -> list[dict[str, Any]]:
    return [
        {
            "version": version.number,
            "signedAt": version.signed_at,
            "keyId": version.key.key_id,
            "keyStatus": version.key.status,
            "digest": f"sha256:{version.digest}",
        }
        for version in PassportVersion.objects.filter(artifact=artifact)
        .select_related("key")
        # The listing shows metadata: the documents themselves stay in the database.
        .only("number", "signed_at", "digest", "key__key_id", "key__status")
        .order_by("-number")
    ]


def latest_version_number(*, slug: str | None) -> int | None:
    """The newest signed version number of a passport, or None (no such slug, or unsigned)."""
    if not isinstance(slug, str) or not slug:
        return None
    number: int | None = (
        PassportVersion.objects.filter(artifact__slug=slug)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    return number


def with_history(verdict: dict[str, Any]) -> dict[str, Any]:
    """A verification answer with whether the verified version is the passport's latest.

    A genuine older version stays `valid: true`; `latest: false` and
    `latestVersion` tell the verifier that a newer version exists (rollback);
    `logIndex` is the version's entry in the transparency log (None if not logged).
    """
    slug, number = verdict.get("slug"), verdict.get("version")
    newest = logged = None
    if isinstance(slug, str) and slug:
        # One query: the newest number, and the log index of the verified version (a
        # number past the column's range names no stored version).
        wanted = {"newest": Max("number")}
        if isinstance(number, int) and 0 <= number < 2**31:
            wanted["logged"] = Max("log_entry__index", filter=Q(number=number))
        found = PassportVersion.objects.filter(artifact__slug=slug).aggregate(**wanted)
        newest, logged = found["newest"], found.get("logged")
    return {
        **verdict,
        "latest": newest is not None and number == newest,
        "latestVersion": newest,
        "logIndex": logged,
    }


def version_of(params: Mapping[str, Any]) -> PassportVersion:
    """The version `?slug=&version=` names (the latest without `version`); 4xx naming the field."""
    slug = params.get("slug")
    if not slug:
        raise ApplicationError("slug is required", field="slug")
    return version_get(artifact=artifact_get(slug=slug), number=params.get("version"))
