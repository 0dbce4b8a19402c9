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
        r"remember\w*|earlier|multi-?turn|turns (?:ago|back|earlier)|"
        r"(?:several|many|multiple|previous|earlier|past|later) turns|"
        r"dialogue|conversation\w*|session",
        "multi-turn conversation context",
    ),
    (
        r"cite|citations?|quot\w*|sources?|wiki|handbook|documents?|knowledge base",
        "grounded in provided documents",
    ),
    (r"bulk|overnight|thousands|batch\w*|in one go", "batch processing"),
    (r"steps?|plan\w*|checklist|break (?:down|into)|subtasks?", "task decomposition"),
]

# Machine-learning tasks: what people say, and the task's name as model cards
# and catalogs write it (Hugging Face's task taxonomy, ../shared/data/hf_tasks.json).
# A need read as "transcribe" lands on "automatic speech recognition" models
# before "text-to-speech" ones, which a small embedding model confuses.
# Triggers are kept narrow: "in-depth", "segments of customers", "an agent that
# calls tools", "similar quality" or "book a table" name no such task.
TASKS: list[tuple[str, str]] = [
    (
        r"transcrib\w*|transcripts?|transcriptions?|speech[- ]to[- ]text|dictation|subtitles?",
        "automatic speech recognition",
    ),
    (
        r"text[- ]to[- ]speech|read (?:\w+ ){0,3}aloud|out loud|synthesi[sz]\w* (?:speech|voice)|"
        r"spoken|audiobooks?|voice ?overs?",
        "text-to-speech",
    ),
    (
        r"denois\w*|background noise|noisy (?:audio|recordings?)|speech enhancement|"
        r"separat\w* (?:the )?(?:voices|speakers|sources)|voice conversion",
        "audio-to-audio",
    ),
    (
        r"voice activity|who is speaking|speech segments|speaker (?:changes|turns|diarization)",
        "voice activity detection",
    ),
    (
        r"(?:classify|categori[sz]e|identify|recogni[sz]e|detect) (?:\w+ ){0,3}(?:sounds?|noises?|"
        r"spoken commands?|audio (?:clips?|files?|recordings?))|keyword spotting",
        "audio classification",
    ),
    (
        r"depth (?:map|maps|estimation|of|information|from)|how far (?:away )?(?:each|the|objects?)|"
        r"distance (?:from|to) the camera",
        "depth estimation",
    ),
    (
        r"bounding box\w*|detect\w* (?:\w+ ){0,3}(?:objects?|people|persons?|vehicles|cars|items|"
        r"animals|faces)|locat\w* (?:\w+ ){0,3}in (?:an? |the )?(?:images?|photos?|pictures?)",
        "object detection",
    ),
    (
        r"segment\w* (?:\w+ ){0,3}(?:images?|photos?|pictures?|scenes?|objects?|regions?)|"
        r"semantic segmentation|pixel[- ]level|background removal",
        "image segmentation",
    ),
    (
        r"caption\w*|describ\w* (?:\w+ ){0,3}(?:images?|photos?|pictures?)|(?:text|words|"
        r"descriptions?) (?:from|of|for) (?:\w+ ){0,2}(?:images?|photos?|pictures?)|ocr|"
        r"optical character",
        "image-to-text",
    ),
    (r"text[- ]to[- ]image", "text-to-image"),
    (
        r"upscal\w*|super[- ]resolution|restor\w* (?:\w+ ){0,2}(?:images?|photos?)|"
        r"coloriz\w*|inpaint\w*|style transfer|(?:transform|edit|modify)\w* (?:\w+ ){0,3}"
        r"(?:images?|photos?|pictures?)",
        "image-to-image",
    ),
    (
        r"(?:questions?|ask\w*|answer\w*) (?:\w+ ){0,5}(?:images?|photos?|pictures?)",
        "visual question answering",
    ),
    (
        r"(?:questions?|answer\w*|extract\w*) (?:\w+ ){0,5}(?:documents?|invoices?|forms?|"
        r"receipts?|scanned|pdfs?)",
        "document question answering",
    ),
    (
        r"(?:questions?|answer\w*|query|querying|look up|lookup|find) (?:\w+ ){0,5}"
        r"(?:tables?|spreadsheets?)|(?:tables?|spreadsheets?) of (?:data|numbers|figures|"
        r"results|statistics|sales)|rows and columns",
        "table question answering",
    ),
    (r"tabular|columns", "tabular classification and regression"),
    (
        r"predict\w* (?:\w+ ){0,3}(?:prices?|values?|amounts?|emissions?|quantit\w+|sales)",
        "regression",
    ),
    (
        r"(?:classify|categori[sz]e|recogni[sz]e|identify|label|tell) (?:\w+ ){0,4}"
        r"(?:images?|photos?|pictures?)|(?:images?|photos?|pictures?) (?:\w+ ){0,3}"
        r"(?:classif\w*|categor\w*)|what (?:kind|type|species|breed) of",
        "image classification",
    ),
    (
        r"any (?:set of )?(?:labels|categories|classes)|without (?:any )?(?:training|labeled|"
        r"labelled|fine-?tuning)|candidate labels|zero[- ]shot",
        "zero-shot classification",
    ),
    (
        r"sentiment|emotions?|spam|toxic\w*|offensive|positive or negative|"
        r"classify (?:\w+ ){0,3}(?:texts?|reviews?|messages?|comments?|tweets?|emails?|"
        r"articles?|sentences?)",
        "text classification",
    ),
    (
        r"named entit\w*|entities|names of (?:people|persons|places|organi[sz]ations)|"
        r"part[- ]of[- ]speech|pos tags?|tag (?:each|every) (?:word|token)",
        "token classification",
    ),
    (
        r"fill (?:in )?(?:the )?(?:blanks?|gaps?|missing)|missing words?|"
        r"masked (?:words?|tokens?|language)",
        "fill-mask",
    ),
    (
        r"similar (?:\w+ ){0,2}(?:texts?|sentences?|articles?|documents?|questions?|products?|"
        r"posts?)|similarity|duplicates?|paraphras\w*|semantic search|cluster\w*",
        "sentence similarity",
    ),
    (r"feature (?:vectors?|extraction)|extract features", "feature extraction"),
    (r"summar\w*|tl;?dr|condense|key points|overview of", "summarization"),
    (
        r"chat ?bots?|chatting|dialog\w*|talk(?:s|ing)? (?:to|with)|companion|"
        r"customer (?:support|service)",
        "conversational",
    ),
    (
        r"(?:answer\w*|questions?) (?:\w+ ){0,5}(?:context|passage|paragraph|article)|"
        r"reading comprehension",
        "question answering",
    ),
    (
        r"robots?|reinforcement|rewards?|game[- ]playing|play (?:a |the )?games?",
        "reinforcement learning",
    ),
    (r"molecul\w*|graph neural|graph[- ]structured|nodes and edges", "graph machine learning"),
]

_COMPILED = [
    (re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE), terms) for pattern, terms in GLOSSARY + TASKS
]


def registry_terms(intent: str) -> list[str]:
    """The passport words for the user words found in `intent`, in glossary order."""
    return [terms for pattern, terms in _COMPILED if pattern.search(intent)]


def read_as(intent: str) -> str:
    """The text that is embedded for a need: the need, then the registry's terms for it."""
    terms = registry_terms(intent)
    return f"{intent} ({'; '.join(terms)})" if terms else intent
