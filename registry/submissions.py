"""What a submitter may state in a passport, and what is the registry's alone.

A document sent through the API (a builder's owner token, a staff token) describes
the model: its artifact, capabilities, limitations and requirements. Trust is not
the submitter's to state: the score, the rank components and weights, the
observed outcomes, verification, failure modes, permissions, maintenance and
community figures, and each capability's matches and success rate are computed
by the registry from evidence it holds (registry.refresh). Stated values are not
stored; each one that differs from what the registry serves gets a warning that
names it. Passport files the operator imports (the seeds) keep what they state,
marked "imported", until evidence replaces it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from passports.canonical import normalise_numbers

from .documents import PassportRows, trust_document
from .models import Artifact, Capability

CAPABILITY_OUTCOMES = ("matches", "success_rate")


def _shown(value: Any) -> str:
    if isinstance(value, dict | list):
        return "values"
    return repr(value) if isinstance(value, str) else str(value).lower()


def _ignored(field: str, value: Any, why: str) -> dict[str, Any]:
    shown = _shown(value)
    stated = "the stated values were" if shown == "values" else f"the stated {shown} was"
    return {"code": "ignored", "field": field, "message": f"{field} {why}; {stated} ignored"}


def registry_owned(
    *, rows: PassportRows, unfragile: Mapping[str, Any], artifact: Artifact | None
) -> list[dict[str, Any]]:
    """Replace what the submitter stated about trust with what the registry holds.

    `rows` loses its trust values (an existing artifact keeps its Trust row as it
    is; a new one gets the registry's defaults), each capability's matches and
    success rate become the registry's (0 for a new capability), and the
    artifact's `verified` stays the registry's. Returns one warning per stated
    value that differs from what the registry serves.
    """
    warnings: list[dict[str, Any]] = []
    stated_trust = unfragile.get("trust")
    if isinstance(stated_trust, Mapping):
        current = (
            normalise_numbers(trust_document(artifact.trust))
            if artifact is not None and hasattr(artifact, "trust")
            else {}
        )
        for key, value in normalise_numbers(dict(stated_trust)).items():
            if current.get(key, object()) != value:
                warnings.append(
                    _ignored(f"trust.{key}", value, "is computed by the registry from evidence")
                )
    rows.trust = None
    rows.stated_trust_keys = set()

    held: dict[str, tuple[int, float]] = {}
    if artifact is not None:
        held = {
            cap_id: (matches, success_rate)
            for cap_id, matches, success_rate in Capability.objects.filter(
                artifact=artifact
            ).values_list("capability_id", "matches", "success_rate")
        }
    stated_caps = unfragile.get("capabilities") or []
    for cap in rows.capabilities:
        registry_values = held.get(cap["capability_id"], (0, 0))
        stated = stated_caps[cap["position"]] if cap["position"] < len(stated_caps) else {}
        for key, value in zip(CAPABILITY_OUTCOMES, registry_values, strict=True):
            if key in stated and normalise_numbers(stated[key]) != normalise_numbers(value):
                warnings.append(
                    _ignored(
                        f"capabilities[{cap['position']}].{key}",
                        normalise_numbers(stated[key]),
                        "is measured by the registry",
                    )
                )
            cap[key] = value

    verified = bool(artifact.verified) if artifact is not None else False
    if rows.artifact["verified"] != verified:
        warnings.append(
            _ignored(
                "artifact.verified",
                rows.artifact["verified"],
                "is granted by the registry when a claim is approved",
            )
        )
    rows.artifact = {**rows.artifact, "verified": verified}
    return warnings
