"""Hard constraints read from a need in plain words, and from an explicit `filters` object.

Pure functions: text in, `Required` out, with the words that triggered each
constraint so the answer can say what was understood.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from registry.modalities import INPUT_MODALITIES, OUTPUT_MODALITIES

from .preferences import read_preferences

TOKENS_PER_PAGE = 500  # "a 300-page PDF is roughly 150k tokens"

_GENERATE = r"(?:generate|generating|create|creating|draw|drawing|make|making|render|design|produce|paint|illustrate|synthesi[sz]e|compose)"
_IMAGE_NOUN = r"(?:image|images|picture|pictures|photo|photos|illustration|illustrations|drawing|logo|logos|artwork|art|icon|icons|portrait|wallpaper|poster|sticker|thumbnail)"
_VIDEO_NOUN = r"(?:video|videos|clip|clips|animation|animations|movie|footage)"
_AUDIO_NOUN = (
    r"(?:speech|audio|voice|voiceover|voice-over|music|song|songs|podcast|narration|sound)"
)
# Up to five words between a verb and its noun, none of which starts another
# phrase: in "generate a description for an image" the thing made is the
# description, and in "make sure that the image" nothing is made.
_GAP = (
    r"(?:\W+(?!(?:for|of|from|about|based|using|with|that|which|to|into|in|on|sure)\b)\w+){0,5}?\W+"
)
# A noun that only names the subject of another task: an "image recognition
# tool" recognises images, it does not make one.
_NOT_THE_PRODUCT = r"(?!\W+(?:recognition|classif\w*|detect\w*|caption\w*|descriptions?|analysis|search|filter\w*|tagging|moderation|understanding|segmentation|tools?)\b)"
_CONVERT_INTO = r"\b(?:convert|converts|converting|turn|turns|turning|transform|transforms|transforming)\b(?:\W+\w+){0,8}?\W+(?:into|to)\W+(?:\w+\W+){0,3}?"

PATTERNS: dict[tuple[str, str], list[str]] = {
    ("output", "image"): [
        rf"\b{_GENERATE}\b{_GAP}(?P<made>{_IMAGE_NOUN})\b{_NOT_THE_PRODUCT}",
        rf"\b(?:ai[- ])?generated\W+(?:\w+\W+){{0,3}}?(?P<made>{_IMAGE_NOUN})\b",
        r"\btext[- ]to[- ]image\b",
        r"\bimage generation\b",
    ],
    ("output", "video"): [
        rf"\b{_GENERATE}\b{_GAP}(?P<made>{_VIDEO_NOUN})\b{_NOT_THE_PRODUCT}",
        r"\btext[- ]to[- ]video\b",
        r"\bvideo generation\b",
    ],
    ("output", "audio"): [
        rf"\b{_GENERATE}\b{_GAP}(?P<made>{_AUDIO_NOUN})\b{_NOT_THE_PRODUCT}",
        rf"{_CONVERT_INTO}(?P<made>speech|audio|voice|spoken|sound)\b",
        r"\btext[- ]to[- ]speech\b",
        r"\btts\b",
        r"\b(?:read|speak|say)\b(?:\W+\w+){0,4}?\W+(?:aloud|out loud)\b",
        r"\breads? out\b",
        r"\bin a (?:natural|human|realistic) voice\b",
        r"\bnarrat(?:e|es|ed|ing|ion)\b",
        r"\bvoice[- ]?overs?\b",
        r"\bspoken (?:version|audio)\b",
    ],
    ("output", "embeddings"): [
        r"\bembeddings?\b",
        r"\bvectori[sz]e\b",
        r"\bvector representations?\b",
        r"\bvectors? (?:for|of) (?:semantic |similarity )?(?:search|retrieval|similarity|my|our|the)\b",
    ],
    ("input", "image"): [
        r"\b(?:image|images|photo|photos|photograph|photographs|picture|pictures|screenshot|screenshots|screen ?shots?|scans?|scanned|charts?|diagrams?|infographics?|png|jpe?g|webp|handwriting|handwritten|whiteboard|receipts? photos?|figures? in)\b",
    ],
    ("input", "audio"): [
        r"\b(?:transcribe|transcribing|transcription|transcripts? of|podcasts?|recordings?|audio|speech[- ]to[- ]text|voice (?:memo|memos|notes?|messages?)|voicemails?|mp3|wav|spoken|dictation|phone calls?)\b",
    ],
    ("input", "video"): [
        # "movie reviews" are text and a "video game" is a game: neither is read as video.
        r"\b(?:video|videos|clip|clips|footage|youtube videos?|mp4|livestream)\b(?!\W+games?\b)",
    ],
    ("input", "file"): [
        r"\bpdfs?\b",
        r"\b(?:upload(?:ed)?|attached) (?:files?|documents?)\b",
    ],
}
# When a need asks for an image (or audio, or video) to be made, a mention of
# that medium alone is the thing to be made ("a representative image for the
# event ... creating an image"); it is read as an input only where the words
# say it is given.
_GIVEN = r"\b(?:given|provided|uploaded|existing|input|source|attached|this|these|my|our|their|from (?:a|an|the|my|our)|of (?:a|an|the|my|our))(?:\W+(?!(?:to|into|as)\b)\w+){0,2}?\W+"
INPUT_WHEN_ALSO_MADE: dict[str, list[str]] = {
    "image": [
        rf"{_GIVEN}(?:image|images|photo|photos|photograph|photographs|picture|pictures|screenshots?|scans?|drawings?|sketch(?:es)?)\b"
    ],
    "audio": [
        rf"{_GIVEN}(?:audio|recordings?|speech|voice|podcasts?)\b",
        r"\b(?:transcribe|transcribing|transcription)\b",
    ],
    "video": [rf"{_GIVEN}(?:video|videos|clips?|footage)\b"],
}
_COMPILED = {key: [re.compile(p, re.IGNORECASE) for p in pats] for key, pats in PATTERNS.items()}
_COMPILED_GIVEN = {
    modality: [re.compile(p, re.IGNORECASE) for p in pats]
    for modality, pats in INPUT_WHEN_ALSO_MADE.items()
}

_NUMBER = r"(\d+(?:[.,]\d+)*)\s*(k|m|thousand|million)?"
_CONTEXT_TOKENS = re.compile(
    rf"\b{_NUMBER}[\s-]*(?:tokens?|token context|context window|context)\b", re.IGNORECASE
)
_PAGES = re.compile(r"\b(\d+(?:,\d{3})*)[\s-]*pages?\b", re.IGNORECASE)
_PRICE = re.compile(
    r"\b(?:under|below|less than|at most|max(?:imum)?|cheaper than|no more than|within)\s*\$?\s*(\d+(?:\.\d+)?)\s*(?:\$|usd|dollars?)?\s*(?:per|/|a|for)\s*(?:1\s*m|one million|million|1,000,000|m)\b",
    re.IGNORECASE,
)
# "free" about price: before what is wanted ("a free LLM", "free coding assistant", within two
# words), "for free", "no cost"; not "free-form", "sugar-free" or "free up".
# The largest context (tokens) and price ceiling (USD per 1M tokens) a need can ask for,
# in words or in filters.
MAX_CONTEXT = 10**9
MAX_PRICE = Decimal(10**6)
_FREE = re.compile(
    r"(?<![\w-])(?:free (?:[\w-]+ ){0,2}?(?:models?|tier|of charge|llms?|assistants?|chatbots?|bots?"
    r"|apis?|options?|alternatives?|versions?|plans?)|for free|no cost|costs? nothing|zero cost)\b",
    re.IGNORECASE,
)
_OPEN_WEIGHTS = re.compile(
    r"\b(?:open[- ]weights?|open[- ]source|self[- ]host(?:ed|ing)?|host (?:it )?(?:myself|ourselves)|run (?:it )?locally|on[- ]prem(?:ise|ises)?)\b",
    re.IGNORECASE,
)

# A need that asks for a router itself ("a router that picks the model for each prompt", "route
# between models"); otherwise routers, which answer no need of their own, are left out.
_ROUTER = re.compile(
    r"\b(?:routers?|model routing|rout(?:e|es|ing)\W+(?:\w+\W+){0,3}?(?:between|across|among|to)\W+(?:\w+\W+){0,2}?(?:models|llms|providers)"
    r"|(?:picks?|chooses?|selects?)\W+(?:the\W+)?(?:best\W+|right\W+)?(?:model|llm)\W+for\W+(?:each|every))\b",
    re.IGNORECASE,
)
ROUTER_TYPE = "router"
LISTING_TYPE = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")

FILTER_KEYS = (
    "input_modalities",
    "output_modalities",
    "min_context",
    "max_prompt_price",
    "open_weights",
    "type",
    "variant",
    "free",
)


class FilterError(ValueError):
    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass
class Required:
    input_modalities: list[str] = field(default_factory=list)
    output_modalities: list[str] = field(default_factory=list)
    min_context: int | None = None
    max_prompt_price: Decimal | None = None  # USD per 1M prompt tokens
    open_weights: bool | None = None
    # The listing type asked for (filters.type); routers are left out unless it is "router"
    # or the words ask for one (routers).
    type: str | None = None
    routers: bool = False
    # An offer the model must have: of this variant ("free", "batch", ...), free or not.
    variant: str | None = None
    free: bool | None = None
    # Preferences among equals (matching.preferences.PREFERENCES), first first.
    prefer: list[str] = field(default_factory=list)
    understood: list[str] = field(default_factory=list)

    @property
    def offer_constrained(self) -> bool:
        """Whether an offer (the model itself or one of its endpoints) must meet something."""
        return bool(
            self.min_context
            or self.max_prompt_price is not None
            or self.variant is not None
            or self.free is not None
        )

    @property
    def wants_free(self) -> bool:
        return self.free is True or self.max_prompt_price == 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "input_modalities": self.input_modalities,
            "output_modalities": self.output_modalities,
            "min_context": self.min_context,
            "max_prompt_price": float(self.max_prompt_price)
            if self.max_prompt_price is not None
            else None,
            "open_weights": self.open_weights,
            "type": self.type,
            "variant": self.variant,
            "free": self.free,
            "prefer": self.prefer,
            "understood": self.understood,
        }

    def checks(self) -> list[str]:
        """Plain words for each constraint, as a result's explanation states them."""
        out = [f"accepts {m} input" for m in self.input_modalities]
        out += [
            f"produces {m}" if m == "embeddings" else f"produces {m} output"
            for m in self.output_modalities
        ]
        if self.min_context:
            out.append(f"context of at least {self.min_context:,} tokens")
        if self.max_prompt_price is not None:
            out.append(f"prompt price at most ${self.max_prompt_price.normalize():f} per 1M tokens")
        if self.open_weights:
            out.append("open weights")
        if self.type:
            out.append(f"is a {self.type}")
        if self.variant is not None:
            out.append(f"has a {self.variant!r} offer")
        if self.free is not None:
            out.append("has a free offer" if self.free else "has a paid offer")
        return out


def _amount(number: str, scale: str | None) -> int:
    value = Decimal(number.replace(",", ""))
    multiplier = {"k": 1000, "thousand": 1000, "m": 1_000_000, "million": 1_000_000}.get(
        (scale or "").lower(), 1
    )
    return int(value * multiplier)


def read_constraints(intent: str) -> Required:
    """Constraints stated in plain words. Output needs are read first, so that
    "generate a picture" asks for image output, not image input."""
    required = Required()
    spans: list[tuple[int, int]] = []
    for direction in ("output", "input"):
        for (kind, modality), patterns in _COMPILED.items():
            if kind != direction:
                continue
            if direction == "input" and modality in required.output_modalities:
                patterns = _COMPILED_GIVEN.get(modality, patterns)
            for pattern in patterns:
                for match in pattern.finditer(intent):
                    if direction == "input" and any(s <= match.start() < e for s, e in spans):
                        continue  # the noun of an output need ("generate a video")
                    target = (
                        required.output_modalities
                        if direction == "output"
                        else required.input_modalities
                    )
                    if modality not in target:
                        target.append(modality)
                        required.understood.append(
                            f"{modality} {direction} (from '{match.group(0).strip()}')"
                        )
                    if direction == "output":
                        # Only the noun that is made is taken from the inputs: in
                        # "turn this photo into speech" the photo is still given.
                        made = "made" if "made" in pattern.groupindex else 0
                        spans.append(match.span(made))
                    break
    required.input_modalities = [m for m in INPUT_MODALITIES if m in required.input_modalities]
    required.output_modalities = [m for m in OUTPUT_MODALITIES if m in required.output_modalities]

    price = _PRICE.search(intent)
    # "$0.50 per 1M tokens" is a price, not a context size.
    contexts = [
        (_amount(m.group(1), m.group(2)), m.group(0))
        for m in _CONTEXT_TOKENS.finditer(intent)
        if not (price and price.start() <= m.start() <= price.end())
    ]
    contexts += [
        (_amount(m.group(1), None) * TOKENS_PER_PAGE, m.group(0)) for m in _PAGES.finditer(intent)
    ]
    if contexts:
        tokens, words = max(contexts)
        tokens = min(tokens, MAX_CONTEXT)  # what a filter takes; no column overflows
        if tokens > 0:
            required.min_context = tokens
            required.understood.append(
                f"context of at least {tokens:,} tokens (from '{words.strip()}')"
            )

    if price:
        ceiling = min(Decimal(price.group(1)), MAX_PRICE)  # what a filter takes
        required.max_prompt_price = ceiling
        required.understood.append(
            f"prompt price at most ${ceiling} per 1M tokens (from '{price.group(0).strip()}')"
        )
    elif free := _FREE.search(intent):
        required.max_prompt_price = Decimal(0)
        required.understood.append(f"free to use (from '{free.group(0)}')")
    if weights := _OPEN_WEIGHTS.search(intent):
        required.open_weights = True
        required.understood.append(f"open weights (from '{weights.group(0)}')")
    if router := _ROUTER.search(intent):
        required.routers = True
        required.understood.append(f"routers included (from '{router.group(0)}')")
    for preference, words in read_preferences(intent):
        required.prefer.append(preference)
        required.understood.append(f"prefers {preference} among equals (from '{words}')")
    return required


def _modalities(value: Any, vocabulary: tuple[str, ...], name: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise FilterError(f"filters.{name} must be a list of strings", f"filters.{name}")
    unknown = [v for v in value if v not in vocabulary]
    if unknown:
        raise FilterError(
            f"filters.{name}: unknown modality {unknown[0]!r}; use {', '.join(vocabulary)}",
            f"filters.{name}",
        )
    return [m for m in vocabulary if m in value]


def apply_filters(required: Required, filters: Any) -> Required:
    """Explicit filters win over what was read from the words, key by key."""
    if filters is None:
        return required
    if not isinstance(filters, dict):
        raise FilterError("filters must be an object", "filters")
    unknown = sorted(set(filters) - set(FILTER_KEYS))
    if unknown:
        raise FilterError(
            f"filters.{unknown[0]} is not a known filter; use {', '.join(FILTER_KEYS)}",
            f"filters.{unknown[0]}",
        )
    if "input_modalities" in filters:
        required.input_modalities = _modalities(
            filters["input_modalities"], INPUT_MODALITIES, "input_modalities"
        )
    if "output_modalities" in filters:
        required.output_modalities = _modalities(
            filters["output_modalities"], OUTPUT_MODALITIES, "output_modalities"
        )
    if "min_context" in filters:
        value = filters["min_context"]
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_CONTEXT
        ):
            raise FilterError(
                "filters.min_context must be an integer from 0 to 1000000000 or null",
                "filters.min_context",
            )
        required.min_context = value or None
    if "max_prompt_price" in filters:
        value = filters["max_prompt_price"]
        if value is not None:
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not 0 <= value <= MAX_PRICE
            ):
                raise FilterError(
                    "filters.max_prompt_price must be a number from 0 to 1000000 or null",
                    "filters.max_prompt_price",
                )
            try:
                value = Decimal(str(value))
            except InvalidOperation as exc:  # pragma: no cover - floats always convert
                raise FilterError(
                    "filters.max_prompt_price must be a number", "filters.max_prompt_price"
                ) from exc
        required.max_prompt_price = value
    if "open_weights" in filters:
        value = filters["open_weights"]
        if value is not None and not isinstance(value, bool):
            raise FilterError(
                "filters.open_weights must be true, false or null", "filters.open_weights"
            )
        required.open_weights = value
    if "type" in filters:
        value = filters["type"]
        if value is not None and not (isinstance(value, str) and LISTING_TYPE.match(value)):
            raise FilterError(
                "filters.type must name a listing type (e.g. model, router) or be null",
                "filters.type",
            )
        required.type = value
    if "variant" in filters:
        value = filters["variant"]
        if value is not None and not (isinstance(value, str) and 0 < len(value) <= 64):
            raise FilterError(
                "filters.variant must be a variant name (e.g. free, batch) or null",
                "filters.variant",
            )
        required.variant = value
    if "free" in filters:
        value = filters["free"]
        if value is not None and not isinstance(value, bool):
            raise FilterError("filters.free must be true, false or null", "filters.free")
        required.free = value
    return required
