"""Which OpenRouter id is a model and which an offer (variant) of one; routers."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

SUFFIX_VARIANTS = {
    "free": "free",
    "batch": "batch",
    "thinking": "thinking",
    "exacto": "exacto",
    "extended": "extended",
    "beta": "beta",
    "nitro": "nitro",
    "floor": "floor",
    "online": "online",
}
# The parenthesised words OpenRouter appends to a variant's name.
_NAME_VARIANT = re.compile(
    r"\s*\((free|batch|fast|thinking|exacto|extended|beta|nitro|online|"
    r"\d{4}-\d{2}-\d{2}|\d{2}-\d{4}|older v\d+)\)\s*$",
    re.IGNORECASE,
)
_DATED = re.compile(r"^(?P<base>.+?)-(?P<date>20\d{2}-\d{2}-\d{2}|20\d{6}|\d{2}-20\d{2}|\d{4})$")
ROUTER_VENDORS = ("openrouter/",)


_VERSION_WORD = re.compile(r"^(v?\d[\d.]*[a-z]?|[a-z]\d[\d.]*|\d+[a-z]+|20\d{2,6}|\d{4})$")
_RELEASE_WORDS = frozenset({"preview", "exp", "experimental"})


def _family_words(model_id: str) -> tuple[str, ...]:
    """An id's vendor and words without versions or release words: `google/gemini-3.1-pro-preview`
    and `~google/gemini-pro-latest` are both (google, gemini, pro); `moonshotai/kimi-k2.7` is
    (moonshotai, kimi)."""
    vendor, _, model = model_id.lstrip("~").partition("/")
    words = [
        w
        for w in re.split(r"[-_.]+(?=[a-z])|-", model.lower())
        if w and not _VERSION_WORD.match(w) and w not in _RELEASE_WORDS
    ]
    return (vendor, *words)


def is_router(model: Mapping[str, Any]) -> bool:
    """A router or meta-model: it picks or combines other models rather than being one."""
    model_id = str(model.get("id", ""))
    name = str(model.get("name", ""))
    pricing = model.get("pricing")
    prompt = str(pricing.get("prompt", "")) if isinstance(pricing, dict) else ""
    return (
        model_id.startswith(ROUTER_VENDORS)
        or prompt == "-1"
        or bool(re.search(r"\brouter\b", name, re.IGNORECASE))
        or model_id.split("/")[-1] == "router"
    )


def strip_variant_name(name: str) -> str:
    """OpenRouter's name of a variant without its parenthesised variant words."""
    return _NAME_VARIANT.sub("", name).strip()


def vendor_of(model_id: str) -> str:
    return model_id.lstrip("~").split("/")[0] if "/" in model_id else ""


def offers_of(
    models: Iterable[Mapping[str, Any]], known: Iterable[str] = ()
) -> dict[str, tuple[str, str]]:
    """For each OpenRouter id of `models` that is a variant, (the model's id, the variant).

    `known` adds ids held from earlier snapshots, which count as plain models.
    Ids that are models themselves are absent. A variant of a variant resolves to
    the model, its variant words joined: `qwen/qwen-plus-2025-07-28:thinking` ->
    (`qwen/qwen-plus`, "snapshot 2025-07-28, thinking") when `qwen/qwen-plus` exists.
    """
    records = [m for m in models if isinstance(m.get("id"), str)]
    ids = {str(m["id"]) for m in records} | set(known)
    created = {
        str(m["id"]): int(m["created"])
        for m in records
        if isinstance(m.get("created"), int) and not isinstance(m.get("created"), bool)
    }
    routers = {str(m["id"]) for m in records if is_router(m)}

    def step(model_id: str) -> tuple[str, str] | None:
        if model_id in routers:
            return None
        if ":" in model_id:
            base, suffix = model_id.rsplit(":", 1)
            return base, SUFFIX_VARIANTS.get(suffix, suffix)
        if model_id.startswith("~") and model_id.endswith("-latest"):
            family = _family_words(model_id[1 : -len("-latest")])
            members = [
                i
                for i in ids
                if _family_words(i) == family
                and ":" not in i
                and not i.startswith("~")
                and i not in routers
                and not i.endswith("-fast")
            ]
            if members:
                newest = max(members, key=lambda i: (created.get(i, 0), i))
                return newest, "latest"
            return None
        for word in ("fast", "preview"):
            if model_id.endswith(f"-{word}") and model_id[: -len(word) - 1] in ids:
                return model_id[: -len(word) - 1], word
        preview = re.match(
            r"^(?P<base>.+)-preview-(?P<date>\d{2}-\d{2}(?:-\d{2,4})?|\d{4})$", model_id
        )
        if preview and preview.group("base") in ids and preview.group("base") not in routers:
            return preview.group("base"), f"preview {preview.group('date')}"
        dated = _DATED.match(model_id)
        if dated and dated.group("base") in ids and dated.group("base") not in routers:
            return dated.group("base"), f"snapshot {dated.group('date')}"
        return None

    found: dict[str, tuple[str, str]] = {}
    for model_id in sorted(ids):
        words: list[str] = []
        base, current = model_id, model_id
        for _ in range(4):  # bounded: a variant of a variant of ...
            hop = step(current)
            if hop is None:
                break
            current, word = hop
            words.insert(0, word)
            base = current
        if base != model_id:
            found[model_id] = (base, ", ".join(words))
    return found
