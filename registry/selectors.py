"""Reads from the registry."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, QuerySet

from core.errors import ApplicationError, Moved, NotFound
from core.numbers import plain_int
from passports.models import LogEntry, PassportVersion

from .documents import links
from .listings import current_slug
from .models import Artifact, ArtifactFacet, ImportWarning, ProviderEndpoint
from .search import capability_matches, search_condition, search_relevance, search_terms

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

    text = params.get("q") or ""
    # With `q`, best text match first (registry.search); for a sync from `updated_since`,
    # oldest change first, so a client can page on and keep the last `updated_at` it saw.
    default = "relevance" if text else "updated_at" if params.get("updated_since") else None
    ordering = params.get("ordering") or default or DEFAULT_ORDERING
    if ordering not in ORDERINGS and not (ordering == "relevance" and text):
        choices = sorted([*ORDERINGS, "relevance (with q)"])
        raise ApplicationError(f"ordering must be one of {', '.join(choices)}", field="ordering")
    listed = Artifact.objects.filter(merged_into=None).select_related("trust")
    if any(name in params for name in PassportFilter.base_filters):
        filterset = PassportFilter(params, queryset=listed)
        if not filterset.is_valid():
            field, message = first_error(filterset.errors)
            raise ApplicationError(message, field=field)
        listed = filterset.qs
    # else: a FilterSet given none of its parameters filters nothing, and building and
    # validating its form cost a third of a list request (bench/passport_requests.py).
    # Only the columns a list row shows: JSON columns cost a decode each.
    found = listed.only(*LIST_FIELDS)
    if ordering == "relevance":
        return by_relevance(found, text)
    return found.order_by(*ORDERINGS[ordering], "slug")


def by_relevance(artifacts: QuerySet[Artifact], text: str) -> QuerySet[Artifact]:
    """Best text match first (registry.search), then trust score, then slug."""
    found = artifacts.annotate(relevance=search_relevance(text))
    return found.order_by(F("relevance").desc(), *ORDERINGS[DEFAULT_ORDERING], "slug")


SEARCH_MIN_CHARS, SEARCH_MAX_CHARS, SEARCH_MAX_LIMIT = 2, 500, 20


def passport_search(
    *, q: Any, limit: Any = 5, artifact_type: Any = None, base_url: str | None = None
) -> dict[str, Any]:
    """unfragile's search: listings holding every term of `q`, by text relevance, then trust.

    `q` 2-500 characters, `limit` 1-20, `type` a listing type; ApplicationError names a bad one.
    """
    if not isinstance(q, str) or not SEARCH_MIN_CHARS <= len(q.strip()) <= SEARCH_MAX_CHARS:
        raise ApplicationError(
            f"q must be {SEARCH_MIN_CHARS} to {SEARCH_MAX_CHARS} characters", field="q"
        )
    wanted = limit if isinstance(limit, int) and not isinstance(limit, bool) else None
    if isinstance(limit, str):
        wanted = plain_int(limit)
    if wanted is None or not 1 <= wanted <= SEARCH_MAX_LIMIT:
        raise ApplicationError(
            f"limit must be an integer from 1 to {SEARCH_MAX_LIMIT}", field="limit"
        )
    if artifact_type is not None and (
        not isinstance(artifact_type, str) or not 1 <= len(artifact_type) <= 64
    ):
        raise ApplicationError("type must name a listing type (e.g. model)", field="type")
    text = q.strip()
    matching = Artifact.objects.filter(search_condition(text), merged_into=None)
    if artifact_type:
        matching = matching.filter(type=artifact_type)
    found = by_relevance(matching.select_related("trust"), text)
    page = list(
        found.only(*LIST_FIELDS, "url", "description").prefetch_related("capabilities")[:wanted]
    )
    terms = search_terms(text)
    return {
        "query": text,
        "type": artifact_type or None,
        "limit": wanted,
        "total": found.count(),
        "matches": [
            {
                "artifact": {
                    "id": artifact.artifact_id,
                    "slug": artifact.slug,
                    "name": artifact.name,
                    "type": artifact.type,
                    "url": artifact.url,
                    "description": artifact.description,
                    "categories": artifact.categories,
                    "verified": artifact.verified,
                },
                "capabilities": capability_matches(terms, artifact.capabilities.all()),
                "trust": {"score": artifact.trust.score, "verified": artifact.verified},
                "relevance": artifact.relevance,  # type: ignore[attr-defined]
                "updated_at": artifact.updated_at.isoformat(),
                "_links": links(artifact.slug, base_url),
            }
            for artifact in page
        ],
    }


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


@dataclass(frozen=True)
class SignedVersionRow:
    version_id: int
    digest: str
    artifact_id: int
    warned: bool  # the artifact has import warnings


_VERSION_NUMBER_MAX = 2**31 - 1  # PositiveIntegerField's column; past it, version_get answers


_SLUG, _NUMBER = "\x00slug", 2**31 - 2  # stand-ins, replaced by position


@functools.cache
def _signed_version_sql(vendor: str, numbered: bool) -> tuple[str, tuple[Any, ...]]:
    """The ORM's SQL for the query and its parameters with stand-ins for the slug and the
    number, compiled once per database vendor and form."""
    versions = PassportVersion.objects.filter(
        artifact__slug=_SLUG, artifact__merged_into=None
    ).annotate(warned=Exists(ImportWarning.objects.filter(artifact=OuterRef("artifact"))))
    if numbered:
        versions = versions.filter(number=_NUMBER)
    query = versions.order_by("-number").values_list("id", "digest", "artifact_id", "warned")[:1]
    sql, params = query.query.sql_with_params()
    return sql, tuple(params)


def signed_version_row(*, slug: str, number: str | None = None) -> SignedVersionRow:
    """The listed artifact's latest signed version, or version `number`, with whether the
    artifact has import warnings: one query, for the passport detail that every reader
    hits. The ORM's SQL is compiled once and reused: compiling it per request cost more
    than the rest of the view (bench/passport_requests.py). When it finds nothing, the
    ORM selectors (artifact_get, version_get) run and raise what they always raised: a
    301 for an old slug, a 404, a 400 naming `version`."""
    wanted = None if number is None or number == "" else plain_int(str(number))
    if (
        number is None
        or number == ""
        or (wanted is not None and 1 <= wanted <= _VERSION_NUMBER_MAX)
    ):
        sql, template = _signed_version_sql(connection.vendor, wanted is not None)
        stand_in = {_SLUG: slug, _NUMBER: wanted}
        params = [stand_in.get(value, value) for value in template]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            found = cursor.fetchone()
        if found is not None:
            return SignedVersionRow(
                version_id=found[0], digest=found[1], artifact_id=found[2], warned=bool(found[3])
            )
    artifact = artifact_get(slug=slug)
    version = version_get(artifact=artifact, number=number)
    return SignedVersionRow(
        version_id=version.pk,
        digest=version.digest,
        artifact_id=artifact.pk,
        warned=artifact.warnings.exists(),
    )


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


def _history_sql() -> str:
    """with_history's query, written once (the ORM took as long to build its aggregate
    as a verification takes): params [version number or None, slug]."""
    sql = _HISTORY_SQL.get(connection.vendor)
    if sql is None:
        name = connection.ops.quote_name
        version, artifact, entry = PassportVersion._meta, Artifact._meta, LogEntry._meta

        def column(meta: Any, field: str) -> str:
            return f"{name(meta.db_table)}.{name(meta.get_field(field).column)}"

        number, index = column(version, "number"), column(entry, "index")
        # Identifiers from the models' _meta, quoted; the values are parameters.
        sql = _HISTORY_SQL[connection.vendor] = (
            f"SELECT MAX({number}), MAX(CASE WHEN {number} = %s THEN {index} END)"  # noqa: S608
            f" FROM {name(version.db_table)}"
            f" INNER JOIN {name(artifact.db_table)}"
            f" ON {column(version, 'artifact')} = {column(artifact, 'id')}"
            f" LEFT OUTER JOIN {name(entry.db_table)}"
            f" ON {column(entry, 'version')} = {column(version, 'id')}"
            f" WHERE {column(artifact, 'slug')} = %s"
        )
    return sql


_HISTORY_SQL: dict[str, str] = {}


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
        wanted = int(number) if isinstance(number, int) and 0 <= number < 2**31 else None
        with connection.cursor() as cursor:
            cursor.execute(_history_sql(), [wanted, slug])
            newest, logged = cursor.fetchone()
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
