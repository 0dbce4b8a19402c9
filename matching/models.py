"""Cached embeddings, the resolve log and feedback."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q


class TextEmbedding(models.Model):
    """One text's vector, by content hash, so rebuilding the index re-encodes only new text."""

    text_hash = models.CharField(max_length=64)
    model = models.CharField(max_length=64)
    vector = models.BinaryField()  # float32, unit length

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["model", "text_hash"], name="embedding_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.model}:{self.text_hash[:12]}"


class ResolveLog(models.Model):
    """One answered resolve: what was asked, understood and returned."""

    resolve_id = models.UUIDField(default=uuid.uuid4, unique=True)
    intent = models.TextField()
    required = models.JSONField(default=dict)
    # [{"slug", "capability_id", "confidence", "matched_text"}] in rank order
    results = models.JSONField(default=list)
    no_match = models.TextField(blank=True, default="")
    # api.throttling.client_key of who asked (a keyed hash, never the address).
    client_key = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Set when the returned capabilities' outcomes were counted (off the request path).
    applied_at = models.DateTimeField(null=True, blank=True, db_index=True)

    def __str__(self) -> str:
        return str(self.resolve_id)


class Feedback(models.Model):
    class Outcome(models.TextChoices):
        SUCCESS = "success"
        FAILURE = "failure"

    resolve = models.ForeignKey(ResolveLog, on_delete=models.CASCADE, related_name="feedback")
    slug = models.CharField(max_length=200)
    capability_id = models.CharField(max_length=300)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    note = models.TextField(blank=True, default="")
    # api.throttling.client_key of who reported (a keyed hash, never the address).
    client_key = models.CharField(max_length=64, blank=True, default="")
    # False when the same client's report on the same model already counted within
    # FEEDBACK_DEDUP_SECONDS (see FeedbackWindow): kept, but not counted into success_rate.
    counted = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        constraints = [
            # A callback token is single use: one feedback per resolve and slug.
            models.UniqueConstraint(fields=["resolve", "slug"], name="feedback_once"),
            models.CheckConstraint(
                condition=Q(outcome__in=["success", "failure"]), name="feedback_outcome"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.slug} {self.outcome}"


class FeedbackWindow(models.Model):
    """When a client's feedback on a model last counted toward its success rate.

    One row per (client, slug); feedback.feedback_record moves `counted_at` forward with a
    conditional UPDATE only once the window has passed, so two reports at once cannot
    both count.
    """

    client_key = models.CharField(max_length=64)
    slug = models.CharField(max_length=200)
    counted_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client_key", "slug"], name="feedback_window_once"),
        ]

    def __str__(self) -> str:
        return f"{self.client_key[:12]} {self.slug}"


class OutcomesPending(models.Model):
    """An artifact whose capabilities have counted outcomes that its trust and signed
    document do not show yet.

    outcomes.outcomes_apply counts resolves and feedback into capabilities in one short
    transaction and leaves one of these per artifact it touched; it then refreshes each
    (trust, content, a signed version) in a transaction of its own and deletes the row in
    that same transaction. A row left by a failure is taken by the next round.
    """

    artifact = models.OneToOneField("registry.Artifact", on_delete=models.CASCADE, related_name="+")
    counted_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"outcomes pending for artifact {self.artifact_id}"
