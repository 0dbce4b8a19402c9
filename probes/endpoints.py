"""Adding and updating the probe endpoints of a passport (command, admin, staff API)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction

from core.errors import ApplicationError, NotFound
from registry.models import Artifact, ProviderEndpoint, Source
from registry.refresh import artifacts_refresh

from .egress import Refused, endpoint_check
from .outcomes import probe_evidence_apply
from .services import breaker_reset

PROVIDER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


def _check(base_url: Any, model: Any, api_key_env: Any, provider: Any) -> None:
    # The operator's rules for what a probe may send where (probes.egress), with the
    # host's addresses as DNS gives them now; every call checks them again.
    try:
        endpoint_check(
            base_url=base_url,
            api_key_env=api_key_env,
            allowed_key_envs=settings.PROBE_KEY_ENVS,
            allow_loopback=settings.PROBE_ALLOW_LOOPBACK,
        )
    except Refused as exc:
        raise ApplicationError(exc.message, field=exc.field) from None
    if not isinstance(model, str) or not model.strip() or len(model) > 300:
        raise ApplicationError(
            "model must be a non-empty string of at most 300 characters", field="model"
        )
    if not isinstance(provider, str) or not PROVIDER.match(provider):
        raise ApplicationError(
            "provider must be 1-100 letters, digits, '.', '_' or '-'", field="provider"
        )


def endpoint_upsert(
    *,
    slug: str,
    base_url: Any,
    model: Any,
    api_key_env: Any = "",
    provider: Any = None,
    enabled: Any = True,
) -> tuple[ProviderEndpoint, bool]:
    """Add or update the endpoint (provider, model) of a passport; (endpoint, created).

    A changed base URL or key variable closes its breaker: it is a new endpoint.
    The passport is re-signed when its served endpoints change.
    """
    if provider is None:
        try:
            provider = urlsplit(base_url).hostname if isinstance(base_url, str) else None
        except ValueError:  # "http://[::1": _check names base_url
            provider = None
        provider = provider or "custom"
    _check(base_url, model, api_key_env, provider)
    if not isinstance(enabled, bool):
        raise ApplicationError("enabled must be true or false", field="enabled")
    with transaction.atomic():
        artifact = (
            Artifact.objects.select_for_update(of=("self",))
            .select_related("trust")
            .filter(slug=slug)
            .first()
        )
        if artifact is None:
            raise NotFound(f"no passport with slug {slug!r}", field="slug")
        endpoint = ProviderEndpoint.objects.filter(
            artifact=artifact, provider=provider, model_name=model
        ).first()
        created = endpoint is None
        if endpoint is None:
            endpoint = ProviderEndpoint(
                artifact=artifact,
                source=Source.API,
                source_key=f"{slug}/{provider}/{model}"[:300],
                provider=provider,
                model_name=model,
            )
        moved = endpoint.base_url != base_url or endpoint.api_key_env != api_key_env
        endpoint.base_url = base_url
        endpoint.api_key_env = api_key_env
        endpoint.protocol = "openai-chat"
        endpoint.probe_enabled = enabled
        endpoint.save()
        if moved and not created:
            breaker_reset(endpoint=endpoint)
        # Recomputes the endpoint's published probe status too: a reset breaker
        # must not stay "paused" in the new version.
        artifacts_refresh(
            artifact_ids=[artifact.pk], apply=lambda locked: probe_evidence_apply(artifact=locked)
        )
    return endpoint, created
