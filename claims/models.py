"""Claims: a builder proves they hold a key, staff approve, the owner gets a token."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class Claim(models.Model):
    class Status(models.TextChoices):
        CHALLENGED = "challenged", "waiting for the signed challenge"
        PENDING = "pending", "signed; waiting for staff approval"
        APPROVED = "approved"
        REJECTED = "rejected"

    artifact = models.ForeignKey(
        "registry.Artifact", on_delete=models.CASCADE, related_name="claims"
    )
    contact = models.CharField(max_length=200, blank=True, default="")
    # The claimant's Ed25519 public key, standard base64 of 32 bytes, and its RFC 7638 id.
    public_key = models.CharField(max_length=44)
    key_id = models.CharField(max_length=64)
    # The exact text the claimant signs (UTF-8); it names the slug, a nonce and the expiry.
    challenge = models.CharField(max_length=300, unique=True)
    expires_at = models.DateTimeField()
    signature = models.CharField(max_length=88, blank=True, default="")
    # A new owner token after a revoked one needs this text signed with `public_key`
    # (the ticket alone could have leaked); cleared when used.
    token_challenge = models.CharField(max_length=300, blank=True, default="")
    token_challenge_expires_at = models.DateTimeField(null=True, blank=True)
    # sha256 of the claim secret: the claimant's link to the status page.
    secret_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CHALLENGED)
    created_at = models.DateTimeField(auto_now_add=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.CharField(max_length=150, blank=True, default="")

    class Meta:
        # The table web/ created before claims/ was an app of its own (claims/migrations/0001).
        db_table = "web_claim"
        ordering = ["-created_at"]
        constraints = [
            # One approved owner per artifact.
            models.UniqueConstraint(
                fields=["artifact"], condition=Q(status="approved"), name="one_approved_claim"
            ),
        ]

    def __str__(self) -> str:
        return f"claim of {self.artifact_id} ({self.status})"


class OwnerToken(models.Model):
    """An API token that may update one artifact. Only its sha256 is stored.

    A claim has at most one live token; staff revoke a lost or leaked one, and
    the owner then takes a new one, once, from their claim page."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="tokens")
    artifact = models.ForeignKey(
        "registry.Artifact", on_delete=models.CASCADE, related_name="owner_tokens"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)  # shown in the admin to tell tokens apart
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "web_ownertoken"
        constraints = [
            models.UniqueConstraint(
                fields=["claim"], condition=Q(revoked_at__isnull=True), name="one_live_owner_token"
            ),
        ]

    def __str__(self) -> str:
        return f"owner token {self.prefix}… for {self.artifact_id}"
