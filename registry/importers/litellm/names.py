"""Which artifact a LiteLLM entry serves: names normalised and matched.

Matching rule (which artifact an entry serves), first that applies:
1. `openrouter-id`: the key minus its provider prefix is an OpenRouter id we hold.
2. `alias`: the key's model name, normalised, equals the normalised model part
   of an OpenRouter id or Hugging Face id of exactly one artifact (an undated,
   non-variant id wins over `:free` variants and dated snapshots).
   Normalising lowercases, drops region and vendor prefixes (`us.`, `meta.`,
   `@cf/meta/`), the provider's own name (`databricks-`), `ft:`, image-size
   and step prefixes (`1024-x-1024/`), version
   and quantisation suffixes (`-v1:0`, `-fp8`, `-maas`), dates (`-20240620`),
   and splits letters from digits (`llama3.1` = `llama-3.1`).
3. `family`: the names agree once size, expert-count, quantisation and tuning
   tokens (`17b`, `128e`, `fp8`, `instruct`) are set aside, and no parameter
   size on both sides differs; attached when exactly one artifact fits, and
   listed as ambiguous in the summary so a person can check it.
4. otherwise the entry joins an artifact of its own, one per normalised model
   name, shared by every provider that serves that model. Where several
   artifacts fit (rule 2 or 3), the entry also gets its own artifact and is
   listed as ambiguous.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from ...models import Artifact, ProviderEndpoint, Source
from ...naming import vendor_hyphen

REGION_PREFIXES = ("us.", "eu.", "apac.", "global.", "jp.", "au.", "ca.", "us-gov.")
VENDOR_PREFIXES = (
    "meta.",
    "anthropic.",
    "amazon.",
    "mistral.",
    "cohere.",
    "ai21.",
    "deepseek.",
    "qwen.",
    "openai.",
    "writer.",
    "moonshot.",
    "minimax.",
    "google.",
    "nvidia.",
    "stability.",
    "twelvelabs.",
    "luma.",
)
DECORATION_TOKENS = {
    "instruct",
    "chat",
    "it",
    "hf",
    "fp8",
    "fp16",
    "bf16",
    "int8",
    "int4",
    "awq",
    "gptq",
    "maas",
    "turbo",
    "tput",
    "latest",
    "free",
    "preview",
    "exp",
    "001",
    "002",
    "basic",
}
_SIZE = re.compile(r"^\d+(\.\d+)?[bmk]$|^\d+x\d+b$|^a\d+b$")
_EXPERTS = re.compile(r"^\d+e$")
_DATE_SUFFIX = re.compile(r"[-@](20\d{2}-?\d{2}-?\d{2}|\d{4})$")


def _strip_known(name: str) -> str:
    for prefix in REGION_PREFIXES:
        if name.startswith(prefix):
            name = name[len(prefix) :]
            break
    for prefix in VENDOR_PREFIXES:
        if name.startswith(prefix):
            name = name[len(prefix) :]
            break
    return name


def normalise_name(name: str, *, keep_date: bool = False) -> str:
    """A model name in the form both sides of a match are compared in."""
    name = name.strip().lower()
    if name.startswith("ft:"):
        name = name[3:].split(":")[0]
    name = _strip_known(name)
    name = re.sub(r":(free|beta|extended|thinking|nitro|floor|online)$", "", name)
    name = re.sub(r"-v\d+(:\d+)?$", "", name)
    name = re.sub(r":\d+$", "", name)
    name = re.sub(r"-(maas|fp8|fp16|bf16|tput)$", "", name)
    if not keep_date:
        name = _DATE_SUFFIX.sub("", name)
    name = re.sub(r"(?<=[a-z])(?=\d)", "-", name)  # llama3.1 -> llama-3.1
    name = re.sub(r"[_\s]+", "-", name)
    # Separators carry no meaning: claude-3-5-haiku = claude-3.5-haiku.
    return "-".join(t for t in re.split(r"[-.:/]+", name) if t)


def tokens(name: str) -> list[str]:
    """The parts of a name between separators."""
    return [t for t in re.split(r"[-.:/]+", name) if t]


def core_tokens(name: str) -> tuple[tuple[str, ...], frozenset[str]]:
    """(name tokens without decorations, the parameter sizes it states)."""
    core, sizes = [], set()
    for token in tokens(name):
        if _SIZE.match(token) or _EXPERTS.match(token):
            sizes.add(token)
        elif token not in DECORATION_TOKENS:
            core.append(token)
    # "3.1" stays "3", "1": keep order; versions are part of the family.
    return tuple(core), frozenset(s for s in sizes if _SIZE.match(s))


@dataclass
class Entry:
    """One key of the price map that passed validation."""

    key: str
    provider: str
    path: str  # the key without its provider prefix
    model: str  # last path segment (the model's own name)
    record: dict[str, Any]


def model_path(key: str, provider: str, providers: set[str]) -> str:
    """The key without its provider prefix and the folders some providers put before a model."""
    path = key
    head = key.split("/", 1)[0]
    if "/" in key and (head == provider or provider.startswith(head) or head in providers):
        path = key.split("/", 1)[1]
    # Size and step prefixes of image models: "1024-x-1024/50-steps/dall-e-2".
    path = re.sub(r"^(\d+-x-\d+/)?((max|\d+)-steps/)?", "", path)
    # Bedrock region folders: "us-east-1/mistral.mixtral-8x7b".
    path = re.sub(r"^[a-z]{2}(-gov)?-[a-z]+-\d/", "", path)
    return path


class ArtifactIndex:
    """Aliases of every artifact a catalog already gave us, for rules 1-3."""

    def __init__(self) -> None:
        self.by_openrouter_id: dict[str, int] = {}
        # alias -> {artifact pk: rank}; rank 1 for OpenRouter's ":free"/":thinking"
        # variants, so the plain model wins when both carry the same name.
        self.by_alias: dict[str, dict[int, int]] = defaultdict(dict)
        self.families: dict[tuple[str, ...], list[tuple[frozenset[str], int, int]]] = defaultdict(
            list
        )
        rows = list(
            Artifact.objects.exclude(source=Source.LITELLM)
            .filter(merged_into=None)
            .values_list("pk", "openrouter_id", "hugging_face_id", "slug")
        )
        # OpenRouter's variants (":free", dated snapshots) are offers of a listing.
        rows += [
            (pk, key, "", "")
            for pk, key in ProviderEndpoint.objects.filter(
                source=Source.OPENROUTER, artifact__merged_into=None
            )
            .exclude(variant="")
            .values_list("artifact_id", "source_key")
        ]
        for pk, openrouter_id, hf_id, _slug in rows:
            names = []
            variant = ":" in openrouter_id or openrouter_id.startswith("~")
            if openrouter_id:
                self.by_openrouter_id[openrouter_id.lower()] = pk
                names.append(openrouter_id.split("/")[-1])
            if hf_id:
                names.append(hf_id.split("/")[-1])
            for name in names:
                dated = normalise_name(name, keep_date=True)
                alias = normalise_name(name)
                # A dated snapshot (gpt-4o-2024-08-06) answers to its own name first,
                # and to the plain name only when no undated model holds it.
                rank = 1 if variant or dated != alias else 0
                self.by_alias[dated][pk] = min(int(variant), self.by_alias[dated].get(pk, 1))
                self.by_alias[alias][pk] = min(rank, self.by_alias[alias].get(pk, rank))
                core, sizes = core_tokens(alias)
                if core:
                    self.families[core].append((sizes, pk, rank))

    @staticmethod
    def _best(ranked: dict[int, int]) -> set[int]:
        best = min(ranked.values())
        return {pk for pk, rank in ranked.items() if rank == best}

    def match(self, entry: Entry) -> tuple[str, set[int]]:
        exact = self.by_openrouter_id.get(entry.path.lower())
        if exact is not None:
            return "openrouter-id", {exact}
        rule, found = self._match_name(entry.model)
        # Some providers prefix their own name: databricks/databricks-llama-4-maverick.
        head = entry.provider.split("_")[0].split("-")[0].lower()
        if rule == "none" and entry.model.lower().startswith(f"{head}-"):
            rule, found = self._match_name(entry.model[len(head) + 1 :])
        # Others prefix the model's vendor: snowflake/openai-gpt-4o, databricks-claude-...
        maker, rest = vendor_hyphen(entry.model)
        if rule == "none" and maker is not None:
            rule, found = self._match_name(rest)
        return rule, found

    def _match_name(self, model: str) -> tuple[str, set[int]]:
        dated = normalise_name(model, keep_date=True)
        if dated in self.by_alias:
            return "alias", self._best(self.by_alias[dated])
        alias = normalise_name(model)
        if alias in self.by_alias:
            return "alias", self._best(self.by_alias[alias])
        core, sizes = core_tokens(alias)
        ranked: dict[int, int] = {}
        for their_sizes, pk, rank in self.families.get(core, []):
            if not (sizes and their_sizes and sizes != their_sizes):
                ranked[pk] = min(rank, ranked.get(pk, rank))
        if ranked:
            return "family", self._best(ranked)
        return "none", set()
