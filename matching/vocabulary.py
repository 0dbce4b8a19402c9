"""The registry's vocabulary: the words people use for a need, and the words passports use.

People say "a photo of my whiteboard", "my own GPU", "three examples in the
prompt"; passports say "image inputs", "local inference", "few-shot". A small
embedding model does not bridge every such gap, so before a need is embedded
the registry appends the passport words for the user words it recognises:

    "put an assistant on a Raspberry Pi"
      -> "put an assistant on a Raspberry Pi (local on-device inference on own hardware)"

The appended words are returned as `readAs` in every answer, so the reading is
never hidden. Pure functions; the list is data, reviewed like code.
"""

from __future__ import annotations

import re

# (what people say, what passports say). Order is the order of the appended terms.
GLOSSARY: list[tuple[str, str]] = [
    (
        r"photos?|photograph\w*|pictures?|pics?|screenshots?|scan(?:s|ned)?|diagrams?|charts?|"
        r"graphs?|infographics?|whiteboards?|snapshots?|drawings?|images?|visual\w*",
        "images",
    ),
    (
        r"gpus?|workstations?|laptops?|on-?prem\w*|own (?:machines?|servers?|hardware)|"
        r"self-?host\w*|offline|no internet|raspberry pi|phones?|battery|embedded|edge",
        "local on-device inference on own hardware",
    ),
    (r"\d+-?bit|quantis\w*|quantiz\w*|int8|int4|gguf", "quantization"),
    (
        r"hosted|managed|serverless|without (?:running|managing|hosting)|https?|rest api|endpoints?",
        "API-based inference without managing infrastructure",
    ),
    (r"examples?|samples?|demonstrations?|handful", "few-shot examples in the prompt"),
    (r"label\w*|tagg\w*|categori[sz]\w*|classif\w*", "classification"),
    (
        r"math\w*|arithmetic|equations?|word problems?|proofs?|puzzles?|logic",
        "step-by-step reasoning",
    ),
    (r"cheap\w*|budget|spend\w*|costs?|costly|pric\w*|afford\w*", "lower cost"),
    (r"typewriter|token by token|as soon as|live|snappy|real-?time", "streaming tokens"),
    (r"persona|personality|character|tone|act like|answer like", "system prompt persona"),
    (
        r"translat\w*|languages?|locali[sz]\w*|multilingual|(?:into|from|in) (?:english|"
        r"spanish|german|french|japanese|portuguese|chinese|italian|arabic|hindi|korean|dutch)",
        "multilingual translation",
    ),
    (r"json|yaml|xml|csv|schemas?|structured|fields", "structured output"),
    (
        r"code|coding|python|javascript|java|kotlin|typescript|rust|golang|functions?|"
        r"programming|ide|editor",
        "code",
    ),
    (
        r"remember\w*|earlier|turns?|dialogue|conversation\w*|session",
        "multi-turn conversation context",
    ),
    (
        r"cite|citations?|quot\w*|sources?|wiki|handbook|documents?|knowledge base",
        "grounded in provided documents",
    ),
    (r"bulk|overnight|thousands|batch\w*|in one go", "batch processing"),
    (r"steps?|plan\w*|checklist|break (?:down|into)|subtasks?", "task decomposition"),
]

_COMPILED = [
    (re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE), terms) for pattern, terms in GLOSSARY
]


def registry_terms(intent: str) -> list[str]:
    """The passport words for the user words found in `intent`, in glossary order."""
    return [terms for pattern, terms in _COMPILED if pattern.search(intent)]


def read_as(intent: str) -> str:
    """The text that is embedded for a need: the need, then the registry's terms for it."""
    terms = registry_terms(intent)
    return f"{intent} ({'; '.join(terms)})" if terms else intent
