"""Reads the pages need beyond registry/passports selectors: badges, bars, comparisons."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import Count

from passports.models import PassportVersion
from passports.selectors import latest_versions
from passports.services import published_keys, version_verify
from registry.models import COMPONENTS, Artifact, ProviderEndpoint, Trust

VERDICT_CACHE_SECONDS = 24 * 3600


@dataclass(frozen=True)
class Signature:
    """What a page says about the latest signed version of an artifact."""

    version: int
    valid: bool
    reason: str | None
    key_id: str
    key_status: str
    signed_at: str
    digest: str


def _cache_key(version: PassportVersion) -> str:
    # Versions never change; a revoked key changes the key status and so the cache key.
    return f"web:verdict:{version.digest}:{version.key.key_id}:{version.key.status}"


def latest_signatures(artifact_ids: Sequence[int]) -> dict[int, Signature]:
    """The latest version's signature status per artifact, from version_verify.

    Verdicts are cached per signed digest: one query when all are cached, three
    otherwise (light rows, keys, the full rows of the versions to verify).
    """
    if not artifact_ids:
        return {}
    return signatures_of(
        list(
            latest_versions(artifact_ids).select_related("key").defer("passport_json", "canonical")
        )
    )


def signatures_of(versions: Sequence[PassportVersion]) -> dict[int, Signature]:
    """The signature status of these versions (with their keys), by artifact id.

    Versions loaded without their text are read in full only when their verdict
    is not cached.
    """
    verdicts: dict[str, tuple[bool, str | None]] = cache.get_many(
        [_cache_key(version) for version in versions]
    )
    missing = [version for version in versions if _cache_key(version) not in verdicts]
    if missing:
        keys = published_keys()
        fresh = {}
        loaded = [version for version in missing if not version.get_deferred_fields()]
        light = [version.pk for version in missing if version.get_deferred_fields()]
        if light:
            loaded += PassportVersion.objects.filter(pk__in=light).select_related("key")
        for full in loaded:
            verdict = version_verify(version=full, keys=keys)
            fresh[_cache_key(full)] = (verdict.valid, verdict.reason)
        cache.set_many(fresh, VERDICT_CACHE_SECONDS)
        verdicts.update(fresh)
    result = {}
    for version in versions:
        valid, reason = verdicts[_cache_key(version)]
        result[version.artifact_id] = Signature(
            version=version.number,
            valid=bool(valid),
            reason=reason,
            key_id=version.key.key_id,
            key_status=version.key.status,
            signed_at=version.signed_at,
            digest=version.digest,
        )
    return result


# ------------------------------------------------------------------ formatting


def usd_per_1m(value: Decimal | None) -> str:
    """A per-1M-token price as dollars, exact (Decimal), at least two decimals."""
    if value is None:
        return "—"
    if value == 0:
        return "free"
    text = format(value.normalize(), "f")
    whole, _dot, fraction = text.partition(".")
    fraction = fraction.ljust(2, "0")
    return f"${whole}.{fraction}"


def tokens(value: int | None) -> str:
    if value is None:
        return "—"
    return f"{value:,}"


# ------------------------------------------------------------------ trust bars


@dataclass(frozen=True)
class Bar:
    name: str
    value: float  # the component, 0..1
    weight: float
    contribution: float  # weight * value, in score points (0..100)
    source: str  # "measured" | "imported"
    y: int
    width: int  # of the value bar, in SVG units out of BAR_WIDTH
    contribution_width: int


BAR_WIDTH = 320


def trust_bars(trust: Trust) -> list[Bar]:
    sources = trust.component_sources or {}
    values, weights = trust.components(), trust.weights()
    bars = []
    for index, name in enumerate(COMPONENTS):
        value, weight = float(values[name]), float(weights[name])
        bars.append(
            Bar(
                name=name,
                value=value,
                weight=weight,
                contribution=round(100 * weight * value, 1),
                source=str(sources.get(name, "measured")),
                y=index * 48,
                width=round(BAR_WIDTH * max(0.0, min(1.0, value))),
                contribution_width=round(BAR_WIDTH * max(0.0, min(1.0, weight * value))),
            )
        )
    return bars


# ------------------------------------------------------------------ detail


def artifact_detail(*, slug: str) -> Artifact | None:
    return (
        Artifact.objects.filter(slug=slug)
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


# ------------------------------------------------------------------ compare


@dataclass(frozen=True)
class CompareRow:
    label: str
    values: list[str]

    @property
    def differs(self) -> bool:
        return len(set(self.values)) > 1


def _joined(items: Iterable[Any]) -> str:
    return ", ".join(str(item) for item in items) or "—"


def compare_rows(
    artifacts: Sequence[Artifact], signatures: dict[int, Signature]
) -> list[CompareRow]:
    def row(label: str, getter: Callable[[Artifact], str]) -> CompareRow:
        return CompareRow(label=label, values=[getter(artifact) for artifact in artifacts])

    def signature(artifact: Artifact) -> str:
        sig = signatures.get(artifact.pk)
        if sig is None:
            return "not signed"
        return f"v{sig.version}, " + ("valid" if sig.valid else f"invalid: {sig.reason}")

    rows = [
        row("Type", lambda a: a.type),
        row("Trust score", lambda a: str(a.trust.score)),
        row("Verified builder", lambda a: "yes" if a.verified else "no"),
        row("Input modalities", lambda a: _joined(a.input_modalities)),
        row("Output modalities", lambda a: _joined(a.output_modalities)),
        row("Context (tokens)", lambda a: tokens(a.context_length)),
        row("Max output (tokens)", lambda a: tokens(a.max_output_tokens)),
        row("Prompt price per 1M tokens", lambda a: usd_per_1m(a.prompt_price_per_1m)),
        row("Completion price per 1M tokens", lambda a: usd_per_1m(a.completion_price_per_1m)),
        row(
            "Open weights",
            lambda a: "unknown" if a.open_weights is None else ("yes" if a.open_weights else "no"),
        ),
        row("Categories", lambda a: _joined(a.categories)),
        row("Capabilities", lambda a: str(a.capability_count)),  # type: ignore[attr-defined]
        row("Providers", lambda a: str(a.endpoint_count)),  # type: ignore[attr-defined]
        row("Signature", signature),
    ]
    rows += [
        row(name.replace("_", " ").capitalize() + " (trust component)", _component(name))
        for name in COMPONENTS
    ]
    return rows


def _component(name: str) -> Callable[[Artifact], str]:
    def value(artifact: Artifact) -> str:
        source = (artifact.trust.component_sources or {}).get(name, "measured")
        return f"{artifact.trust.components()[name]:.2f} ({source})"

    return value


def compare_artifacts(slugs: Sequence[str]) -> list[Artifact]:
    found = {
        artifact.slug: artifact
        for artifact in Artifact.objects.filter(slug__in=slugs)
        .select_related("trust")
        .annotate(
            capability_count=Count("capabilities", distinct=True),
            endpoint_count=Count("endpoints", distinct=True),
        )
    }
    return [found[slug] for slug in slugs if slug in found]
