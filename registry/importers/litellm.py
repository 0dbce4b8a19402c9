"""Import LiteLLM's model price map: every key becomes a provider endpoint.

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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction

from passports.canonical import DocumentError, parse_json

from ..modalities import INPUT_MODALITIES, OUTPUT_MODALITIES, ordered
from ..models import Artifact, ProviderEndpoint, Source
from ..services import DocumentRejected, passport_import
from .catalog import artifact_finish, endpoint_upsert, fact_values, facts_apply
from .derive import CatalogFacts, catalog_document, per_million, slug_from_id
from .summary import ImportSummary

PLACEHOLDER_KEYS = {"sample_spec"}
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
    key: str
    provider: str
    path: str  # the key without its provider prefix
    model: str  # last path segment (the model's own name)
    record: dict[str, Any]


def _model_path(key: str, provider: str, providers: set[str]) -> str:
    path = key
    head = key.split("/", 1)[0]
    if "/" in key and (head == provider or provider.startswith(head) or head in providers):
        path = key.split("/", 1)[1]
    # Size and step prefixes of image models: "1024-x-1024/50-steps/dall-e-2".
    path = re.sub(r"^(\d+-x-\d+/)?((max|\d+)-steps/)?", "", path)
    # Bedrock region folders: "us-east-1/mistral.mixtral-8x7b".
    path = re.sub(r"^[a-z]{2}(-gov)?-[a-z]+-\d/", "", path)
    return path


class _ArtifactIndex:
    """Aliases of every artifact a catalog already gave us, for rules 1-3."""

    def __init__(self) -> None:
        self.by_openrouter_id: dict[str, int] = {}
        # alias -> {artifact pk: rank}; rank 1 for OpenRouter's ":free"/":thinking"
        # variants, so the plain model wins when both carry the same name.
        self.by_alias: dict[str, dict[int, int]] = defaultdict(dict)
        self.families: dict[tuple[str, ...], list[tuple[frozenset[str], int, int]]] = defaultdict(
            list
        )
        rows = Artifact.objects.exclude(source=Source.LITELLM).values_list(
            "pk", "openrouter_id", "hugging_face_id", "slug"
        )
        for pk, openrouter_id, hf_id, _slug in rows:
            names = []
            variant = ":" in openrouter_id
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


def _facts(entry: Entry, display: str) -> CatalogFacts:
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


def _endpoint_values(entry: Entry, facts: CatalogFacts, rule: str) -> dict[str, Any]:
    return {
        "provider": entry.provider,
        "model_name": entry.path,
        "protocol": "openai-chat"
        if entry.record.get("mode") in (None, "chat")
        else str(entry.record.get("mode"))[:32],
        "mode": str(entry.record.get("mode") or "")[:64],
        "context_length": facts.context_length,
        "max_output_tokens": facts.max_output_tokens,
        "prompt_price": facts.prompt_price,
        "completion_price": facts.completion_price,
        "prompt_price_per_1m": per_million(facts.prompt_price),
        "completion_price_per_1m": per_million(facts.completion_price),
        "input_modalities": facts.input_modalities,
        "output_modalities": facts.output_modalities,
        "features": facts.features,
        "match_rule": rule,
        "raw": entry.record,
    }


def _group_facts(entries: list[Entry], name: str) -> CatalogFacts:
    """One model served by several providers: the widest limits, the lowest price."""
    all_facts = [_facts(entry, name) for entry in entries]
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


def _unique_slug(base: str, taken_by_other: Callable[[str], bool]) -> str:
    slug = base or "model"
    if taken_by_other(slug):
        slug = f"{base}-litellm"
    return slug


def litellm_import(
    *,
    data: bytes,
    label: str,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> ImportSummary:
    summary = ImportSummary(source=f"litellm {label}")
    try:
        parsed = parse_json(data, max_bytes=settings.CATALOG_MAX_BYTES)
    except DocumentError as exc:
        summary.reject(label, exc.message, exc.field)
        return summary
    if not isinstance(parsed, dict):
        summary.reject(label, "expected an object of model entries keyed by model name")
        return summary
    if on_total:
        on_total(len(parsed))
    providers = {
        record["litellm_provider"]
        for record in parsed.values()
        if isinstance(record, dict) and isinstance(record.get("litellm_provider"), str)
    }
    index = _ArtifactIndex()
    attached: list[tuple[Entry, str, int]] = []
    family_matches: list[tuple[str, int]] = []
    own: dict[str, list[Entry]] = defaultdict(list)
    for key in sorted(parsed):
        summary.records += 1
        record = parsed[key]
        if key in PLACEHOLDER_KEYS:
            summary.reject(key, "documentation placeholder describing the format, not a model")
            continue
        if not isinstance(record, dict):
            summary.reject(key, "entry must be an object")
            continue
        provider = record.get("litellm_provider")
        if not isinstance(provider, str) or not provider.strip():
            summary.reject(key, "missing litellm_provider", "litellm_provider")
            continue
        if len(key) > 300:
            summary.reject(key[:80] + "...", "key longer than 300 characters")
            continue
        path = _model_path(key, provider, providers)
        if not path.split("/")[-1].strip():
            summary.reject(key, "no model name after the provider prefix")
            continue
        entry = Entry(
            key=key, provider=provider, path=path, model=path.split("/")[-1], record=record
        )
        rule, candidates = index.match(entry)
        if len(candidates) == 1:
            pk = next(iter(candidates))
            attached.append((entry, rule, pk))
            if rule == "family":
                family_matches.append((key, pk))
            continue
        if len(candidates) > 1:
            slugs = sorted(
                Artifact.objects.filter(pk__in=candidates).values_list("slug", flat=True)
            )
            summary.ambiguous.append(
                {
                    "key": key,
                    "reason": (
                        f"{rule} fits {len(slugs)} artifacts ({', '.join(slugs[:5])}); "
                        "given its own artifact"
                    ),
                }
            )
        own[normalise_name(entry.model) or entry.model.lower()].append(entry)

    slug_of = dict(
        Artifact.objects.filter(pk__in={pk for _key, pk in family_matches}).values_list(
            "pk", "slug"
        )
    )
    summary.ambiguous[:0] = [
        {
            "key": key,
            "reason": f"attached to {slug_of[pk]} by family name; sizes or variants differ",
        }
        for key, pk in family_matches
    ]
    touched: set[int] = set()
    for entry, rule, pk in attached:
        facts = _facts(entry, entry.model)
        try:
            with transaction.atomic():
                artifact = Artifact.objects.select_for_update().get(pk=pk)
                endpoint_upsert(
                    artifact=artifact,
                    source=Source.LITELLM,
                    source_key=entry.key,
                    values=_endpoint_values(entry, facts, rule),
                )
        except DocumentRejected as exc:
            summary.reject(entry.key, exc.message, exc.field)
            continue
        touched.add(pk)
        summary.count("endpoint")
        if progress:
            progress(1)

    status_by_pk: dict[int, str] = {}
    for name, entries in sorted(own.items()):
        display = entries[0].model
        facts = _group_facts(entries, display)
        existing_keys = list(
            ProviderEndpoint.objects.filter(
                source=Source.LITELLM, source_key__in=[e.key for e in entries]
            ).values_list("artifact__slug", "artifact__source")
        )
        owned_slug = next(
            (slug for slug, source in existing_keys if source == Source.LITELLM), None
        )
        slug = owned_slug or _unique_slug(
            slug_from_id(name),
            lambda s: Artifact.objects.filter(slug=s).exclude(source=Source.LITELLM).exists(),
        )
        vendor = entries[0].path.split("/")[0] if "/" in entries[0].path else entries[0].provider
        document = catalog_document(
            artifact_id=f"litellm-{slug}",
            slug=slug,
            facts=facts,
            provider=" or ".join(sorted({e.provider for e in entries})[:3]),
            vendor=vendor.lower(),
            url=None,
            as_of=None,
        )
        try:
            with transaction.atomic():
                outcome = passport_import(document=document, source=Source.LITELLM, refresh=False)
                artifact = Artifact.objects.get(slug=outcome.slug)
                facts_apply(
                    artifact=artifact, values=fact_values(facts, source=Source.LITELLM, as_of=None)
                )
                for entry in entries:
                    endpoint_upsert(
                        artifact=artifact,
                        source=Source.LITELLM,
                        source_key=entry.key,
                        values=_endpoint_values(entry, _facts(entry, entry.model), "own"),
                    )
                changed = artifact_finish(artifact=artifact)
        except DocumentRejected as exc:
            for entry in entries:
                summary.reject(entry.key, exc.message, exc.field)
            continue
        status_by_pk[artifact.pk] = (
            "created" if outcome.status == "created" else ("updated" if changed else "unchanged")
        )
        for _entry in entries:
            summary.count("endpoint")
            if progress:
                progress(1)

    for pk in sorted(touched):
        with transaction.atomic():
            artifact = Artifact.objects.select_for_update().get(pk=pk)
            changed = artifact_finish(artifact=artifact)
        if changed:
            summary.count("artifacts updated")
    for status in status_by_pk.values():
        summary.count(f"artifacts {status}")
    summary.notes.append(
        f"{len(attached)} entries attached to {len(touched)} existing artifacts; "
        f"{sum(len(v) for v in own.values())} entries in {len(own)} artifacts of their own"
    )
    return summary
