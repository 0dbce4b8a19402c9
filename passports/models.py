"""Signing keys (public halves only) and immutable signed passport versions."""

from __future__ import annotations

import json
from typing import Any

from django.db import models
from django.db.models import Q


class SigningKey(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active"
        RETIRED = "retired"
        REVOKED = "revoked"

    key_id = models.CharField(max_length=64, unique=True)  # RFC 7638 thumbprint
    public_key = models.CharField(max_length=44)  # standard base64 of 32 bytes
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # At most one key signs at a time.
            models.UniqueConstraint(
                fields=["status"], condition=Q(status="active"), name="one_active_signing_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key_id} ({self.status})"


class ImmutableVersion(Exception):
    pass


class PassportVersion(models.Model):
    """One signed version of a passport. Never updated: a change is version N+1."""

    artifact = models.ForeignKey(
        "registry.Artifact", on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField()
    # The signed passport object without `signature`, in published key order.
    passport_json = models.TextField()
    # The RFC 8785 bytes the signature covers (UTF-8 text).
    canonical = models.TextField()
    signature = models.CharField(max_length=88)
    key = models.ForeignKey(SigningKey, on_delete=models.PROTECT, related_name="versions")
    signed_at = models.CharField(max_length=32)
    content_digest = models.CharField(max_length=64)  # sha256 of unfragile + registry
    digest = models.CharField(max_length=64)  # sha256 of the canonical bytes
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["artifact_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["artifact", "number"], name="version_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="version_number_positive"),
        ]
        indexes = [models.Index(fields=["artifact", "-number"], name="version_latest")]

    def __str__(self) -> str:
        return f"{self.artifact_id} v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ImmutableVersion("signed passport versions are never changed")
        super().save(*args, **kwargs)

    def passport(self) -> dict[str, Any]:
        """The served passport object: content, then the signature, then the envelope."""
        stored: dict[str, Any] = json.loads(self.passport_json)
        result = {"unfragile": stored.pop("unfragile"), "registry": stored.pop("registry")}
        result["signature"] = self.signature
        result.update(stored)
        return result


class LogEntry(models.Model):
    """One leaf of the transparency log (RFC 9162 hashing): never changed, never removed.

    `entry` is the RFC 8785 canonical JSON of a passport entry
    {"type": "passport", "slug", "version", "digest", "keyId", "signedAt"} or of a
    key entry {"type": "key", "keyId", "status", "at"}; `leaf_hash` is
    SHA-256(0x00 || entry) in hex. `index` is the leaf's position, assigned by
    the one sequencer (LogHead) and unique.
    """

    class Kind(models.TextChoices):
        PASSPORT = "passport"
        KEY = "key"

    index = models.PositiveBigIntegerField(unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    entry = models.TextField()
    leaf_hash = models.CharField(max_length=64)
    # What the entry records. A removed artifact takes its versions with it; the
    # entry stays, since the tree never changes.
    version = models.OneToOneField(
        PassportVersion,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="log_entry",
    )
    key = models.ForeignKey(
        SigningKey, null=True, blank=True, on_delete=models.PROTECT, related_name="log_entries"
    )
    key_status = models.CharField(max_length=16, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["index"]
        constraints = [
            # Each key event is logged once.
            models.UniqueConstraint(
                fields=["key", "key_status"],
                condition=Q(kind="key"),
                name="log_key_event_once",
            ),
        ]

    def __str__(self) -> str:
        return f"log #{self.index} ({self.kind})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ImmutableVersion("log entries are never changed")
        super().save(*args, **kwargs)


class LogHead(models.Model):
    """The sequencer: one row whose lock is held while an index is assigned."""

    size = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"log of {self.size} entries"


class Cosignature(models.Model):
    """A witness's cosignature line on the checkpoint of one tree (size and root)."""

    size = models.PositiveBigIntegerField()
    root = models.CharField(max_length=64)  # hex
    witness = models.CharField(max_length=200)  # the cosigner's name
    line = models.TextField()  # the note signature line, with its newline
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["size", "witness"]
        constraints = [
            models.UniqueConstraint(fields=["size", "root", "witness"], name="cosigned_once"),
        ]

    def __str__(self) -> str:
        return f"{self.witness} on {self.size}"
