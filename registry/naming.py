"""What a listing is called and which listing a catalog id belongs to: pure functions.

One listing per model. A catalog id is either the model itself or an offer of it
(a variant): OpenRouter's `:free`, `:batch`, `:thinking`, `:exacto`, `:extended`
suffixes, a `-fast` id beside the plain one, a dated snapshot (`gpt-4o-2024-08-06`)
beside the undated id, and `~vendor/family-latest` aliases (an offer of the newest
model of that family). Routers and meta-models (`openrouter/auto`, `openrouter/free`,
`openrouter/pareto-code`, a price of -1, "Router" in the name) are `type: router`.

Every listing is named `Maker: Model`, from what the catalogs state: OpenRouter's
name (its "Maker: " prefix, or the maker its other names give the vendor), the
vendor or folder in a LiteLLM key (`anthropic.claude-v1`, `meta/llama-3.2-90b`),
the model's own name where a maker's models are unmistakable (`gemini-`, `claude-`),
else the provider when it serves only its own models. A model part that is a bare
version or one generic word ("3.2", "best", "sketch") is given the words around it
in the key, or what the model does; what still cannot be named is reported.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# OpenRouter's `:suffix` variants, as the words the registry uses for them.
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

# Words that say nothing about which model it is: a listing is never named by one alone.
GENERIC_WORDS = frozenset(
    """
    base best basic chat classic conservative container creative default dev edit embed
    embeddings enhanced erase fast fill generative image inpaint large latest lite medium
    mini model neural nano outpaint preview pro search sketch small standard structure
    style text turbo ultra upscale v1 v2 v3 video
    """.split()
)

# Makers whose model names are unmistakable, by the name's first word.
MAKER_OF_MODEL = {
    "gpt": "OpenAI",
    "chatgpt": "OpenAI",
    "o1": "OpenAI",
    "o3": "OpenAI",
    "o4": "OpenAI",
    "dall": "OpenAI",
    "whisper": "OpenAI",
    "tts": "OpenAI",
    "sora": "OpenAI",
    "davinci": "OpenAI",
    "babbage": "OpenAI",
    "ada": "OpenAI",
    "text-embedding": "OpenAI",
    "text-moderation": "OpenAI",
    "omni-moderation": "OpenAI",
    "claude": "Anthropic",
    "gemini": "Google",
    "gemma": "Google",
    "imagen": "Google",
    "veo": "Google",
    "chirp": "Google",
    "medlm": "Google",
    "text-bison": "Google",
    "chat-bison": "Google",
    "code-bison": "Google",
    "codechat-bison": "Google",
    "textembedding-gecko": "Google",
    "multimodalembedding": "Google",
    "codegemma": "Google",
    "llama": "Meta",
    "code-llama": "Meta",
    "codellama": "Meta",
    "mistral": "Mistral",
    "mixtral": "Mistral",
    "open-mistral": "Mistral",
    "open-mixtral": "Mistral",
    "magistral": "Mistral",
    "codestral": "Mistral",
    "devstral": "Mistral",
    "pixtral": "Mistral",
    "ministral": "Mistral",
    "voxtral": "Mistral",
    "qwen": "Qwen",
    "qwq": "Qwen",
    "deepseek": "DeepSeek",
    "phi": "Microsoft",
    "mai": "Microsoft",
    "command": "Cohere",
    "embed-english": "Cohere",
    "embed-multilingual": "Cohere",
    "embed-v": "Cohere",
    "rerank": "Cohere",
    "c4ai": "Cohere",
    "aya": "Cohere",
    "jamba": "AI21",
    "j2": "AI21",
    "kimi": "Moonshot AI",
    "moonshot": "Moonshot AI",
    "glm": "Z.ai",
    "zai": "Z.ai",
    "minimax": "MiniMax",
    "flux": "Black Forest Labs",
    "sd3": "Stability AI",
    "sd": "Stability AI",
    "stable": "Stability AI",
    "sdxl": "Stability AI",
    "grok": "xAI",
    "yi": "01.AI",
    "nous": "Nous Research",
    "hermes": "Nous Research",
    "jina": "Jina AI",
    "voyage": "Voyage AI",
    "nomic": "Nomic AI",
    "sarvam": "Sarvam AI",
    "gigachat": "Sber",
    "nova": "Amazon",
    "titan": "Amazon",
    "ernie": "Baidu",
    "paddleocr": "Baidu",
    "granite": "IBM",
    "nemotron": "NVIDIA",
    "dbrx": "Databricks",
    "sonar": "Perplexity",
    "recraft": "Recraft",
    "seedream": "ByteDance",
    "seedance": "ByteDance",
    "dreamina": "ByteDance",
    "ideogram": "Ideogram",
    "luma": "Luma",
    "ray": "Luma",
    "kling": "Kuaishou",
    "hailuo": "MiniMax",
    "vicuna": "LMSYS",
    "dolphin": "Cognitive Computations",
    "wizardlm": "Microsoft",
    "pythia": "EleutherAI",
    "falcon": "TII",
    "olmo": "AllenAI",
    "solar": "Upstage",
    "arctic": "Snowflake",
    "reka": "Reka",
    "palmyra": "Writer",
    "lfm": "LiquidAI",
    "eleven": "ElevenLabs",
    "scribe": "ElevenLabs",
    "nova-2": "Deepgram",
    "nova-3": "Deepgram",
    "aura": "Deepgram",
}
# Vendor words as they appear in keys and folders, as the maker is written.
MAKER_OF_VENDOR = {
    "openai": "OpenAI",
    "anthropic": "Anthropic",
    "google": "Google",
    "meta": "Meta",
    "meta-llama": "Meta",
    "mistral": "Mistral",
    "mistralai": "Mistral",
    "cohere": "Cohere",
    "amazon": "Amazon",
    "ai21": "AI21",
    "deepseek": "DeepSeek",
    "deepseek-ai": "DeepSeek",
    "qwen": "Qwen",
    "alibaba": "Qwen",
    "writer": "Writer",
    "moonshot": "Moonshot AI",
    "moonshotai": "Moonshot AI",
    "minimax": "MiniMax",
    "nvidia": "NVIDIA",
    "stability": "Stability AI",
    "stabilityai": "Stability AI",
    "twelvelabs": "TwelveLabs",
    "luma": "Luma",
    "zai": "Z.ai",
    "z-ai": "Z.ai",
    "bria": "Bria",
    "bytedance": "ByteDance",
    "recraft": "Recraft",
    "flux": "Black Forest Labs",
    "black-forest-labs": "Black Forest Labs",
    "ideogram": "Ideogram",
    "paddlepaddle": "Baidu",
    "baidu": "Baidu",
    "nomic-ai": "Nomic AI",
    "microsoft": "Microsoft",
    "ibm": "IBM",
    "ibm-granite": "IBM",
    "xai": "xAI",
    "x-ai": "xAI",
    "thudm": "Z.ai",
    "allenai": "AllenAI",
    "nousresearch": "Nous Research",
    "perplexity": "Perplexity",
    "jina-ai": "Jina AI",
    "kling": "Kuaishou",
    "kwaivgi": "Kuaishou",
    "tencent": "Tencent",
    "hunyuan": "Tencent",
    "wan-ai": "Alibaba",
    "wan": "Alibaba",
}
# Vendor folders that are a product's name as well as its maker's.
PRODUCT_FOLDERS = frozenset({"flux"})
# LiteLLM providers that serve only their own models: the provider is the maker.
FIRST_PARTY_PROVIDERS = {
    "openai": "OpenAI",
    "text-completion-openai": "OpenAI",
    "anthropic": "Anthropic",
    "gemini": "Google",
    "vertex_ai-language-models": "Google",
    "vertex_ai-image-models": "Google",
    "vertex_ai-video-models": "Google",
    "vertex_ai-embedding-models": "Google",
    "vertex_ai-text-models": "Google",
    "vertex_ai-chat-models": "Google",
    "vertex_ai-code-text-models": "Google",
    "vertex_ai-code-chat-models": "Google",
    "vertex_ai-vision-models": "Google",
    "palm": "Google",
    "mistral": "Mistral",
    "codestral": "Mistral",
    "text-completion-codestral": "Mistral",
    "cohere": "Cohere",
    "cohere_chat": "Cohere",
    "ai21": "AI21",
    "deepseek": "DeepSeek",
    "xai": "xAI",
    "moonshot": "Moonshot AI",
    "dashscope": "Qwen",
    "zai": "Z.ai",
    "minimax": "MiniMax",
    "deepgram": "Deepgram",
    "elevenlabs": "ElevenLabs",
    "assemblyai": "AssemblyAI",
    "voyage": "Voyage AI",
    "jina_ai": "Jina AI",
    "stability": "Stability AI",
    "black_forest_labs": "Black Forest Labs",
    "recraft": "Recraft",
    "perplexity": "Perplexity",
    "sarvam": "Sarvam AI",
    "gigachat": "Sber",
    "reducto": "Reducto",
    "aleph_alpha": "Aleph Alpha",
    "nlp_cloud": "NLP Cloud",
    "volcengine": "ByteDance",
    "runwayml": "Runway",
    "ideogram": "Ideogram",
    "luma": "Luma",
    "firecrawl": "Firecrawl",
    "tavily": "Tavily",
    "exa_ai": "Exa",
    "brave": "Brave",
    "linkup": "Linkup",
    "parallel_ai": "Parallel",
    "searxng": "SearXNG",
    "google_pse": "Google",
    "dataforseo": "DataForSEO",
    "watsonx": "IBM",
    "github_copilot": "GitHub",
    "azure": "Microsoft",
    "aws_polly": "Amazon Polly",
    "v0": "Vercel",
    "duckduckgo": "DuckDuckGo",
}
# What a LiteLLM mode makes, to tell apart a generic-word model ("Stability AI: Sketch").
MODE_WORDS = {
    "image_generation": "image generation",
    "image_edit": "image editing",
    "audio_transcription": "speech-to-text",
    "audio_speech": "text-to-speech",
    "embedding": "embeddings",
    "rerank": "reranking",
    "moderation": "moderation",
    "video_generation": "video generation",
    "ocr": "OCR",
    "search": "web search",
    "realtime": "realtime",
}
_UPPER = {
    "gpt",
    "glm",
    "tts",
    "stt",
    "ocr",
    "vl",
    "ai",
    "hd",
    "moe",
    "sd",
    "xl",
    "asr",
    "llm",
    "api",
    "dbrx",
    "lfm",
    "mai",
    "ds",
    "r1",
    "v1",
    "v2",
    "v3",
    "v4",
    "qwq",
    "it",
}


# ---------------------------------------------------------------- names


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
        if low in _UPPER:
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
        if (low == prefix or re.match(re.escape(prefix) + r"(?=[-_.\d\s:/]|$)", low)) and (
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
    last = re.sub(r"-v\d+:\d+$|:\d+$|@default$|@\d{3}$", "", last)
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


# ---------------------------------------------------------------- OpenRouter variants


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


def _vendor(model_id: str) -> str:
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
            family = model_id[1 : -len("-latest")]
            members = [
                i
                for i in ids
                if i.startswith(family + "-")
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


def openrouter_makers(models: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Each vendor's maker as OpenRouter's own names write it ("anthropic" -> "Anthropic")."""
    seen: dict[str, Counter[str]] = {}
    for model in models:
        model_id, name = model.get("id"), model.get("name")
        if not (isinstance(model_id, str) and isinstance(name, str) and ": " in name):
            continue
        seen.setdefault(_vendor(model_id), Counter())[name.split(": ", 1)[0].strip()] += 1
    return {vendor: counts.most_common(1)[0][0] for vendor, counts in seen.items() if vendor}


def openrouter_name(name: str, model_id: str, makers: Mapping[str, str]) -> str:
    """OpenRouter's name of the model (variant words dropped), as `Maker: Model`."""
    name = strip_variant_name(name)
    if ": " in name:
        return name
    vendor = _vendor(model_id)
    maker = makers.get(vendor) or MAKER_OF_VENDOR.get(vendor) or pretty_model(vendor)
    return listing_name(maker, name)


# ---------------------------------------------------------------- families

_VERSIONISH = re.compile(r"^(v?\d[\d.]*[a-z]?|\d+[a-z]\d*b?|[ae]\d+b|\d+x\d+b|20\d{2,6}|\d{2,4}k)$")
_FAMILY_DROP = frozenset(
    """
    free batch fast thinking exacto extended beta nitro online latest preview exp
    experimental instruct it chat hf base snapshot older
    """.split()
)


def family_of(name: str) -> str:
    """The family of a listing named `Maker: Model`: the maker and the model's words without
    versions, sizes and variant words. `Anthropic: Claude Opus 4.7` -> `anthropic/claude-opus`,
    `Meta: Llama 3.3 70B Instruct` -> `meta/llama`, `Google: Gemini 2.5 Flash` ->
    `google/gemini-flash`."""
    maker, _, model = name.partition(": ") if ": " in name else ("", "", name)
    model = re.sub(r"\(.*?\)", " ", model.lower())
    words: list[str] = []
    for word in re.split(r"[-_\s/:]+", model):
        if not word or _VERSIONISH.match(word) or word in _FAMILY_DROP:
            continue
        word = re.sub(r"(?<=[a-z])[\d.]+[a-z]?$", "", word)  # qwen3 -> qwen, qwen2.5 -> qwen
        if word and not _VERSIONISH.match(word) and word not in _FAMILY_DROP:
            words.append(word)
    maker_key = re.sub(r"[^a-z0-9]+", "-", maker.lower()).strip("-")
    family = "-".join(words) or re.sub(r"[^a-z0-9]+", "-", model).strip("-")
    return f"{maker_key}/{family}" if maker_key else family
