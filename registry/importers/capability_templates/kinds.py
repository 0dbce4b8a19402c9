"""The shapes of a capability template and the fixed lines templates share."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Literal

# LiteLLM modes answered in text like a chat model; "" is a catalog that states no mode
# (OpenRouter), where the modalities decide.
TEXT_MODES = ("", "chat", "completion", "responses")


@dataclass(frozen=True)
class When:
    """The facts a capability follows from; every condition given must hold."""

    input: str | None = None  # the catalog lists this input modality
    output: str | None = None  # ... this output modality
    flag: str | None = None  # ... this supports_* flag (function_calling, reasoning, ...)
    modes: tuple[str, ...] | None = None  # the stated mode is one of these ("" = none stated)
    answers_in_text: bool = False  # the model gives text (or another text-like output)
    long_context: bool = False  # the context window reaches derive.LONG_CONTEXT_TOKENS


@dataclass(frozen=True)
class Stated:
    """The modalities the catalog states on one side, filtered; `default` if none are left."""

    side: Literal["input", "output"]
    keep: tuple[str, ...] | None = None
    drop: tuple[str, ...] = ()
    default: tuple[str, ...] = ()


class Note(Enum):
    """A limitation line that reports a stated fact; it may be absent."""

    CONTEXT = "context"  # the context window, or that the catalog does not state it
    OUTPUT = "output"  # the output limit, when stated
    TEXT_ONLY = "text only"  # when text is the only output


@dataclass(frozen=True)
class CapabilityTemplate:
    """One capability's texts and types, and the facts it follows from."""

    when: When
    name: str
    # A stated fact about {model}, after "{model} {what}." and the stated facts in words
    # when the catalog has no prose for the model's first capability.
    lead: str
    topic: str | None  # regex for the catalog's sentences on it; None: every sentence
    intents: tuple[str, ...]  # registry-written, used only when the catalog seeds < 2
    best_for: tuple[str, ...]  # registry-written, used only when the catalog gives none
    limitations: tuple[str | Note, ...]
    requires: tuple[str, ...]  # after REQUIRES
    input_types: tuple[str, ...] | Stated
    output_types: tuple[str, ...] | Stated
    categories: tuple[str, ...]
    details: tuple[tuple[str, str], ...] = ()  # (flag, sentence added to the description)
    flag_intents: tuple[tuple[str, str], ...] = ()  # (flag, intent)


SUMMARY = "{model} as listed by {provider}."  # when the catalog gives no description
REQUIRES = ("{provider} API key", "HTTP client for the provider's API")
CONTEXT_STATED = "Context window of {context_length:,} tokens as stated by the catalog"
CONTEXT_NOT_STATED = "Context window not stated by the catalog"
OUTPUT_STATED = "Output limited to {max_output_tokens:,} tokens per request"
TEXT_ONLY = "Text output only"
WRITTEN_NO_DESCRIPTION = (
    "Intents written by the registry from catalog facts; the catalog gives no description"
)
WRITTEN_NOT_COVERED = (
    "Intents written by the registry from catalog facts; "
    "the catalog's description does not speak to this capability"
)
WRITTEN_IN_PART = "Some intents written by the registry from catalog facts"

# What a stated mode says the model is (the general capability's lead).
MODE_WHAT = {
    "": "is listed by {provider}",
    "chat": "is a chat model served by {provider}",
    "completion": "is a text completion model served by {provider}",
    "responses": "is served by {provider} through the Responses API",
    "embedding": "is an embedding model served by {provider}",
    "image_generation": "is an image generation model served by {provider}",
    "image_edit": "is an image editing model served by {provider}",
    "audio_transcription": "is a speech-to-text model served by {provider}",
    "audio_speech": "is a text-to-speech model served by {provider}",
    "realtime": "is a realtime model served by {provider}",
    "video_generation": "is a video generation model served by {provider}",
    "rerank": "is a reranking model served by {provider}",
    "moderation": "is a moderation model served by {provider}",
    "ocr": "is an OCR model served by {provider}",
    "search": "is a web search API served by {provider}",
}
# How a supports_* flag reads in a sentence; a flag not named here reads as its words.
FLAG_WORDS = {
    "function_calling": "function calling",
    "parallel_function_calling": "parallel function calls",
    "tool_choice": "forced tool choice",
    "response_schema": "JSON schema responses",
    "native_structured_output": "native structured output",
    "reasoning": "reasoning",
    "prompt_caching": "prompt caching",
    "web_search": "web search",
    "url_context": "reading URLs",
    "computer_use": "computer use",
    "vision": "image input",
    "image_input": "image input",
    "pdf_input": "PDF input",
    "audio_input": "audio input",
    "audio_output": "audio output",
    "video_input": "video input",
    "system_messages": "system messages",
    "assistant_prefill": "assistant prefill",
    "native_streaming": "native streaming",
    "embedding_image_input": "image embeddings",
}
# Flags that say how a request is shaped, not what the model can do: left out of sentences.
QUIET_FLAGS = frozenset(
    {
        "system_messages",
        "assistant_prefill",
        "native_streaming",
        "output_config",
        "mid_conversation_system",
        "sampling_params",
        "speed",
        "multimodal",
        "image_size",
        "nova_canvas_image_edit",
        "parallel_tool_use_config",
    }
)
