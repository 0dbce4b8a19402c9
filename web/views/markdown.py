"""The passport page for agents: a short Markdown summary (GET /passports/<slug>.md, or the page
with `Accept: text/markdown`): what it does, limits, trust with its evidence, how to call it,
how to verify it. Built from the same selectors as the HTML page."""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from api.http import base_url
from core.errors import NotFound
from passports.selectors import signatures_of
from probes.selectors import latest_evidence
from registry.documents import links
from registry.invocation import invocation_of
from registry.listings import current_slug
from registry.models import Artifact
from registry.selectors import artifact_detail, endpoints_of, version_get

from .. import presenters

MARKDOWN = "text/markdown; charset=utf-8"
MAX_CAPABILITIES = 4
MAX_LIMITATIONS = 5
DESCRIPTION_CHARS = 200


def wants_markdown(request: HttpRequest) -> bool:
    """Markdown is asked for and preferred over HTML (`*/*` and browsers get HTML)."""
    return request.get_preferred_type(["text/html", "text/markdown"]) == "text/markdown"


def _line(text: str) -> str:
    """One line of Markdown text: no line breaks, no characters that would start markup."""
    flat = " ".join(str(text).split())
    return flat.replace("<", "&lt;").replace(">", "&gt;")


def _short(text: str, limit: int = DESCRIPTION_CHARS) -> str:
    flat = _line(text)
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _fence(text: str) -> str:
    """A code fence longer than any run of backticks inside."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def passport_markdown(request: HttpRequest, slug: str) -> HttpResponse:
    artifact = artifact_detail(slug=slug)
    if artifact is None:
        moved_to = current_slug(slug)
        if moved_to is not None:
            return redirect("web:markdown", slug=moved_to, permanent=True)
        response = HttpResponse(
            f"# Not found\n\nNo passport with slug `{_line(slug)[:200]}`.\n",
            content_type=MARKDOWN,
            status=404,
        )
        return response
    response = HttpResponse(markdown_of(artifact, base_url(request)), content_type=MARKDOWN)
    response["Vary"] = "Accept"
    return response


def markdown_of(artifact: Artifact, base: str) -> str:
    urls = links(artifact.slug, base)
    try:
        version = version_get(artifact=artifact)
    except NotFound:
        version = None
    signature = signatures_of([version]).get(artifact.pk) if version else None
    capabilities = list(artifact.capabilities.order_by("position"))
    trust = artifact.trust
    lines = [f"# {_line(artifact.name)}", ""]
    lines.append(
        f"`{artifact.slug}` · {_line(artifact.type)} · trust score {trust.score}/100 · "
        + (f"signed version {version.number}" if version else "not signed yet")
    )
    if artifact.description:
        lines += ["", _short(artifact.description)]

    lines += ["", "## What it does", ""]
    for cap in capabilities[:MAX_CAPABILITIES]:
        lines.append(f"- **{_line(cap.name)}**: {_short(cap.description)}")
        if cap.best_for:
            lines.append(f"  Best for: {_line('; '.join(cap.best_for[:2]))}.")
    if len(capabilities) > MAX_CAPABILITIES:
        lines.append(f"- … and {len(capabilities) - MAX_CAPABILITIES} more in the passport.")
    if not capabilities:
        lines.append("- No capability is stated.")

    lines += ["", "## Limits", ""]
    facts = [
        ("Context", presenters.token_count(artifact.context_length)),
        ("Max output", presenters.token_count(artifact.max_output_tokens)),
        ("Input", ", ".join(artifact.input_modalities) or "not stated"),
        ("Output", ", ".join(artifact.output_modalities) or "not stated"),
        ("Prompt price", presenters.usd_per_1m(artifact.prompt_price_per_1m)),
        ("Completion price", presenters.usd_per_1m(artifact.completion_price_per_1m)),
    ]
    lines += [
        f"- {name}: {'not stated' if value == '—' else _line(value)}" for name, value in facts
    ]
    limitations = list(dict.fromkeys(text for cap in capabilities for text in cap.limitations))[
        :MAX_LIMITATIONS
    ]
    lines += [f"- {_short(text)}" for text in limitations]

    lines += ["", "## Trust", ""]
    lines.append(
        f"- Score {trust.score}/100 = round(100 × Σ weight × component), from evidence "
        f"({base}/methodology):"
    )
    for bar in presenters.trust_bars(trust):
        lines.append(f"  - {bar.name}: {bar.value:.2f} × weight {bar.weight:.2f} ({bar.source})")
    lines.append(f"- Builder verified: {'yes' if artifact.verified else 'no'}")
    lines.append(
        f"- Observed: {trust.matches} matches, success rate {trust.success_rate:.0%} "
        f"(from feedback on resolves)"
    )
    evidence = latest_evidence(artifact=artifact)
    if evidence:
        passed = sum(run["status"] == "pass" for run in evidence)
        lines.append(f"- Live probes: {passed} of {len(evidence)} latest runs passed")
        for run in evidence[:MAX_LIMITATIONS]:
            latency = f", {run['latency_ms']:.0f} ms" if run["latency_ms"] is not None else ""
            lines.append(
                f"  - {_line(run['provider'])} {_line(run['kind'])}: {run['status']}{latency} "
                f"({run['finished_at']})"
            )
    else:
        lines.append("- Live probes: none yet")
    if signature is not None:
        state = "valid" if signature.valid else f"INVALID ({_line(signature.reason or '')})"
        lines.append(
            f"- Signature: {state}, Ed25519 key `{signature.key_id}` ({signature.key_status}), "
            f"signed at {signature.signed_at}"
        )

    lines += ["", "## How to call it", ""]
    invocation = invocation_of(endpoints_of(artifact))
    lines += _invocation_lines(invocation)

    lines += ["", "## How to verify it", ""]
    verify = (
        f"curl -s {urls['self']} -o {artifact.slug}.json\n"
        f"python -m passports.verify {artifact.slug}.json --jwks {urls['jwks']}"
    )
    lines += [
        "Fetch the signed document and check its Ed25519 signature against the published "
        "keys (RFC 8785 canonical JSON of `passport` without `signature`):",
        "",
        "```sh",
        verify,
        "```",
        "",
        f"Or ask the registry: {urls['verify']}. With the transparency log: "
        f"{base}/api/v1/passport/{artifact.slug}/bundle, checked offline with "
        "`python -m passports.verify BUNDLE --jwks JWKS --log-key KEY` (the key from "
        f"{base}/api/v1/log).",
        "",
        f"JSON: {urls['self']} · Page: {urls['artifact']}",
        "",
    ]
    return "\n".join(lines)


def _invocation_lines(invocation: dict[str, Any] | None) -> list[str]:
    if invocation is None:
        return ["No endpoint with an OpenAI-compatible base URL is registered for it yet."]
    endpoint = invocation["endpoint"]
    snippet = invocation["snippet"].rstrip("\n")
    fence = _fence(snippet)
    return [
        f"Through {_line(endpoint['provider'])} (`{_line(endpoint['model'])}` at "
        f"{_line(endpoint['baseUrl'])}), OpenAI-compatible chat completions:",
        "",
        f"{fence}python",
        snippet,
        fence,
        "",
        "Requires: " + "; ".join(_line(item) for item in invocation["requires"]) + ".",
        "",
        "With curl:",
        "",
        f"{_fence(invocation['curl'])}sh",
        invocation["curl"],
        _fence(invocation["curl"]),
    ]
