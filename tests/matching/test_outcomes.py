"""Applying resolve outcomes: counted exactly once, whatever fails on the way."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from matching.models import ResolveLog
from matching.outcomes import outcomes_apply
from passports.models import PassportVersion
from passports.services import SigningUnavailable
from registry.models import Capability, Trust

CAPABILITY = "openrouter-liquid-lfm-2-24b-a2b__cap_7"


@pytest.mark.django_db
def test_outcomes_stay_pending_when_signing_fails_and_count_once_later(
    seeds: list[str], model: Any, api: Any, settings: Any, tmp_path: Path
) -> None:
    response = api.post(
        "/api/v1/resolve",
        {"intent": "translate customer emails from Spanish into German", "limit": 1},
        format="json",
    )
    assert response.json()["resolved"][0]["capability"]["id"] == CAPABILITY
    key_file = settings.PASSPORT_SIGNING_KEY_FILE
    # The private key is gone (a broken volume, say): nothing can be signed.
    settings.PASSPORT_SIGNING_KEY_FILE = tmp_path / "missing.jwk"
    with pytest.raises(SigningUnavailable):
        outcomes_apply()
    assert ResolveLog.objects.filter(applied_at__isnull=True).count() == 1
    assert Capability.objects.get(capability_id=CAPABILITY).matches == 0

    settings.PASSPORT_SIGNING_KEY_FILE = key_file
    assert outcomes_apply() == 1
    assert outcomes_apply() == 0
    assert ResolveLog.objects.filter(applied_at__isnull=True).count() == 0
    assert Capability.objects.get(capability_id=CAPABILITY).matches == 1
    assert Trust.objects.get(artifact__capabilities__capability_id=CAPABILITY).matches == 1


@pytest.mark.django_db
def test_many_resolves_make_one_version_per_round(
    seeds: list[str], model: Any, api: Any, settings: Any
) -> None:
    assert settings.CELERY_BEAT_SCHEDULE["outcomes-round"] == {
        "task": "matching.apply_outcomes",
        "schedule": float(settings.OUTCOMES_INTERVAL_SECONDS),
    }
    slug = "liquid-lfm-2-24b-a2b"
    before = PassportVersion.objects.filter(artifact__slug=slug).count()
    for _ in range(12):
        response = api.post(
            "/api/v1/resolve",
            {"intent": "translate customer emails from Spanish into German", "limit": 1},
            format="json",
        )
        assert response.json()["resolved"][0]["capability"]["id"] == CAPABILITY
    # Resolving signs nothing; the round does, once.
    assert PassportVersion.objects.filter(artifact__slug=slug).count() == before
    assert outcomes_apply() == 12
    assert Capability.objects.get(capability_id=CAPABILITY).matches == 12
    assert PassportVersion.objects.filter(artifact__slug=slug).count() == before + 1
