"""What a LiteLLM entry states: catalog facts for a passport, values for an endpoint.

LiteLLM gives a `mode` and `supports_*` flags rather than modality lists; the
mode sets the base modalities and each flag adds one. Token limits and prices
are taken only when they are well-formed numbers.
"""

from __future__ import annotations

from typing import Any

from ...modalities import INPUT_MODALITIES, OUTPUT_MODALITIES, ordered
from ..catalog import endpoint_fact_values
from ..derive import CatalogFacts, per_million
from .names import Entry

MODE_MODALITIES: dict[str, tuple[list[str], list[str]]] = {
    "chat": (["text"], ["text"]),
    "completion": (["text"], ["text"]),
    "responses": (["text"], ["text"]),
    "embedding": (["text"], ["embeddings"]),
    "image_generation": (["text"], ["image"]),
    "image_edit": (["text", "image"], ["image"]),
    "audio_transcription": (["audio"], ["text"]),
    "audio_speech": (["text"], ["audio"]),
    "realtime": (["text", "audio"], ["text", "audio"]),
    "video_generation": (["text"], ["video"]),
    "ocr": (["image", "file"], ["text"]),
    "rerank": (["text"], ["text"]),
    "moderation": (["text"], ["text"]),
    "search": (["text"], ["text"]),
}


def entry_facts(entry: Entry, display: str) -> CatalogFacts:
    """The facts one entry states, under the model name `display`."""
    record = entry.record
    raw_mode = record.get("mode")
    mode = raw_mode if isinstance(raw_mode, str) else "chat"
    ins, outs = MODE_MODALITIES.get(mode, (["text"], ["text"]))
    ins, outs = list(ins), list(outs)
    if record.get("supports_vision") is True or record.get("supports_image_input") is True:
        ins.append("image")
    if record.get("supports_audio_input") is True:
        ins.append("audio")
    if record.get("supports_video_input") is True:
        ins.append("video")
    if record.get("supports_pdf_input") is True:
        ins.append("file")
    if record.get("supports_audio_output") is True:
        outs.append("audio")
    features = []
    if record.get("supports_function_calling") is True:
        features.append("tools")
    if record.get("supports_response_schema") is True:
        features.append("structured_outputs")
    if record.get("supports_reasoning") is True:
        features.append("reasoning")
    return CatalogFacts(
        name=display,
        context_length=_tokens(record.get("max_input_tokens")) or _tokens(record.get("max_tokens")),
        max_output_tokens=_tokens(record.get("max_output_tokens")),
        input_modalities=ordered(ins, INPUT_MODALITIES),
        output_modalities=ordered(outs, OUTPUT_MODALITIES),
        prompt_price=_cost(record.get("input_cost_per_token")),
        completion_price=_cost(record.get("output_cost_per_token")),
        features=features,
    )


def _tokens(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value > 0:
        return value
    if isinstance(value, float) and value.is_integer() and value > 0:
        return int(value)
    return None


def _cost(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        return ""
    return repr(value) if isinstance(value, float) else str(value)


def endpoint_values(entry: Entry, facts: CatalogFacts, rule: str) -> dict[str, Any]:
    """The ProviderEndpoint fields for one entry, matched to its artifact by `rule`."""
    return {
        "provider": entry.provider,
        "model_name": entry.path,
        "protocol": "openai-chat"
        if entry.record.get("mode") in (None, "chat")
        else str(entry.record.get("mode"))[:32],
        "mode": str(entry.record.get("mode") or "")[:64],
        **endpoint_fact_values(facts),
        "match_rule": rule,
        "raw": entry.record,
    }


def group_facts(entries: list[Entry], name: str) -> CatalogFacts:
    """One model served by several providers: the widest limits, the lowest price."""
    all_facts = [entry_facts(entry, name) for entry in entries]
    priced = [(price, f) for f in all_facts if (price := per_million(f.prompt_price)) is not None]
    cheapest = min(priced, key=lambda pair: pair[0])[1] if priced else all_facts[0]
    contexts = [f.context_length for f in all_facts if f.context_length]
    outputs = [f.max_output_tokens for f in all_facts if f.max_output_tokens]
    return CatalogFacts(
        name=name,
        description=(
            f"{name}, served by {', '.join(sorted({e.provider for e in entries}))} "
            "(from LiteLLM's price map)."
        ),
        context_length=max(contexts) if contexts else None,
        max_output_tokens=max(outputs) if outputs else None,
        input_modalities=ordered(
            {m for f in all_facts for m in f.input_modalities}, INPUT_MODALITIES
        ),
        output_modalities=ordered(
            {m for f in all_facts for m in f.output_modalities}, OUTPUT_MODALITIES
        ),
        prompt_price=cheapest.prompt_price,
        completion_price=cheapest.completion_price,
        features=sorted({feature for f in all_facts for feature in f.features}),
    )
