"""What bench/match_catalog.py checks each answer against: whether a result takes and
gives what the need asks (by the registry's stored facts of the model and its offers),
whether its name is recognisable, which family and variant it is, whether it is a router."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

# A single word that names no model on its own (LiteLLM leftovers named by the last word of a key).
GENERIC_WORDS = {
    "auto",
    "base",
    "best",
    "chat",
    "conservative",
    "core",
    "creative",
    "default",
    "dev",
    "edit",
    "embedding",
    "embeddings",
    "erase",
    "fast",
    "free",
    "general",
    "image",
    "image-to-image",
    "inpaint",
    "instruct",
    "large",
    "latest",
    "lite",
    "medium",
    "mini",
    "model",
    "nano",
    "outpaint",
    "plus",
    "preview",
    "pro",
    "schnell",
    "search",
    "search-pro",
    "sketch",
    "small",
    "standard",
    "stable",
    "structure",
    "style",
    "text-to-image",
    "turbo",
    "ultra",
    "upscale",
}
# Words that name a variant or packaging of a model, not a different model.
VARIANT_WORDS = {
    "batch",
    "beta",
    "exp",
    "experimental",
    "extended",
    "fast",
    "free",
    "instruct",
    "it",
    "latest",
    "nitro",
    "online",
    "preview",
    "thinking",
    "chat",
    "hf",
    "fp8",
    "fp16",
    "bf16",
    "awq",
    "gguf",
}
VERSION = re.compile(r"^v?\d+(\.\d+)*$", re.IGNORECASE)  # 3.2, 4, v2, 3.5a
SIZE = re.compile(
    r"^(\d+x)?\d+(\.\d+)?[bmkt]$|^[ae]\d+(\.\d+)?b$", re.IGNORECASE
)  # 70b, 8x7b, a22b
DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2}|\d{8}|\d{2}-\d{2}-\d{4}|\d{2}-\d{4}|\d{2}-\d{2}|\d{4})\b")
# What the duplicate-variant check strips from a name: the variant marks and dates.
VARIANT_MARKS = re.compile(r"\((free|batch|fast|thinking|beta|extended|nitro)\)|\blatest\b", re.I)
ARTIFACT_SYNONYMS = {"transcription": "text", "embedding": "embeddings", "pdf": "file"}
FEATURE_ALIASES = {
    "tools": {"tools", "tool_choice", "function_calling"},
    "structured_outputs": {"structured_outputs", "response_format", "json_mode"},
    "reasoning": {"reasoning", "include_reasoning"},
}


def _modalities(values: Any) -> set[str]:
    return {ARTIFACT_SYNONYMS.get(str(v).lower(), str(v).lower()) for v in values or []}


def derive_family(name: str) -> str:
    """A family from a name alone: the maker and the model words with version numbers, sizes,
    dates and variant words removed ("Meta: Llama 3.1 8B Instruct" -> "meta: llama")."""
    maker, _, model = name.partition(": ") if ": " in name else ("", "", name)
    text = re.sub(r"\([^)]*\)", " ", model.lower())
    text = DATE.sub(" ", text)
    words = []
    for word in re.split(r"[\s\-_/:,]+", text):
        if not word or VERSION.match(word) or SIZE.match(word) or word in VARIANT_WORDS:
            continue
        # qwen3 -> qwen, gemma2 -> gemma; short names like o3 or r1 stay.
        words.append(re.sub(r"(?<=[a-z]{3})[\d.]+$", "", word))
    stem = " ".join(words) or model.lower().strip()
    return f"{maker.strip().lower()}: {stem}" if maker.strip() else stem


def recognisable(name: str) -> bool:
    """Named `Maker: Model`, the model part neither a bare version nor one generic word."""
    if ": " not in name:
        return False
    maker, _, model = name.partition(": ")
    model = re.sub(r"\([^)]*\)", " ", model).strip()
    if not maker.strip() or not model:
        return False
    if VERSION.match(model):
        return False
    return not (len(model.split()) == 1 and model.lower() in GENERIC_WORDS)


def variant_base(name: str) -> str:
    """The name with variant marks and dates removed: two results with the same base are the
    same model listed twice."""
    text = VARIANT_MARKS.sub(" ", name.replace(":", " "))
    text = DATE.sub(" ", text)
    return " ".join(re.split(r"[\s\-_/]+", text.lower())).strip()


def _unversioned(base: str) -> str:
    return " ".join(word for word in base.split() if not VERSION.match(word))


def same_model(name: str, other: str) -> bool:
    """Two names of one model: equal but for "(free)", "(batch)", "(Fast)", "(thinking)", a date
    or "Latest" (an alias standing for a version: "Claude Opus Latest" and "Claude Opus 4.7")."""
    base, other_base = variant_base(name), variant_base(other)
    if base == other_base:
        return True
    latest = re.compile(r"\blatest\b", re.IGNORECASE)
    if latest.search(name) or latest.search(other):
        return _unversioned(base) == _unversioned(other_base)
    return False


def is_router(result: dict[str, Any], artifact: Any) -> bool:
    answered = result.get("artifact", {})
    kind = answered.get("type") or (artifact.type if artifact else "")
    slug = answered.get("slug", "")
    name = answered.get("name", "")
    openrouter_id = artifact.openrouter_id if artifact else ""
    return (
        kind == "router"
        or slug.startswith("openrouter-")
        or openrouter_id.startswith("openrouter/")
        or "Router" in name
        or re.search(r"(^|[-_])router($|[-_])", slug) is not None
    )


@dataclass
class Offer:
    """What a fact check needs of one offer (an endpoint row, or the answer's `offer`)."""

    free: bool | None = None
    prompt: Decimal | None = None
    completion: Decimal | None = None
    context: int | None = None
    mode: str = ""
    inputs: set[str] = field(default_factory=set)
    outputs: set[str] = field(default_factory=set)
    features: set[str] = field(default_factory=set)
    label: str = ""


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


def _endpoint_offer(endpoint: Any) -> Offer:
    return Offer(
        free=endpoint.free,
        prompt=endpoint.prompt_price_per_1m,
        completion=endpoint.completion_price_per_1m,
        context=endpoint.context_length,
        mode=endpoint.mode,
        inputs=_modalities(endpoint.input_modalities),
        outputs=_modalities(endpoint.output_modalities),
        features={str(f) for f in endpoint.features or []},
        label=endpoint.variant or endpoint.source_key,
    )


def _answer_offer(offer: dict[str, Any], endpoints: list[Any]) -> Offer:
    """The answer's offer: the endpoint row it names when one matches, else what it states."""
    keys = {str(offer.get(k)) for k in ("id", "sourceKey", "source_key", "model", "modelName")}
    for endpoint in endpoints:
        if endpoint.source_key in keys or endpoint.model_name in keys:
            return _endpoint_offer(endpoint)
    stated = offer.get("prices")
    prices: dict[str, Any] = stated if isinstance(stated, dict) else offer

    def first(mapping: dict[str, Any], *names: str) -> Any:
        return next((mapping[n] for n in names if mapping.get(n) is not None), None)

    context = first(offer, "contextLength", "context_length", "context")
    return Offer(
        free=offer.get("free"),
        prompt=_decimal(first(prices, "promptPer1m", "prompt_price_per_1m", "prompt", "input")),
        completion=_decimal(
            first(prices, "completionPer1m", "completion_price_per_1m", "completion", "output")
        ),
        context=int(context)
        if isinstance(context, int | float | str) and str(context).isdigit()
        else None,
        mode=str(offer.get("mode") or ""),
        inputs=_modalities(first(offer, "inputModalities", "input_modalities")),
        outputs=_modalities(first(offer, "outputModalities", "output_modalities")),
        features={str(f) for f in offer.get("features") or []},
        label=str(offer.get("variant") or offer.get("id") or "offer"),
    )


def _derived_modes(inputs: set[str], outputs: set[str]) -> set[str]:
    """The modes a model's modalities imply (for offers that state none)."""
    modes = set()
    if "embeddings" in outputs:
        modes.add("embedding")
    if "rerank" in outputs:
        modes.add("rerank")
    if "image" in outputs:
        modes.add("image_edit" if "image" in inputs else "image_generation")
        modes.add("image_generation")
    if "video" in outputs:
        modes.add("video_generation")
    if "audio" in outputs:
        modes.add("audio_speech")
    if "text" in outputs and "text" in inputs:
        modes.add("chat")
    if "text" in outputs and "audio" in inputs:
        modes.add("audio_transcription")
    return modes


def _is_free(offer: Offer) -> bool:
    return bool(offer.free) or (offer.prompt == 0 and offer.completion == 0)


def fit_failures(
    fit: dict[str, Any], artifact: Any, answer_offer: dict[str, Any] | None
) -> list[str]:
    """The facts of `fit` the model does not have by its stored catalog facts ([] when it fits).
    Modalities, modes and features hold when the artifact or any of its offers has them; price,
    free and context when the artifact or an offer does, or, when the answer names an offer, that
    offer (its value, or the artifact's where the offer states none)."""
    if artifact is None:
        return ["not in the registry"]
    endpoints = list(artifact.endpoints.all())
    offers = [_endpoint_offer(e) for e in endpoints]
    own = Offer(
        prompt=artifact.prompt_price_per_1m,
        completion=artifact.completion_price_per_1m,
        context=artifact.context_length,
        inputs=_modalities(artifact.input_modalities),
        outputs=_modalities(artifact.output_modalities),
        features={str(p) for p in artifact.supported_parameters or []},
        label="listing",
    )
    if answer_offer:
        named = _answer_offer(answer_offer, endpoints)
        for attr in ("prompt", "completion", "context"):
            if getattr(named, attr) is None:
                setattr(named, attr, getattr(own, attr))
        priced = [named]
    else:
        priced = [own, *offers]
    everything = [own, *offers]
    failures = []
    for key, label in (("input_modalities", "inputs"), ("output_modalities", "outputs")):
        wanted = _modalities(fit.get(key))
        if wanted and not any(wanted <= getattr(o, label) for o in everything):
            has = sorted(getattr(own, label)) or ["?"]
            failures.append(f"{key[:-11]} {'+'.join(sorted(wanted))} (has {'+'.join(has)})")
    if fit.get("mode"):
        stated = {o.mode for o in offers if o.mode}
        modes = stated | _derived_modes(own.inputs, own.outputs)
        if not modes & set(fit["mode"]):
            failures.append(f"mode {'/'.join(fit['mode'])} (has {'/'.join(sorted(modes)) or '?'})")
    for feature in fit.get("features", []):
        aliases = FEATURE_ALIASES.get(feature, {feature})
        if not any(o.features & aliases for o in everything):
            failures.append(f"feature {feature}")
    if fit.get("free") and not any(_is_free(o) for o in priced):
        failures.append("free")
    if fit.get("max_prompt_price") is not None:
        ceiling = Decimal(str(fit["max_prompt_price"]))
        ok = any(_is_free(o) or (o.prompt is not None and o.prompt <= ceiling) for o in priced)
        if not ok:
            prices = sorted(o.prompt for o in priced if o.prompt is not None)
            failures.append(
                f"prompt price <= {ceiling}/1M (has {prices[0] if prices else 'unstated'})"
            )
    if fit.get("min_context"):
        contexts = [o.context for o in priced if o.context is not None]
        if not any(c >= fit["min_context"] for c in contexts):
            failures.append(
                f"context >= {fit['min_context']} (has {max(contexts) if contexts else 'unstated'})"
            )
    if fit.get("open_weights") and artifact.open_weights is not True:
        failures.append("open weights")
    return failures
