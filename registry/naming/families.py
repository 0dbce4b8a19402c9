"""A listing's family, for showing one model per family."""

from __future__ import annotations

import re

_VERSIONISH = re.compile(r"^(v?\d[\d.]*[a-z]?|\d+[a-z]\d*b?|[ae]\d+b|\d+x\d+b|20\d{2,6}|\d{2,4}k)$")
_FAMILY_DROP = frozenset(
    """
    free batch fast thinking exacto extended beta nitro online latest preview exp
    experimental instruct it chat hf snapshot older
    """.split()
)


def family_of(name: str) -> str:
    """The family of a listing named `Maker: Model`: the maker and the first word of the model's
    name once versions, sizes and variant words are set aside, as a developer names a family:
    `Anthropic: Claude Opus 4.7` -> `anthropic/claude`, `Meta: Llama 3.3 70B Instruct` ->
    `meta/llama`, `Google: Gemini 2.5 Flash` -> `google/gemini`, `Qwen: Qwen3 Coder` ->
    `qwen/qwen`. Five Claude models are one family; Claude and Gemini are two."""
    if ": " in name:
        maker, _, model = name.partition(": ")
    elif re.fullmatch(r"[\w.-]+/[\w.-]+", name.strip()):
        maker, _, model = name.strip().partition("/")  # a Hugging Face id: org/model
    else:
        maker, model = "", name
    model = re.sub(r"\(.*?\)", " ", model.lower())
    words: list[str] = []
    for word in re.split(r"[-_\s/:]+", model):
        if not word or _VERSIONISH.match(word) or word in _FAMILY_DROP:
            continue
        word = re.sub(r"(?<=[a-z])[\d.]+[a-z]?$", "", word)  # qwen3 -> qwen, qwen2.5 -> qwen
        if word and not _VERSIONISH.match(word) and word not in _FAMILY_DROP:
            words.append(word)
    maker_key = re.sub(r"[^a-z0-9]+", "-", maker.lower()).strip("-")
    family = words[0] if words else re.sub(r"[^a-z0-9]+", "-", model).strip("-")
    return f"{maker_key}/{family}" if maker_key else family
