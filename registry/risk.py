"""Risk postures (unfragile's `risk`): how much evidence a listing needs before it is offered.

| level        | a listing qualifies when                                                   |
|--------------|----------------------------------------------------------------------------|
| `default`    | always                                                                     |
| `production` | its latest version is signed by a key that is not revoked                  |
| `enterprise` | production, and its builder is verified or an endpoint passes its probes   |
| `strict`     | production, and its builder is verified and an endpoint passes its probes  |

"Passes its probes" is an endpoint whose live-probe status is `passing` (probes.outcomes: its
last probe runs all passed). These are database conditions, so they filter before ranking; a
caller showing results also re-verifies each signature (passports.selectors.latest_signatures).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from passports.models import SigningKey
from passports.selectors import latest_versions

from .models import ProviderEndpoint

RISK_LEVELS = ("default", "production", "enterprise", "strict")


def _signed() -> Q:
    latest_good = (
        latest_versions()
        .filter(artifact_id=OuterRef("pk"))
        .exclude(key__status=SigningKey.Status.REVOKED)
    )
    return Q(Exists(latest_good))


def _probes_pass() -> Q:
    return Q(
        Exists(
            ProviderEndpoint.objects.filter(
                artifact_id=OuterRef("pk"), probe_status__status="passing"
            )
        )
    )


def risk_condition(level: str) -> Q:
    """The artifacts (a filter on Artifact) that qualify at `level` (one of RISK_LEVELS)."""
    if level == "default":
        return Q()
    if level == "production":
        return _signed()
    if level == "enterprise":
        return _signed() & (Q(verified=True) | _probes_pass())
    if level == "strict":
        return _signed() & Q(verified=True) & _probes_pass()
    raise ValueError(f"unknown risk level {level!r}")
