"""Live probe runs and the circuit breaker of each endpoint.

The endpoint itself is registry.ProviderEndpoint (provider, base URL, model
name, the environment variable naming its API key, protocol).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from registry.models import Artifact, ProviderEndpoint


class Kind(models.TextChoices):
    CHAT = "chat", "plain chat"
    JSON = "json", "JSON with given keys"
    STREAMING = "streaming", "SSE streaming"
    VISION = "vision", "vision (a tiny PNG)"
    LONG_CONTEXT = "long_context", "long context needle"
    TRANSLATION = "translation", "translation"
    CODE = "code", "code that parses"


class ProbeRun(models.Model):
    """One probe of one kind against one endpoint in one schedule slot.

    Unique per (endpoint, kind, slot): a slot probed twice records one result.
    `state` is the claim (pending -> running -> done); `status` the result.
    """

    class State(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        DONE = "done"

    class Status(models.TextChoices):
        PASS = "pass"  # noqa: S105 - answered, and the checker accepted the answer
        FAIL = "fail"  # answered, and the checker rejected it
        ERROR = "error"  # no usable answer: timeout, HTTP error, malformed body, cut stream
        SKIPPED = "skipped"  # not called: no API key in the environment, breaker open

    endpoint = models.ForeignKey(
        ProviderEndpoint, on_delete=models.CASCADE, related_name="probe_runs"
    )
    artifact = models.ForeignKey(Artifact, on_delete=models.CASCADE, related_name="probe_runs")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    slot = models.DateTimeField(help_text="start of the schedule window")
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    status = models.CharField(max_length=16, choices=Status.choices, blank=True, default="")
    claim = models.CharField(max_length=64, blank=True, default="")
    claimed_at = models.DateTimeField(null=True, blank=True)
    claims = models.PositiveSmallIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)  # HTTP requests made
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.FloatField(null=True, blank=True)
    ttft_ms = models.FloatField(null=True, blank=True)
    prompt_tokens = models.PositiveIntegerField(null=True, blank=True)
    completion_tokens = models.PositiveIntegerField(null=True, blank=True)
    error_class = models.CharField(max_length=64, blank=True, default="")
    # Redacted: never an API key, even when a provider echoes it back.
    message = models.CharField(max_length=500, blank=True, default="")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-slot", "endpoint_id", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "kind", "slot"], name="probe_run_once"),
            models.CheckConstraint(
                condition=~Q(state="done") | ~Q(status=""), name="probe_run_done_has_status"
            ),
        ]
        indexes = [
            models.Index(fields=["artifact", "finished_at"], name="probe_run_artifact_time"),
            models.Index(fields=["state", "applied_at"], name="probe_run_state_applied"),
        ]

    def __str__(self) -> str:
        return f"{self.endpoint_id}:{self.kind}@{self.slot:%Y-%m-%dT%H:%M}Z {self.status or self.state}"


class EndpointBreaker(models.Model):
    """Consecutive failures of an endpoint; open (paused) after a threshold."""

    endpoint = models.OneToOneField(
        ProviderEndpoint, on_delete=models.CASCADE, related_name="probe_breaker"
    )
    consecutive_failures = models.PositiveIntegerField(default=0)
    opened_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"breaker {self.endpoint_id}: {'open' if self.opened_at else 'closed'}"
