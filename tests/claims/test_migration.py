"""A database made while claims lived in web/ keeps its claims and owner tokens.

claims/migrations/0001 and web/migrations/0003 move the models in the migration
state only; the tables keep their names. This migrates a database back to the
old layout, writes rows through the historical models there, and migrates it
forward again.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from claims.models import Claim, OwnerToken

# The node before the move: web's last migration with the models, no claims app.
BEFORE_THE_MOVE = [("web", "0002_owner_token_reissue"), ("claims", None)]

EXPIRES_AT = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
SIGNED_AT = datetime(2026, 11, 30, 11, 15, 30, 123456, tzinfo=UTC)
DECIDED_AT = datetime(2026, 11, 30, 11, 45, tzinfo=UTC)
REVOKED_AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.mark.django_db(transaction=True)
def test_migration_keeps_claims_and_owner_tokens_made_in_web() -> None:
    executor = MigrationExecutor(connection)
    old = executor.migrate(BEFORE_THE_MOVE).apps
    assert "claims" not in {model._meta.app_label for model in old.get_models()}
    # The old layout's content type, with the permissions staff hold on it.
    old_content_type = old.get_model("contenttypes", "ContentType").objects.get(
        app_label="web", model="claim"
    )
    artifact = old.get_model("registry", "Artifact").objects.create(
        artifact_id="example/claimed-model",
        slug="example-claimed-model",
        name="Claimed Model",
        source="passport",
    )
    old_claim = old.get_model("web", "Claim").objects.create(
        artifact=artifact,
        contact="builder@example.org",
        public_key="A" * 43 + "=",
        key_id="k" * 43,
        challenge="trust-passport-claim:example-claimed-model:nonce:1796040000",
        expires_at=EXPIRES_AT,
        signature="S" * 86 + "==",
        secret_hash="a" * 64,
        status="approved",
        signed_at=SIGNED_AT,
        decided_at=DECIDED_AT,
        decided_by="staff",
    )
    old_token = old.get_model("web", "OwnerToken").objects.create(
        claim=old_claim,
        artifact=artifact,
        token_hash="b" * 64,
        prefix="tpo_abcdef",
        revoked_at=REVOKED_AT,
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert Claim.objects.values().get() == {
        "id": old_claim.pk,
        "artifact_id": artifact.pk,
        "contact": "builder@example.org",
        "public_key": "A" * 43 + "=",
        "key_id": "k" * 43,
        "challenge": "trust-passport-claim:example-claimed-model:nonce:1796040000",
        "expires_at": EXPIRES_AT,
        "signature": "S" * 86 + "==",
        # claims 0003: no renewal challenge until a token is revoked.
        "token_challenge": "",
        "token_challenge_expires_at": None,
        "secret_hash": "a" * 64,
        "status": "approved",
        "created_at": old_claim.created_at,
        "signed_at": SIGNED_AT,
        "decided_at": DECIDED_AT,
        "decided_by": "staff",
    }
    assert OwnerToken.objects.values().get() == {
        "id": old_token.pk,
        "claim_id": old_claim.pk,
        "artifact_id": artifact.pk,
        "token_hash": "b" * 64,
        "prefix": "tpo_abcdef",
        "created_at": old_token.created_at,
        "revoked_at": REVOKED_AT,
    }
    token = OwnerToken.objects.select_related("claim__artifact").get()
    assert token.claim.artifact.slug == "example-claimed-model"
    assert list(token.claim.artifact.claims.all()) == [token.claim]
    assert list(token.claim.tokens.all()) == [token]
    # The content type moved with the model: same row, same permissions.
    new_content_type = ContentType.objects.get(app_label="claims", model="claim")
    assert new_content_type.pk == old_content_type.pk
    assert not ContentType.objects.filter(app_label="web").exists()
    assert sorted(
        Permission.objects.filter(content_type=new_content_type).values_list("codename", flat=True)
    ) == ["add_claim", "change_claim", "delete_claim", "view_claim"]
    # Left at the leaf nodes, as every other test expects the database.
    fresh = MigrationExecutor(connection)
    assert fresh.migration_plan(fresh.loader.graph.leaf_nodes()) == []
