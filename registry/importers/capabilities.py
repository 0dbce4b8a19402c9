"""A catalog-derived passport's capabilities, with texts from what the catalog says.

Each capability follows from one stated fact (a template in
`capability_templates` whose `when` holds: a modality, a mode, a supports_*
flag, a long context). Its texts are the catalog's own where it has any: the
description's sentences on the capability's topic, the ones saying what the
model is for as best_for lines and seeds of intents (`catalog_text`); then the
stated mode, flags, context and prices in words, naming the model. The
templates' own intents and best_for lines only fill what that leaves empty,
and the capability's limitations say so. Two models the catalogs describe
differently so get different texts, and match differently.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ..modalities import TEXT_OUTPUTS
from .capability_templates import (
    CONTEXT_NOT_STATED,
    CONTEXT_STATED,
    FALLBACK,
    FLAG_WORDS,
    MODE_WHAT,
    OUTPUT_STATED,
    QUIET_FLAGS,
    REQUIRES,
    SUMMARY,
    TEMPLATES,
    TEXT_ONLY,
    WRITTEN_IN_PART,
    WRITTEN_NO_DESCRIPTION,
    WRITTEN_NOT_COVERED,
    CapabilityTemplate,
    Note,
    Stated,
    When,
)
from .catalog_facts import CatalogFacts, per_million, usd
from .catalog_text import Sentence, about, is_purpose, sentences, task_intent

# A window this long gets a capability of its own (whole books, large codebases).
LONG_CONTEXT_TOKENS = 200_000


def _capability(
    *,
    name: str,
    description: str,
    intents: list[str],
    best_for: list[str],
    limitations: list[str],
    requires: list[str],
    input_types: list[str],
    output_types: list[str],
    categories: list[str],
) -> dict[str, Any]:
    return {
        "uri": "capability://" + ".".join(re.findall(r"[a-z0-9]+", name.lower())),
        "name": name,
        "description": description,
        "intents": intents,
        "best_for": best_for,
        "limitations": limitations,
        "requires": requires,
        "input_types": input_types,
        "output_types": output_types,
        "categories": categories,
        # Derived from a catalog, not curated: lower confidence than a reviewed passport.
        "confidence": 0.3,
        "matches": 0,
        "success_rate": 0,
    }


def catalog_capabilities(facts: CatalogFacts, *, provider: str) -> list[dict[str, Any]]:
    """Capabilities that follow from a catalog's stated facts, most general first.

    One per template in `capability_templates.TEMPLATES` whose facts hold, in
    that order; `FALLBACK` when none does. Each takes its texts from what the
    catalog says about this model (its description's sentences on the
    capability's topic, its mode, flags, context and prices); the templates'
    own intents and best_for lines fill only what that leaves empty.
    """
    flags = stated_flags(facts)
    found = sentences(facts.description)
    values = _values(facts, provider)
    chosen = [t for t in TEMPLATES if _holds(t.when, facts, flags)] or [FALLBACK]
    return [
        _capability_from(t, facts, values, found, flags, first=position == 0)
        for position, t in enumerate(chosen)
    ]


# OpenRouter's features and parameters under LiteLLM's supports_* names.
_FEATURE_FLAGS = {
    "tools": "function_calling",
    "structured_outputs": "response_schema",
    "reasoning": "reasoning",
}
_PARAMETER_FLAGS = {
    "web_search_options": "web_search",
    "parallel_tool_calls": "parallel_function_calling",
    "tool_choice": "tool_choice",
}
_MODALITY_FLAGS = {
    "image": "vision",
    "audio": "audio_input",
    "video": "video_input",
    "file": "pdf_input",
}


def stated_flags(facts: CatalogFacts) -> set[str]:
    """The supports_* flags (without the prefix) a catalog states, whichever catalog it is."""
    flags = set(facts.supports)
    flags |= {_FEATURE_FLAGS[f] for f in facts.features if f in _FEATURE_FLAGS}
    flags |= {_PARAMETER_FLAGS[p] for p in facts.supported_parameters if p in _PARAMETER_FLAGS}
    flags |= {_MODALITY_FLAGS[m] for m in facts.input_modalities if m in _MODALITY_FLAGS}
    if "audio" in facts.output_modalities:
        flags.add("audio_output")
    if "function_calling" not in flags:
        flags -= {"parallel_function_calling", "tool_choice"}
    return flags


# Flags the modalities sentence already says.
_SAID_BY_MODALITY = frozenset({*_MODALITY_FLAGS.values(), "image_input", "audio_output"})
_MODALITY_WORDS = {"image": "images", "file": "files such as PDFs", "embeddings": "vectors"}


def _listed(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _values(facts: CatalogFacts, provider: str) -> dict[str, Any]:
    what = MODE_WHAT.get(facts.mode, f"is served by {{provider}} in {facts.mode} mode")
    outputs = [o for o in facts.output_modalities if o in TEXT_OUTPUTS] and ["text"]
    outputs = outputs + [o for o in facts.output_modalities if o not in TEXT_OUTPUTS]
    values: dict[str, Any] = {
        "model": facts.name,
        "short": facts.name.split(": ", 1)[-1],
        "provider": provider,
        "context_length": facts.context_length,
        "max_output_tokens": facts.max_output_tokens,
        "inputs": _listed([_MODALITY_WORDS.get(m, m) for m in facts.input_modalities]),
        "outputs": _listed([_MODALITY_WORDS.get(m, m) for m in outputs]),
        "vector_size": f"{facts.vector_size:,}-dimension " if facts.vector_size else "",
    }
    values["what"] = what.format(**values)
    values["summary"] = SUMMARY.format(**values)
    return values


def _facts_sentences(facts: CatalogFacts, values: dict[str, Any], flags: set[str]) -> list[str]:
    """What the catalog states, in words: for a capability the catalog's prose does not describe."""
    said = [f"It takes {values['inputs']} and gives {values['outputs']}."]
    named = sorted(
        (FLAG_WORDS.get(f, f.replace("_", " ")) for f in flags - QUIET_FLAGS - _SAID_BY_MODALITY),
        key=lambda words: words,
    )
    if named:
        said.append(f"The catalog states support for {_listed(named)}.")
    if facts.context_length and facts.max_output_tokens:
        said.append(
            f"Its context window is {facts.context_length:,} tokens and it writes up to "
            f"{facts.max_output_tokens:,} tokens per request."
        )
    elif facts.context_length:
        said.append(f"Its context window is {facts.context_length:,} tokens.")
    return said


def _fact_lines(facts: CatalogFacts, provider: str) -> list[str]:
    """best_for lines for the stated context and prices; none for what is not stated."""
    lines = []
    if facts.context_length:
        lines.append(
            f"inputs of up to {facts.context_length:,} tokens ({facts.context_length:,}-token context)"
        )
    prompt, completion = per_million(facts.prompt_price), per_million(facts.completion_price)
    if prompt == 0 and not completion and not facts.unit_prices:
        lines.append(f"free use: {provider} lists it at $0 per token")
    elif prompt is not None:
        price = f"{usd(prompt)} per 1M input tokens"
        if completion:
            price += f" and {usd(completion)} per 1M output tokens"
        lines.append(f"budgets priced per token: {price}")
    lines += [f"budgets priced per use: {price}" for price in facts.unit_prices]
    return lines


MAX_TOPICAL = 4  # a capability's own sentences from the description
MAX_PURPOSES = 5
MAX_SEEDED = 4


def _capability_from(
    template: CapabilityTemplate,
    facts: CatalogFacts,
    values: dict[str, Any],
    found: list[Sentence],
    flags: set[str],
    *,
    first: bool,
) -> dict[str, Any]:
    def fill(texts: Iterable[str]) -> list[str]:
        return [text.format(**values) for text in texts]

    general = template.topic is None
    own = found if general else about(found, re.compile(template.topic or "", re.IGNORECASE))
    own = own if general else own[:MAX_TOPICAL]
    details = [text for flag, text in template.details if flag in flags]
    lead = template.lead.format(**values)
    if general and own:
        parts = [*(s.text for s in own), *details]
    elif first and not found:
        # No prose from the catalog: what its mode and facts state, in words.
        intro = "{model} {what}.".format(**values)
        parts = [intro, lead, *_facts_sentences(facts, values, flags), *details]
    else:
        parts = [lead, *details, *(s.text for s in own)]
    description = " ".join(part for part in parts if part)

    purposes = [s for s in own if is_purpose(s)][:MAX_PURPOSES]
    seeded = list(dict.fromkeys(i for s in purposes if (i := task_intent(s))))[:MAX_SEEDED]
    intents = seeded + (fill(template.intents) if len(seeded) < 2 else [])
    intents += fill(text for flag, text in template.flag_intents if flag in flags)
    best_for = [s.text for s in purposes] or fill(template.best_for)
    if first:
        best_for += _fact_lines(facts, values["provider"])

    limitations = fill(line for item in template.limitations for line in _limitation(item, facts))
    if not found:
        limitations.append(WRITTEN_NO_DESCRIPTION)
    elif not seeded:
        limitations.append(WRITTEN_NOT_COVERED)
    elif len(seeded) < 2:
        limitations.append(WRITTEN_IN_PART)

    return _capability(
        name=template.name,
        description=description,
        intents=list(dict.fromkeys(intents)),
        best_for=list(dict.fromkeys(best_for)),
        limitations=limitations,
        requires=fill((*REQUIRES, *template.requires)),
        input_types=_types(template.input_types, facts),
        output_types=_types(template.output_types, facts),
        categories=list(template.categories),
    )


def _holds(when: When, facts: CatalogFacts, flags: set[str]) -> bool:
    ins, outs = facts.input_modalities, facts.output_modalities
    # Understanding an input, tool calls, JSON and reasoning are all answered in
    # text: a model that only makes images (OpenRouter lists structured_outputs
    # for some) has none of those capabilities.
    answers_in_text = bool(TEXT_OUTPUTS & set(outs))
    long_context = bool(facts.context_length and facts.context_length >= LONG_CONTEXT_TOKENS)
    return (
        (when.input is None or when.input in ins)
        and (when.output is None or when.output in outs)
        and (when.flag is None or when.flag in flags)
        and (when.modes is None or facts.mode in when.modes)
        and (answers_in_text or not when.answers_in_text)
        and (long_context or not when.long_context)
    )


def _limitation(item: str | Note, facts: CatalogFacts) -> list[str]:
    if isinstance(item, str):
        return [item]
    if item is Note.CONTEXT:
        return [CONTEXT_STATED if facts.context_length else CONTEXT_NOT_STATED]
    if item is Note.OUTPUT:
        return [OUTPUT_STATED] if facts.max_output_tokens else []
    return [TEXT_ONLY] if facts.output_modalities == ["text"] else []


def _types(spec: tuple[str, ...] | Stated, facts: CatalogFacts) -> list[str]:
    if not isinstance(spec, Stated):
        return list(spec)
    stated = facts.input_modalities if spec.side == "input" else facts.output_modalities
    kept = [m for m in stated if m not in spec.drop and (spec.keep is None or m in spec.keep)]
    return kept or list(spec.default)
