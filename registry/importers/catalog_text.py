"""What a catalog's prose says about one model, as sentences a passport can use.

OpenRouter's descriptions are Markdown written for people: links, bullet
lists, hashtags, and in later snapshots a last sentence cut short with "...".
`sentences` turns one into plain sentences, each ending in a full stop;
`is_purpose` picks the ones saying what the model is for (they become best_for
lines), `task_intent` turns such a sentence into an intent in a user's voice,
and `about` keeps the sentences on one topic (a capability's own sentences).
Pure functions; no Django.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_IMAGE_LINK = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_URL = re.compile(r"<?https?://[^\s>)]+>?")
_EMPHASIS = re.compile(r"\*\*|__|`")
# "#multimodal"; not "C#" (a word character before) nor a heading (handled first).
_HASHTAG = re.compile(r"(?<![\w#])#[A-Za-z][\w-]*")
_HEADING = re.compile(r"^\s*#{1,6}\s+")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])")
_NOISE = re.compile(
    r"\b(?:read|learn) more\b|\bfor more (?:details|information)\b|\bsee (?:the )?"
    r"(?:launch|blog|announcement|docs|documentation)\b|^note:?$",
    re.IGNORECASE,
)
_TRUNCATED = ("...", "…")
MIN_WORDS = 4

PURPOSE = re.compile(
    r"\b(?:designed|optimi[sz]ed|built|tailored|intended|geared|fine-tuned|"
    r"purpose-built|specialized)\s+(?:specifically\s+|primarily\s+|especially\s+)?"
    r"(?:for|to|toward|towards)\b"
    r"|\bexcels?\s+(?:at|in)\b|\bideal\s+(?:for|to)\b|\buse[- ]cases?\b"
    r"|\b(?:well[- ])?suit(?:ed|able)\s+(?:for|to)\b|\bsupports?\b"
    r"|\b(?:particularly\s+|especially\s+)?(?:good|great|strong|best)\s+(?:at|for|in)\b"
    r"|\bspeciali[sz]es\s+in\b|\bperfect\s+for\b|\bfocus(?:es|ed)?\s+on\b"
    r"|\bcan\s+be\s+used\s+(?:for|to)\b|\bmaking\s+it\s+(?:ideal|suitable|well-suited|great)\b"
    r"|\bapplications?\s+(?:such\s+as|like|including)\b|\btargets?\b",
    re.IGNORECASE,
)
# The trigger words after which the task itself is named, and the preposition kept.
_TASK = re.compile(
    r"\b(?:designed|optimi[sz]ed|built|tailored|intended|geared|fine-tuned|purpose-built|"
    r"specialized)\s+(?:specifically\s+|primarily\s+|especially\s+)?(?P<p1>for|to)\s+"
    r"|\bexcels?\s+(?:at|in)\s+|\bideal\s+(?P<p2>for|to)\s+"
    r"|\buse[- ]cases?\s+(?:include|including|like|such as|span|spanning|are|:)?\s*"
    r"|\b(?:well[- ])?suit(?:ed|able)\s+(?P<p3>for|to)\s+"
    r"|\b(?:particularly\s+|especially\s+)?(?:good|great|strong|best)\s+(?:at|for|in)\s+"
    r"|\bspeciali[sz]es\s+in\s+|\bperfect\s+for\s+|\bcan\s+be\s+used\s+(?P<p4>for|to)\s+"
    r"|\bapplications?\s+(?:such\s+as|like|including)\s+",
    re.IGNORECASE,
)
_TASK_END = re.compile(
    r"[;:(]|\s[—–-]\s|,\s+(?:while|with|making|which|thanks|and\s+(?:it|is|has|offers|can|"
    r"supports?|delivers?|provides?)|but|as|offering|delivering|providing|enabling|"
    r"achieving|outperforming|rivaling|matching|where)\b|\s+(?:thanks\s+to|while|compared\s+to|"
    r"without|at\s+a\s+fraction|across\s+\d)\b|\.(?:\s|$)",
    re.IGNORECASE,
)
MAX_TASK_WORDS = 16


@dataclass(frozen=True)
class Sentence:
    """One sentence of a description; `listed_purpose` when it is an item of a list that a
    purpose sentence introduces ("Sonnet is particularly good at:")."""

    text: str
    listed_purpose: bool = False


def sentences(description: str) -> list[Sentence]:
    """The description's sentences, in order, as plain text ending in a full stop."""
    text = _IMAGE_LINK.sub("", description)
    text = _LINK.sub(r"\1", text)
    text = _URL.sub("", text)
    text = _EMPHASIS.sub("", text)
    truncated = text.rstrip().endswith(_TRUNCATED)
    chunks: list[tuple[str, bool]] = []  # (text, is a list item)
    paragraph: list[str] = []
    for raw in text.splitlines():
        line = _HASHTAG.sub("", _HEADING.sub("", raw)).strip()
        if not line:
            if paragraph:
                chunks.append((" ".join(paragraph), False))
                paragraph = []
            continue
        if _BULLET.match(line):
            if paragraph:
                chunks.append((" ".join(paragraph), False))
                paragraph = []
            chunks.append((_BULLET.sub("", line), True))
        else:
            paragraph.append(line)
    if paragraph:
        chunks.append((" ".join(paragraph), False))

    found: list[Sentence] = []
    in_purpose_list = False
    for chunk, is_item in chunks:
        if not is_item:
            in_purpose_list = False
        for part in _SPLIT.split(chunk):
            sentence = " ".join(part.split())
            if sentence.endswith(":") and not is_item:
                # An introduction: its list items say what it introduces.
                in_purpose_list = bool(PURPOSE.search(sentence))
                continue
            if sentence and not sentence.endswith((".", "!", "?", *_TRUNCATED)):
                sentence = sentence.rstrip(":,;") + "."
            if len(sentence.split()) < MIN_WORDS or _NOISE.search(sentence):
                continue
            found.append(Sentence(sentence, listed_purpose=is_item and in_purpose_list))
    if truncated and found and found[-1].text.endswith(_TRUNCATED):
        found[-1:] = _cut_short(found[-1])
    return found


def _cut_short(last: Sentence) -> list[Sentence]:
    """A sentence the catalog cut off with "...": up to its last full clause, or nothing."""
    body = last.text.rstrip(".… ")
    clause = body.rsplit(",", 1)[0] if "," in body else ""
    if len(clause.split()) < MIN_WORDS + 2:
        return []
    return [Sentence(clause + ".", last.listed_purpose)]


def is_purpose(sentence: Sentence) -> bool:
    """Whether the sentence says what the model is for (designed for, excels at, ...)."""
    return sentence.listed_purpose or bool(PURPOSE.search(sentence.text))


def task_intent(sentence: Sentence) -> str | None:
    """A need in a user's voice from a sentence naming a task: "optimized for agentic
    coding and tool use" -> "I need a model for agentic coding and tool use"."""
    if sentence.listed_purpose:
        # "Coding: Scores ~49% on SWE-Bench ..." -> the heading names the task.
        head = sentence.text.split(":", 1)[0].strip()
        if ":" in sentence.text and 0 < len(head.split()) <= 5:
            return f"I need a model for {head[0].lower()}{head[1:]}"
        return None
    match = _TASK.search(sentence.text)
    if match is None:
        return None
    rest = sentence.text[match.end() :]
    end = _TASK_END.search(rest)
    task = (rest[: end.start()] if end else rest).strip().rstrip(".!?,")
    words = task.split()
    if not words or len(words) > MAX_TASK_WORDS or not task[0].isalnum():
        return None
    to = "to" in {match.group(g) for g in ("p1", "p2", "p3", "p4")}
    return f"I need a model {'to' if to else 'for'} {task}"


def about(found: list[Sentence], topic: re.Pattern[str]) -> list[Sentence]:
    """The sentences on one topic, in order."""
    return [s for s in found if topic.search(s.text)]
