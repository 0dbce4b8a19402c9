"""What a passport is in the database.

Rows are the source of truth; the served document is built from them
(registry.documents). Members of the passport format that the registry does
not model are kept verbatim in the `extra` JSON columns so a document
survives a round trip whole.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Abs
from django.db.models.lookups import LessThan

from .trust import COMPONENTS, DEFAULT_WEIGHTS


class Source(models.TextChoices):
    PASSPORT = "passport", "passport document"
    OPENROUTER = "openrouter", "OpenRouter catalog"
    LITELLM = "litellm", "LiteLLM price map"
    API = "api", "API"


class ArtifactQuerySet(models.QuerySet["Artifact"]):
    def with_trust(self) -> ArtifactQuerySet:
        return self.select_related("trust")


class Artifact(models.Model):
    artifact_id = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    name = models.CharField(max_length=300)
    type = models.CharField(max_length=64, default="model", db_index=True)
    # null is a published value of these members, distinct from "".
    url = models.CharField(max_length=2000, blank=True, null=True)  # noqa: DJ001
    page_url = models.CharField(max_length=2000, blank=True, null=True)  # noqa: DJ001
    categories = models.JSONField(default=list, blank=True)
    tags = models.JSONField(default=list, blank=True)
    # The passport's pricing object as published ({"model", "free", "starting_price"}).
    pricing = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=64, default="active")
    verified = models.BooleanField(default=False, db_index=True)
    format_version = models.CharField(max_length=32, default="1.0")  # unfragile "@version"
    content_version = models.CharField(max_length=32, blank=True, default="")  # unfragile "version"
    distribution = models.JSONField(default=dict, blank=True)
    # Unknown members of the unfragile object and of its artifact object.
    extra = models.JSONField(default=dict, blank=True)
    artifact_extra = models.JSONField(default=dict, blank=True)
    description = models.TextField(blank=True, default="")

    # Structured facts a catalog gives.
    context_length = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    max_output_tokens = models.PositiveBigIntegerField(null=True, blank=True)
    input_modalities = models.JSONField(default=list, blank=True)
    output_modalities = models.JSONField(default=list, blank=True)
    prompt_price = models.CharField(max_length=64, blank=True, default="")  # as given
    completion_price = models.CharField(max_length=64, blank=True, default="")  # as given
    price_unit = models.CharField(max_length=32, blank=True, default="")  # e.g. "USD/token"
    prompt_price_per_1m = models.DecimalField(
        max_digits=20, decimal_places=6, null=True, blank=True, db_index=True
    )
    completion_price_per_1m = models.DecimalField(
        max_digits=20, decimal_places=6, null=True, blank=True
    )
    open_weights = models.BooleanField(null=True, blank=True)
    release_date = models.DateField(null=True, blank=True)
    hugging_face_id = models.CharField(max_length=300, blank=True, default="")
    supported_parameters = models.JSONField(default=list, blank=True)
    # Which catalog each fact came from, and the snapshot time of that catalog.
    facts_source = models.CharField(max_length=32, blank=True, default="")
    facts_as_of = models.DateTimeField(null=True, blank=True)
    openrouter_id = models.CharField(max_length=200, blank=True, default="", db_index=True)
    # The model family ("anthropic/claude-opus"): maker plus the model's name without its
    # version, size or variant (registry.naming.family_of). Resolve shows one model per family.
    family = models.CharField(max_length=200, blank=True, default="", db_index=True)
    # Set when this listing was merged into another (registry.naming.artifact_merge): the row
    # and its signed versions stay, but it is no longer listed and its slug redirects there.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged"
    )

    source = models.CharField(max_length=32, choices=Source.choices)
    content_digest = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = ArtifactQuerySet.as_manager()

    class Meta:
        ordering = ["slug"]
        constraints = [
            models.CheckConstraint(condition=~Q(slug=""), name="artifact_slug_not_empty"),
            models.CheckConstraint(
                condition=Q(prompt_price_per_1m__isnull=True) | Q(prompt_price_per_1m__gte=0),
                name="artifact_prompt_price_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(completion_price_per_1m__isnull=True)
                | Q(completion_price_per_1m__gte=0),
                name="artifact_completion_price_not_negative",
            ),
        ]
        indexes = [
            # What a need's hard constraints select listings by (matching.resolve), all in
            # one narrow index: a price ceiling or a context minimum is then decided from it
            # alone, not by reading every wide listing row (11.7 ms against 5.4 ms for
            # 14,144 of 25,000 listings on SQLite, bench/resolve_latency.py's 100k registry).
            models.Index(
                fields=[
                    "merged_into",
                    "type",
                    "prompt_price_per_1m",
                    "context_length",
                    "open_weights",
                ],
                name="artifact_constraints",
            ),
        ]

    def __str__(self) -> str:
        return self.slug


class ArtifactFacet(models.Model):
    """One filterable value of an artifact (a category, tag or modality).

    Denormalised from the JSON lists so filters are indexed joins on every
    database, not JSON lookups that SQLite lacks.
    """

    class Kind(models.TextChoices):
        CATEGORY = "category"
        TAG = "tag"
        INPUT_MODALITY = "input_modality"
        OUTPUT_MODALITY = "output_modality"

    artifact = models.ForeignKey(Artifact, on_delete=models.CASCADE, related_name="facets")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    value = models.CharField(max_length=100)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["artifact", "kind", "value"], name="facet_unique")
        ]
        indexes = [models.Index(fields=["kind", "value"], name="facet_kind_value")]

    def __str__(self) -> str:
        return f"{self.kind}={self.value}"


class Capability(models.Model):
    artifact = models.ForeignKey(Artifact, on_delete=models.CASCADE, related_name="capabilities")
    position = models.PositiveIntegerField()
    capability_id = models.CharField(max_length=300, unique=True)
    uri = models.CharField(max_length=1000, blank=True, default="")
    name = models.CharField(max_length=500)
    description = models.TextField(blank=True, default="")
    intents = models.JSONField(default=list, blank=True)
    best_for = models.JSONField(default=list, blank=True)
    limitations = models.JSONField(default=list, blank=True)
    requires = models.JSONField(default=list, blank=True)
    input_types = models.JSONField(default=list, blank=True)
    output_types = models.JSONField(default=list, blank=True)
    categories = models.JSONField(default=list, blank=True)
    confidence = models.FloatField(default=0)
    matches = models.PositiveIntegerField(default=0)
    success_rate = models.FloatField(default=0)
    extra = models.JSONField(default=dict, blank=True)
    # Observed outcomes the registry measures (served in passport.registry.outcomes).
    avg_confidence = models.FloatField(default=0)
    top_intents = models.JSONField(default=list, blank=True)
    last_matched_at = models.CharField(max_length=32, blank=True, default="")
    feedback_count = models.PositiveIntegerField(default=0)
    successes = models.PositiveIntegerField(default=0)
    # Live probes of this capability's kinds within the probe window (probes app).
    probe_runs = models.PositiveIntegerField(default=0)
    probe_passes = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["artifact_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["artifact", "position"], name="capability_position"),
            models.CheckConstraint(
                condition=Q(confidence__gte=0) & Q(confidence__lte=1), name="capability_confidence"
            ),
            models.CheckConstraint(
                condition=Q(success_rate__gte=0) & Q(success_rate__lte=1),
                name="capability_success_rate",
            ),
        ]

    def __str__(self) -> str:
        return self.capability_id


def _unit(field: str) -> Q:
    return Q(**{f"{field}__gte": 0}) & Q(**{f"{field}__lte": 1})


class Trust(models.Model):
    artifact = models.OneToOneField(Artifact, on_delete=models.CASCADE, related_name="trust")
    score = models.PositiveSmallIntegerField(default=0, db_index=True)
    verified = models.BooleanField(default=False)
    data_access_risk = models.CharField(max_length=32, default="low")
    permissions = models.JSONField(default=list, blank=True)
    failure_modes = models.JSONField(default=list, blank=True)

    adoption = models.FloatField(default=0)
    quality = models.FloatField(default=0)
    ecosystem = models.FloatField(default=0)
    match_graph = models.FloatField(default=0)
    freshness = models.FloatField(default=0)
    # The defaults are the "model" weights of registry.trust (the one place they are written).
    weight_adoption = models.FloatField(default=DEFAULT_WEIGHTS["adoption"])
    weight_quality = models.FloatField(default=DEFAULT_WEIGHTS["quality"])
    weight_ecosystem = models.FloatField(default=DEFAULT_WEIGHTS["ecosystem"])
    weight_match_graph = models.FloatField(default=DEFAULT_WEIGHTS["match_graph"])
    weight_freshness = models.FloatField(default=DEFAULT_WEIGHTS["freshness"])
    # Where each component's value came from: "imported" (stated by the
    # document) or "measured" (computed by the registry from evidence).
    component_sources = models.JSONField(default=dict, blank=True)
    # Which of score, permissions, failure_modes the document stated; the
    # rest the registry derives and keeps derived.
    stated_fields = models.JSONField(default=list, blank=True)

    matches = models.PositiveIntegerField(default=0)
    success_rate = models.FloatField(default=0)
    avg_confidence = models.FloatField(default=0)
    top_intents = models.JSONField(default=list, blank=True)
    # As published (an ISO timestamp, or null before any match).
    last_matched_at = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001

    maintenance = models.JSONField(default=dict, blank=True)
    community = models.JSONField(default=dict, blank=True)
    # Live-probe figures the registry measured (probes app), served in observed_outcomes.
    probe_outcomes = models.JSONField(default=dict, blank=True)
    # Unknown members of trust, rank_breakdown, weights and observed_outcomes.
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=100), name="trust_score_range"
            ),
            *[
                models.CheckConstraint(condition=_unit(name), name=f"trust_{name}_unit")
                for name in COMPONENTS
            ],
            *[
                models.CheckConstraint(
                    condition=_unit(f"weight_{name}"), name=f"trust_weight_{name}_unit"
                )
                for name in COMPONENTS
            ],
            models.CheckConstraint(
                condition=LessThan(
                    Abs(
                        F("weight_adoption")
                        + F("weight_quality")
                        + F("weight_ecosystem")
                        + F("weight_match_graph")
                        + F("weight_freshness")
                        - 1.0
                    ),
                    0.0005,
                ),
                name="trust_weights_sum_to_one",
            ),
            models.CheckConstraint(
                condition=_unit("success_rate") & _unit("avg_confidence"),
                name="trust_outcomes_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"trust of {self.artifact_id}: {self.score}"

    def components(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in COMPONENTS}

    def weights(self) -> dict[str, float]:
        return {name: getattr(self, f"weight_{name}") for name in COMPONENTS}


class ArtifactAlias(models.Model):
    """A slug an artifact was known by before (renamed, or merged into it): it redirects (301)."""

    slug = models.SlugField(max_length=200, unique=True)
    artifact = models.ForeignKey(Artifact, on_delete=models.CASCADE, related_name="aliases")
    reason = models.CharField(max_length=32, default="renamed")  # renamed | merged
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["artifact_id", "slug"]

    def __str__(self) -> str:
        return f"{self.slug} -> {self.artifact_id}"


class ProviderEndpoint(models.Model):
    """One offer of an artifact: a provider serving it, or a variant of it (free, batch, fast,
    thinking, a dated snapshot, a `latest` alias), with its own id, limits and prices."""

    artifact = models.ForeignKey(Artifact, on_delete=models.CASCADE, related_name="endpoints")
    source = models.CharField(max_length=32, choices=Source.choices)
    # The catalog's own key for this entry (LiteLLM key, OpenRouter id).
    source_key = models.CharField(max_length=300)
    provider = models.CharField(max_length=100)
    model_name = models.CharField(max_length=300)
    base_url = models.CharField(max_length=2000, blank=True, default="")
    api_key_env = models.CharField(max_length=100, blank=True, default="")
    protocol = models.CharField(max_length=32, default="openai-chat")
    mode = models.CharField(max_length=64, blank=True, default="")
    context_length = models.PositiveBigIntegerField(null=True, blank=True)
    max_output_tokens = models.PositiveBigIntegerField(null=True, blank=True)
    prompt_price = models.CharField(max_length=64, blank=True, default="")
    completion_price = models.CharField(max_length=64, blank=True, default="")
    prompt_price_per_1m = models.DecimalField(
        max_digits=20, decimal_places=6, null=True, blank=True
    )
    completion_price_per_1m = models.DecimalField(
        max_digits=20, decimal_places=6, null=True, blank=True
    )
    input_modalities = models.JSONField(default=list, blank=True)
    output_modalities = models.JSONField(default=list, blank=True)
    features = models.JSONField(default=list, blank=True)  # e.g. ["tools", "vision"]
    match_rule = models.CharField(max_length=64, blank=True, default="")
    # "" for the model itself; else the variant this offer is (registry.naming.VARIANTS).
    variant = models.CharField(max_length=64, blank=True, default="", db_index=True)
    # Both prices stated and zero.
    free = models.BooleanField(default=False, db_index=True)
    raw = models.JSONField(default=dict, blank=True)  # the catalog entry as given
    # Live probes: whether beat may probe it, and its published probe status
    # ({"status", "runs", "success_rate", "last_probed_at", "paused_at", "reason"}).
    probe_enabled = models.BooleanField(default=True)
    probe_status = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["artifact_id", "provider", "model_name"]
        constraints = [
            models.UniqueConstraint(fields=["source", "source_key"], name="endpoint_source_key"),
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.model_name}"


class ImportWarning(models.Model):
    """Something an import noticed and kept, e.g. a stated score that disagrees with derivation."""

    artifact = models.ForeignKey(Artifact, on_delete=models.CASCADE, related_name="warnings")
    source = models.CharField(max_length=32, choices=Source.choices)
    code = models.CharField(max_length=64)
    field = models.CharField(max_length=200)
    message = models.TextField()
    stated = models.JSONField(null=True, blank=True)
    derived = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["artifact_id", "field"]

    def __str__(self) -> str:
        return f"{self.code} {self.field}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "code": self.code,
            "field": self.field,
            "message": self.message,
        }


class CatalogSnapshot(models.Model):
    """A catalog file or response that was imported, by content hash.

    Lets `make run` skip a catalog it has already imported unchanged, by the same
    importer: a new IMPORTER_VERSION (registry.importers.derive) imports it again,
    so passports derived from it follow the new rules.
    """

    source = models.CharField(max_length=32, choices=Source.choices)
    sha256 = models.CharField(max_length=64)
    importer_version = models.PositiveIntegerField(default=1)
    label = models.CharField(max_length=500)
    as_of = models.DateTimeField(null=True, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "sha256", "importer_version"], name="snapshot_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.label}"


CAPABILITY_TEXT_FIELDS = frozenset(
    {"name", "description", "intents", "best_for", "categories", "artifact", "position"}
)


# Defined beside the functions that read them (the app's models all the same).
from .clocks import ArtifactTouch as ArtifactTouch  # noqa: E402
from .clocks import RegistryClock as RegistryClock  # noqa: E402
