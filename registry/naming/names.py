"""Listing names: `Maker: Model` from a catalog's words (registry.naming)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .offers import strip_variant_name, vendor_of
from .words import (
    FIRST_PARTY_PROVIDERS,
    GENERIC_WORDS,
    MAKER_OF_MODEL,
    MAKER_OF_VENDOR,
    MODE_WORDS,
    PRODUCT_FOLDERS,
    UPPER_WORDS,
)


def pretty_model(text: str) -> str:
    """A model id as a person writes it: `claude-3-5-haiku` -> `Claude 3.5 Haiku`,
    `llama-3.3-70b-instruct` -> `Llama 3.3 70B Instruct`, `gpt-4o-mini` -> `GPT-4o Mini`."""
    words = [w for w in re.split(r"[-_\s/]+", text.strip()) if w]
    out: list[str] = []
    for word in words:
        low = word.lower()
        if out and re.fullmatch(r"\d+", low) and re.fullmatch(r"\d+", out[-1]) and len(low) == 1:
            out[-1] = f"{out[-1]}.{low}"  # claude-3-5 -> 3.5
            continue
        if low in UPPER_WORDS:
            word = low.upper()
        elif re.fullmatch(r"\d+(\.\d+)?[bmk]", low):
            word = low.upper()
        elif re.fullmatch(r"a\d+b|e\d+b", low):
            word = low.upper()
        elif low in {"to", "and", "of"} and out:
            word = low
        elif word.islower() and word[0].isalpha():
            word = word[0].upper() + word[1:]
        out.append(word)
    name = " ".join(out)
    name = re.sub(r"^Dall E\b", "DALL-E", name)
    return re.sub(r"^GPT (\d)", r"GPT-\1", name)


def _first_word(model: str) -> str:
    return re.split(r"[-_.\s:/]+", model.lower().strip())[0] if model else ""


def maker_of_model(model: str) -> str | None:
    """The maker a model's own name makes unmistakable, by its longest known prefix."""
    low = model.lower()
    best = None
    for prefix, maker in MAKER_OF_MODEL.items():
        if (low == prefix or re.match(re.escape(prefix) + r"(?=[-_.\d\s:/@]|$)", low)) and (
            best is None or len(prefix) > len(best[0])
        ):
            best = (prefix, maker)
    if best is None and re.match(r"(gpt|o\d)(?=[-\d])", low):
        return "OpenAI"
    return best[1] if best else None


def is_generic(model_part: str) -> bool:
    """A bare version number or a single word that names no model ("3.2", "best")."""
    text = model_part.strip().lower()
    if not text:
        return True
    if re.fullmatch(r"v?[\d.\-_]+", text):
        return True
    words = [w for w in re.split(r"[-_\s]+", text) if w]
    if len(words) == 1:
        return words[0] in GENERIC_WORDS
    # A task phrase names what a model does, not which model: "text-to-image".
    return all(
        w in GENERIC_WORDS or w in _TASK_WORDS or re.fullmatch(r"v?[\d.]+", w) for w in words
    )


_TASK_WORDS = frozenset({"to", "image", "text", "video", "speech", "audio", "voice", "and"})


def listing_name(maker: str | None, model: str) -> str:
    """`Maker: Model`, or the model alone when the maker is unknown."""
    model = model.strip()
    if maker and not model.lower().startswith(maker.lower() + ":"):
        return f"{maker}: {model}"
    return model


@dataclass(frozen=True)
class LiteLLMName:
    """What a LiteLLM key says about the model it serves."""

    maker: str | None
    model: str  # pretty, possibly with the words around a generic last segment
    group: str  # entries with the same group are one listing
    named: bool  # False: no maker or still only a generic word; reported for a person

    @property
    def name(self) -> str:
        return listing_name(self.maker, self.model)


_VENDOR_DOT = re.compile(r"^(?:[a-z]{2,7}\.)??([a-z0-9-]+?)\.(.+)$")
# Hosts that prefix a model's name with their own ("databricks-claude-sonnet-4-1").
HOST_PREFIXES = ("databricks-",)


def vendor_hyphen(model: str) -> tuple[str | None, str]:
    """(maker, rest) when a model's name starts with its vendor: `openai-gpt-4o`."""
    low = model.lower()
    for prefix in HOST_PREFIXES:
        if low.startswith(prefix):
            model, low = model[len(prefix) :], low[len(prefix) :]
    for vendor in sorted(MAKER_OF_VENDOR, key=len, reverse=True):
        if low.startswith(vendor + "-") and low[len(vendor) + 1 : len(vendor) + 2].isalpha():
            rest = model[len(vendor) + 1 :]
            # "meta-llama-3" names Meta; "mistral-large" is Mistral's model "Mistral Large".
            if maker_of_model(rest) or vendor in ("meta", "meta-llama"):
                return MAKER_OF_VENDOR[vendor], rest
    return None, model


def litellm_name(*, path: str, provider: str, mode: str) -> LiteLLMName:
    """Name and group of a LiteLLM entry from its key's path (the key less the provider prefix)."""
    segments = [s for s in path.split("/") if s]
    # A provider's own namespace folder ("fal-ai/", "accounts/fireworks/models/") is not a maker.
    while len(segments) > 1 and segments[0].lower() in {
        "fal-ai",
        "accounts",
        "fireworks",
        "models",
        "speech",
        "1-month-commitment",
        "6-month-commitment",
        "commitment",
    }:
        segments = segments[1:]
    last = segments[-1]
    maker: str | None = None
    for region in ("", *(r.rstrip(".") for r in ("us.", "eu.", "apac.", "global.", "jp."))):
        head = f"{region}." if region else ""
        if not last.lower().startswith(head):
            continue
        vendor, dot, rest = last[len(head) :].partition(".")
        # "anthropic.claude-v1", "deepseek.v3.2"; not "FLUX.1-schnell" (a version, no vendor).
        if dot and vendor.lower() in MAKER_OF_VENDOR and rest[:1].isalpha():
            maker = MAKER_OF_VENDOR[vendor.lower()]
            last = f"{vendor}-{rest}" if is_generic(rest) else rest
            break
    hyphen_maker, last = vendor_hyphen(last)
    maker = maker or hyphen_maker
    last = re.sub(r"-v\d+:\d+$|:\d+$|@default$|@latest$|@\d{3}$", "", last)
    words_before = segments[:-1]
    if words_before and words_before[0].lower() in MAKER_OF_VENDOR:
        maker = maker or MAKER_OF_VENDOR[words_before[0].lower()]
        # A product folder is part of the model's name ("flux/schnell": Flux Schnell), and
        # so is the maker's when nothing else names it ("recraft/v3/text-to-image").
        after = words_before[1:]
        named_by_rest = not is_generic(last) or bool(after and not is_generic(" ".join(after)))
        if words_before[0].lower() not in PRODUCT_FOLDERS and named_by_rest:
            words_before = after
    model_words = [last]
    if is_generic(last) or (words_before and words_before[0].lower() in PRODUCT_FOLDERS):
        model_words = [*words_before, last]
    maker = (
        maker
        or maker_of_model(last)
        or maker_of_model(model_words[0])
        or FIRST_PARTY_PROVIDERS.get(provider)
    )
    alone = is_generic(last) and not words_before
    group_words = model_words
    if alone:
        # Only the provider names it ("aws_polly/standard"): it is that service's own.
        group_words = [provider, last]
        maker = maker or pretty_model(provider)
    model = pretty_model(" ".join(model_words))
    if maker and model.lower().startswith(maker.lower() + " "):
        model = maker + model[len(maker) :]  # the maker's own casing: "DeepSeek V3.2"
    if is_generic(last) and (not words_before or is_generic(" ".join(words_before))):
        extra = MODE_WORDS.get(mode)
        if extra and extra.lower() != last.lower():
            model = f"{model} ({extra})"
    named = maker is not None and not (alone and provider not in FIRST_PARTY_PROVIDERS)
    group = "/".join(group_words)
    return LiteLLMName(maker=maker, model=model, group=group, named=named)


def openrouter_makers(models: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Each vendor's maker as OpenRouter's own names write it ("anthropic" -> "Anthropic")."""
    seen: dict[str, Counter[str]] = {}
    for model in models:
        model_id, name = model.get("id"), model.get("name")
        if not (isinstance(model_id, str) and isinstance(name, str) and ": " in name):
            continue
        seen.setdefault(vendor_of(model_id), Counter())[name.split(": ", 1)[0].strip()] += 1
    return {vendor: counts.most_common(1)[0][0] for vendor, counts in seen.items() if vendor}


def openrouter_name(name: str, model_id: str, makers: Mapping[str, str]) -> str:
    """OpenRouter's name of the model (variant words dropped), as `Maker: Model`."""
    name = strip_variant_name(name)
    if ": " in name:
        return name
    vendor = vendor_of(model_id)
    maker = makers.get(vendor) or MAKER_OF_VENDOR.get(vendor) or pretty_model(vendor)
    return listing_name(maker, name)
