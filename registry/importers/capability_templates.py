"""The capabilities a catalog's stated facts imply, as data `derive.catalog_capabilities` walks.

Every template whose `when` holds becomes one capability, in the order below;
`FALLBACK` stands in when none does. Descriptions, intents, best_for,
limitations and requires are `str.format` templates over `model`, `summary`,
`provider`, `context_length` and `max_output_tokens`.
Changing a text changes published passports: bump `derive.IMPORTER_VERSION`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Literal


@dataclass(frozen=True)
class When:
    """The facts a capability follows from; every condition given must hold."""

    input: str | None = None  # the catalog lists this input modality
    output: str | None = None  # ... this output modality
    feature: str | None = None  # ... this feature (tools, structured_outputs, reasoning)
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
    description: str
    intents: tuple[str, ...]
    best_for: tuple[str, ...]
    limitations: tuple[str | Note, ...]
    requires: tuple[str, ...]  # after REQUIRES
    input_types: tuple[str, ...] | Stated
    output_types: tuple[str, ...] | Stated
    categories: tuple[str, ...]


SUMMARY = "{model} as listed by {provider}."  # when the catalog gives no description
REQUIRES = ("{provider} API key", "HTTP client for the provider's API")
CONTEXT_STATED = "Context window of {context_length:,} tokens as stated by the catalog"
CONTEXT_NOT_STATED = "Context window not stated by the catalog"
OUTPUT_STATED = "Output limited to {max_output_tokens:,} tokens per request"
TEXT_ONLY = "Text output only"

TEMPLATES: tuple[CapabilityTemplate, ...] = (
    CapabilityTemplate(
        when=When(output="text"),
        name="general chat and text generation",
        description="{summary}",
        intents=(
            "I need an assistant that answers questions and drafts text",
            "I want to summarize, rewrite or translate text",
            "I need a model for multi-turn conversation in my product",
        ),
        best_for=(
            "applications that need a general-purpose language model behind an API",
            "teams comparing models on price and context length",
        ),
        limitations=(Note.CONTEXT, Note.OUTPUT, Note.TEXT_ONLY),
        requires=(),
        input_types=Stated("input"),
        output_types=("text",),
        categories=("text-generation-language",),
    ),
    CapabilityTemplate(
        when=When(input="image", answers_in_text=True),
        name="image understanding and visual question answering",
        description="{model} accepts images alongside text and answers about them.",
        intents=(
            "I need to ask questions about a photo or a screenshot",
            "I want to pull text and fields out of images of documents",
            "I need charts and diagrams described in words",
        ),
        best_for=("document and screenshot processing", "visual question answering"),
        limitations=(
            "Image input as stated by the catalog; quality not yet measured",
            Note.CONTEXT,
        ),
        requires=("Images sent as base64 or URLs",),
        input_types=("image", "text"),
        output_types=Stated("output", drop=("embeddings",), default=("text",)),
        categories=("image-visual", "text-generation-language"),
    ),
    CapabilityTemplate(
        when=When(input="audio", answers_in_text=True),
        name="audio understanding and transcription",
        description="{model} accepts audio input.",
        intents=(
            "I need spoken audio turned into text",
            "I want to answer questions about a recording",
        ),
        best_for=("speech-to-text pipelines", "voice assistants"),
        limitations=("Audio input as stated by the catalog; accuracy not yet measured",),
        requires=("Audio files in a format the provider accepts",),
        input_types=("audio",),
        output_types=("text",),
        categories=("audio-speech",),
    ),
    CapabilityTemplate(
        when=When(input="video", answers_in_text=True),
        name="video understanding",
        description="{model} accepts video input.",
        intents=(
            "I need a video clip summarized",
            "I want to ask what happens in a video",
        ),
        best_for=("video summarization and search",),
        limitations=("Video input as stated by the catalog; length limits not stated",),
        requires=("Video uploads the provider accepts",),
        input_types=("video",),
        output_types=("text",),
        categories=("video-multimodal",),
    ),
    CapabilityTemplate(
        when=When(input="file", answers_in_text=True),
        name="document and PDF understanding",
        description="{model} accepts files such as PDFs as input.",
        intents=(
            "I need answers from a PDF report",
            "I want to extract tables and fields from uploaded documents",
        ),
        best_for=("contract and report review", "document question answering"),
        limitations=("File input as stated by the catalog", Note.CONTEXT),
        requires=("Files sent in a format the provider accepts",),
        input_types=("file", "text"),
        output_types=("text",),
        categories=("data-processing-analysis",),
    ),
    CapabilityTemplate(
        when=When(output="image"),
        name="image generation",
        description="{model} produces images.",
        intents=(
            "I need pictures created from a text prompt",
            "I want illustrations or product shots generated",
        ),
        best_for=("creative tools", "marketing imagery"),
        limitations=("Image output as stated by the catalog; quality not yet measured",),
        requires=(),
        input_types=Stated("input", drop=("audio",), default=("text",)),
        output_types=("image",),
        categories=("image-visual",),
    ),
    CapabilityTemplate(
        when=When(output="audio"),
        name="speech and audio generation",
        description="{model} produces audio.",
        intents=("I need text read aloud as natural speech", "I want generated audio"),
        best_for=("voice interfaces", "narration"),
        limitations=("Audio output as stated by the catalog",),
        requires=(),
        input_types=("text",),
        output_types=("audio",),
        categories=("audio-speech",),
    ),
    CapabilityTemplate(
        when=When(output="video"),
        name="video generation",
        description="{model} produces video.",
        intents=("I need a short video generated from a prompt",),
        best_for=("creative video tools",),
        limitations=("Video output as stated by the catalog",),
        requires=(),
        input_types=Stated("input", keep=("text", "image"), default=("text",)),
        output_types=("video",),
        categories=("video-multimodal",),
    ),
    CapabilityTemplate(
        when=When(output="embeddings"),
        name="text embeddings for search and retrieval",
        description="{model} turns text into vectors for semantic search.",
        intents=(
            "I need vectors for semantic search over my documents",
            "I want to cluster or deduplicate texts by meaning",
        ),
        best_for=("retrieval-augmented generation", "semantic search"),
        limitations=("Produces vectors, not text", Note.CONTEXT),
        requires=(),
        input_types=("text",),
        output_types=("embeddings",),
        categories=("search-retrieval",),
    ),
    CapabilityTemplate(
        when=When(feature="tools", answers_in_text=True),
        name="tool and function calling",
        description="{model} accepts tool definitions and returns structured calls.",
        intents=(
            "I need the model to call my functions and APIs",
            "I want an agent that picks tools to complete a task",
        ),
        best_for=("agents", "API orchestration"),
        limitations=("Tool support as stated by the catalog; not yet probed",),
        requires=("Tool schemas in the provider's function-calling format",),
        input_types=("text",),
        output_types=("structured text (tool calls)",),
        categories=("tool-use-integration",),
    ),
    CapabilityTemplate(
        when=When(feature="structured_outputs", answers_in_text=True),
        name="structured JSON output",
        description="{model} can be constrained to a JSON schema or JSON mode.",
        intents=(
            "I need answers as valid JSON with fixed keys",
            "I want data extraction that returns a schema I define",
        ),
        best_for=("data extraction pipelines", "form filling"),
        limitations=("Structured output as stated by the catalog; not yet probed",),
        requires=("A JSON schema or response_format setting",),
        input_types=("text",),
        output_types=("structured text (JSON)",),
        categories=("data-processing-analysis",),
    ),
    CapabilityTemplate(
        when=When(feature="reasoning", answers_in_text=True),
        name="step-by-step reasoning",
        description="{model} can think before answering (reasoning mode).",
        intents=(
            "I need hard math or logic problems worked through",
            "I want careful multi-step planning before an answer",
        ),
        best_for=("analysis", "planning", "coding problems"),
        limitations=("Reasoning tokens add latency and cost",),
        requires=(),
        input_types=("text",),
        output_types=("text",),
        categories=("planning-reasoning",),
    ),
    CapabilityTemplate(
        when=When(output="text", long_context=True),
        name="long-context document processing",
        description="{model} takes up to {context_length:,} tokens in one request.",
        intents=(
            "I need whole books or long contracts read in one request",
            "I want to ask questions across a very large codebase or report",
        ),
        best_for=("long document analysis", "large codebase questions"),
        limitations=(Note.CONTEXT,),
        requires=(),
        input_types=("text",),
        output_types=("text",),
        categories=("memory-knowledge",),
    ),
)

FALLBACK = CapabilityTemplate(
    when=When(),
    name="model inference",
    description="{summary}",
    intents=("I need {model} through an API",),
    best_for=("teams already using this provider",),
    limitations=("The catalog states no modalities for this model",),
    requires=(),
    input_types=Stated("input"),
    output_types=Stated("output"),
    categories=("deployment-infra",),
)
