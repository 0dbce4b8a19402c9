"""Resolve's risk postures (registry.risk): what each level lets through."""

from __future__ import annotations

from typing import Any

import pytest

from passports.models import SigningKey
from passports.services import key_revoke
from registry.models import Artifact, ProviderEndpoint

SCOUT = "meta-llama-llama-4-scout"
NEED = "Llama 4 Scout 17B parameters from a 109B parameter pool"


def resolved(api: Any, risk: str) -> tuple[list[str], str | None]:
    response = api.post(
        "/api/v1/resolve",
        {"intent": NEED, "limit": 1, "risk": risk, "filters": {"input_modalities": ["image"]}},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    return [r["artifact"]["slug"] for r in body["resolved"]], body["noMatch"]


def refused(level: str) -> tuple[list[str], str]:
    return [], f"no registered model that fits qualifies at risk level {level}"


@pytest.mark.django_db
def test_each_level_asks_for_more_evidence(
    seeds: list[str], words: Any, api: Any, settings: Any
) -> None:
    from probes.endpoints import endpoint_upsert

    settings.PROBE_ALLOW_LOOPBACK = True  # the endpoint below is on 127.0.0.1 over http

    assert resolved(api, "default") == ([SCOUT], None)
    assert resolved(api, "production") == ([SCOUT], None)
    assert resolved(api, "enterprise") == refused("enterprise")
    endpoint = endpoint_upsert(
        slug=SCOUT, base_url="http://127.0.0.1:9/v1", model="scout", provider="loopback"
    )[0]
    ProviderEndpoint.objects.filter(pk=endpoint.pk).update(probe_status={"status": "passing"})
    assert resolved(api, "enterprise") == ([SCOUT], None)
    assert resolved(api, "strict") == refused("strict")
    Artifact.objects.filter(slug=SCOUT).update(verified=True)
    assert resolved(api, "strict") == ([SCOUT], None)
    ProviderEndpoint.objects.filter(pk=endpoint.pk).update(probe_status={"status": "degraded"})
    assert resolved(api, "enterprise") == ([SCOUT], None)
    assert resolved(api, "strict") == refused("strict")


@pytest.mark.django_db
def test_a_revoked_key_fails_production(seeds: list[str], words: Any, api: Any) -> None:
    for key in SigningKey.objects.all():
        key_revoke(key_id=key.key_id)
    assert resolved(api, "default") == ([SCOUT], None)
    assert resolved(api, "production") == refused("production")


@pytest.mark.django_db
def test_an_unknown_risk_is_a_400_naming_it(seeds: list[str], api: Any) -> None:
    response = api.post("/api/v1/resolve", {"intent": NEED, "risk": "yolo"}, format="json")
    assert (response.status_code, response.json()) == (
        400,
        {
            "error": {
                "code": "invalid",
                "message": "risk must be one of default, production, enterprise, strict",
                "field": "risk",
            }
        },
    )
