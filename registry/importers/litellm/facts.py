"""What a LiteLLM entry states: catalog facts for a passport, values for an endpoint.

LiteLLM gives a `mode` and `supports_*` flags rather than modality lists; the
mode sets the base modalities and each flag adds one. Token limits and prices
are taken only when they are well-formed numbers.
"""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal
from typing import Any

from ...modalities import INPUT_MODALITIES, OUTPUT_MODALITIES, ordered
from ..catalog import endpoint_fact_values
from ..derive import CatalogFacts, per_million, usd
from .names import Entry

_MODE_WORD = re.compile(r"[a-z][a-z_]{1,40}")
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
        # A mode this table does not know (vector_store) is kept: derive says it was stated.
        mode=raw_mode if isinstance(raw_mode, str) and _MODE_WORD.fullmatch(raw_mode) else "",
        supports=sorted(
            key.removeprefix("supports_")
            for key, value in record.items()
            if key.startswith("supports_") and value is True
        ),
        vector_size=_tokens(record.get("output_vector_size")),
        unit_prices=unit_prices(record),
        context_length=_tokens(record.get("max_input_tokens")) or _tokens(record.get("max_tokens")),
        max_output_tokens=_tokens(record.get("max_output_tokens")),
        input_modalities=ordered(ins, INPUT_MODALITIES),
        output_modalities=ordered(outs, OUTPUT_MODALITIES),
        prompt_price=_cost(record.get("input_cost_per_token")),
        completion_price=_cost(record.get("output_cost_per_token")),
        features=features,
    )


# LiteLLM's prices per unit other than a token, and how a person says the unit.
UNIT_PRICES = (
    ("input_cost_per_image", "per image"),
    ("output_cost_per_image", "per image"),
    ("input_cost_per_second", "per second of input"),
    ("output_cost_per_second", "per second of output"),
    ("input_cost_per_character", "per character"),
    ("ocr_cost_per_page", "per page"),
    ("input_cost_per_query", "per query"),
    ("input_cost_per_request", "per request"),
)


def unit_prices(record: dict[str, Any]) -> list[str]:
    """ "$0.04 per image" for each per-unit price the entry states as a positive number."""
    said = []
    for key, unit in UNIT_PRICES:
        value = record.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            continue
        said.append(f"{usd(Decimal(str(value)))} {unit}")
    return list(dict.fromkeys(said))


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
    # The mode most of the entries state (the first in key order on a tie); the flags any states.
    modes = Counter(f.mode for f in all_facts if f.mode)
    return CatalogFacts(
        name=name,
        # LiteLLM's price map has no prose: the passport's texts come from its facts.
        description="",
        mode=modes.most_common(1)[0][0] if modes else "",
        supports=sorted({flag for f in all_facts for flag in f.supports}),
        vector_size=next((f.vector_size for f in all_facts if f.vector_size), None),
        unit_prices=cheapest.unit_prices,
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
