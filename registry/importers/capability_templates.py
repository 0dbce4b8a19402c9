"""The capabilities a catalog's stated facts imply, as data `derive.catalog_capabilities` walks.

Every template whose `when` holds becomes one capability, in the order below;
`FALLBACK` stands in when none does. The texts come from the catalog first:
a capability's description is `lead` (a stated fact naming the model) plus the
description's sentences on its `topic`, its best_for lines are those sentences
that say what the model is for, and its intents are seeded from them
(`catalog_text`). The registry-written `intents` and `best_for` below only
fill what the catalog's prose leaves empty, and the capability says so in its
limitations (`WRITTEN_*`). `details` and `flag_intents` add a sentence or an
intent for each `supports_*` flag the catalog states (LiteLLM's names; derive
maps OpenRouter's parameters onto them).

Texts are `str.format` templates over `model`, `short` (the name without its
"Maker: "), `provider`, `what` (what the mode says the model is), `inputs`,
`outputs`, `summary`, `context_length`, `max_output_tokens` and `vector_size`.
Changing a text changes published passports: bump `derive.IMPORTER_VERSION`.
"""

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

_IMAGE = r"\b(?:images?|vision|visual(?:ly)?|photos?|pictures?|screenshots?|charts?|diagrams?|ocr|multimodal|vision-language)\b"
_AUDIO = r"\b(?:audio|speech|voices?|spoken|transcri\w+|listen\w*|podcasts?|asr|speech-to-text)\b"
_VIDEO = r"\bvideos?\b"
_FILE = r"\b(?:pdfs?|documents?|files?|contracts?|reports?)\b"
_TOOLS = r"\b(?:tools?|tool[- ]use|tool[- ]calling|function[- ]calling|functions|agents?|agentic|apis?)\b"
_JSON = r"\b(?:json|structured|schemas?)\b"
_REASONING = (
    r"\b(?:reason\w*|think\w*|math\w*|logic\w*|chain[- ]of[- ]thought|problem[- ]solving|stem)\b"
)
_LONG = (
    r"\b(?:context|long[- ](?:context|documents?|inputs?|form)|\d+[kKmM][- ]token|million tokens)\b"
)
_SEARCH = r"\b(?:web|search\w*|brows\w+|internet|real-time information|citations?|grounding)\b"
_COMPUTER = r"\b(?:computer[- ]use|desktop|browser|gui|clicks?|screens?)\b"
_MAKE_IMAGE = r"\b(?:images?|pictures?|illustrations?|art\w*|edit\w*|render\w*|photo\w*|visuals?|design\w*|styles?)\b"
_MAKE_AUDIO = r"\b(?:speech|voices?|audio|tts|narrat\w+|spoken|sing\w*|music)\b"
_MAKE_VIDEO = r"\b(?:videos?|clips?|motion|animat\w+|cinematic|scenes?)\b"
_EMBED = r"\b(?:embed\w*|vectors?|retrieval|search|semantic|similarity|rag)\b"

TEMPLATES: tuple[CapabilityTemplate, ...] = (
    CapabilityTemplate(
        when=When(output="text", modes=TEXT_MODES),
        name="general chat and text generation",
        lead="",
        topic=None,
        intents=(
            "I need an assistant that answers questions and drafts text",
            "I want a model to summarize, rewrite or translate text",
            "I need text classified or tagged, for example by sentiment or topic",
            "I need a model for multi-turn conversation in my product",
        ),
        best_for=("applications that need a general-purpose language model behind an API",),
        limitations=(Note.CONTEXT, Note.OUTPUT, Note.TEXT_ONLY),
        requires=(),
        input_types=Stated("input"),
        output_types=("text",),
        categories=("text-generation-language",),
        details=(("prompt_caching", "Repeated prompt prefixes can be cached at a lower price."),),
        flag_intents=(("prompt_caching", "I want long repeated prompts cached to cut their cost"),),
    ),
    CapabilityTemplate(
        when=When(input="image", answers_in_text=True, modes=(*TEXT_MODES, "realtime")),
        name="image understanding and visual question answering",
        lead="{model} accepts images alongside text and answers about them.",
        topic=_IMAGE,
        intents=(
            "I need a model to answer questions about a photo or a screenshot",
            "I want a model to pull text and fields out of images of documents",
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
        when=When(input="audio", answers_in_text=True, modes=(*TEXT_MODES, "realtime")),
        name="audio understanding and transcription",
        lead="{model} accepts audio input and answers in text.",
        topic=_AUDIO,
        intents=(
            "I need spoken audio turned into text",
            "I want a model to answer questions about a recording",
        ),
        best_for=("speech-to-text pipelines", "voice assistants"),
        limitations=("Audio input as stated by the catalog; accuracy not yet measured",),
        requires=("Audio files in a format the provider accepts",),
        input_types=("audio",),
        output_types=("text",),
        categories=("audio-speech",),
    ),
    CapabilityTemplate(
        when=When(modes=("audio_transcription",)),
        name="audio understanding and transcription",
        lead="{model} transcribes audio files into text.",
        topic=_AUDIO,
        intents=(
            "I need a model to transcribe recordings, calls or podcasts into text",
            "I want subtitles or meeting notes written from audio",
        ),
        best_for=("speech-to-text pipelines", "transcribing recorded audio"),
        limitations=("Transcription as stated by the catalog; accuracy not yet measured",),
        requires=("Audio files in a format the provider accepts",),
        input_types=("audio",),
        output_types=("text",),
        categories=("audio-speech",),
    ),
    CapabilityTemplate(
        when=When(input="video", answers_in_text=True, modes=TEXT_MODES),
        name="video understanding",
        lead="{model} accepts video input and answers in text.",
        topic=_VIDEO,
        intents=(
            "I need a video clip summarized",
            "I want a model to tell what happens in a video",
        ),
        best_for=("video summarization and search",),
        limitations=("Video input as stated by the catalog; length limits not stated",),
        requires=("Video uploads the provider accepts",),
        input_types=("video",),
        output_types=("text",),
        categories=("video-multimodal",),
    ),
    CapabilityTemplate(
        when=When(input="file", answers_in_text=True, modes=TEXT_MODES),
        name="document and PDF understanding",
        lead="{model} accepts files such as PDFs as input.",
        topic=_FILE,
        intents=(
            "I need answers from a PDF report",
            "I want a model to extract tables and fields from uploaded documents",
        ),
        best_for=("contract and report review", "document question answering"),
        limitations=("File input as stated by the catalog", Note.CONTEXT),
        requires=("Files sent in a format the provider accepts",),
        input_types=("file", "text"),
        output_types=("text",),
        categories=("data-processing-analysis",),
    ),
    CapabilityTemplate(
        when=When(modes=("ocr",)),
        name="OCR and document text extraction",
        lead="{model} reads the text out of images and PDF pages.",
        topic=_FILE,
        intents=(
            "I need a model to read the text out of scanned pages and PDFs",
            "I want invoices and receipts turned into text",
        ),
        best_for=("digitising scanned documents", "document ingestion pipelines"),
        limitations=("OCR as stated by the catalog; accuracy not yet measured",),
        requires=("Images or PDFs the provider accepts",),
        input_types=("image", "file"),
        output_types=("text",),
        categories=("data-processing-analysis", "image-visual"),
    ),
    CapabilityTemplate(
        when=When(output="image", modes=("", "chat", "image_generation")),
        name="image generation",
        lead="{model} makes images from a text prompt.",
        topic=_MAKE_IMAGE,
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
        when=When(modes=("image_edit",)),
        name="image editing",
        lead="{model} edits an image following a text instruction.",
        topic=_MAKE_IMAGE,
        intents=(
            "I need a model to change parts of a photo from a text instruction",
            "I want backgrounds removed or objects replaced in my images",
        ),
        best_for=("photo retouching tools", "product image variations"),
        limitations=("Image editing as stated by the catalog; quality not yet measured",),
        requires=("Images sent as files the provider accepts",),
        input_types=("image", "text"),
        output_types=("image",),
        categories=("image-visual",),
    ),
    CapabilityTemplate(
        when=When(output="audio", modes=("", "chat", "responses")),
        name="speech and audio generation",
        lead="{model} answers with generated audio as well as text.",
        topic=_MAKE_AUDIO,
        intents=(
            "I need a model to answer out loud in a natural voice",
            "I want generated audio",
        ),
        best_for=("voice interfaces", "narration"),
        limitations=("Audio output as stated by the catalog",),
        requires=(),
        input_types=("text",),
        output_types=("audio",),
        categories=("audio-speech",),
    ),
    CapabilityTemplate(
        when=When(modes=("audio_speech",)),
        name="speech and audio generation",
        lead="{model} reads text aloud as generated speech.",
        topic=_MAKE_AUDIO,
        intents=(
            "I need a model to read my text aloud in a natural voice",
            "I want narration or voice-over generated from a script",
        ),
        best_for=("voice interfaces", "narration and audiobooks"),
        limitations=("Speech output as stated by the catalog; voice quality not yet measured",),
        requires=(),
        input_types=("text",),
        output_types=("audio",),
        categories=("audio-speech",),
    ),
    CapabilityTemplate(
        when=When(modes=("realtime",)),
        name="realtime voice conversation",
        lead="{model} holds live spoken conversations over a streaming connection.",
        topic=_AUDIO,
        intents=(
            "I need a model for a voice agent that talks with callers live",
            "I want low-latency spoken back-and-forth",
        ),
        best_for=("voice agents", "live phone and call-centre assistants"),
        limitations=("Realtime audio as stated by the catalog; latency not yet measured",),
        requires=("A WebSocket or WebRTC client for the provider's realtime API",),
        input_types=("audio", "text"),
        output_types=("audio", "text"),
        categories=("audio-speech",),
    ),
    CapabilityTemplate(
        when=When(output="video", modes=("", "video_generation")),
        name="video generation",
        lead="{model} makes short videos from a prompt.",
        topic=_MAKE_VIDEO,
        intents=(
            "I need a short video generated from a prompt",
            "I want a model to animate a still image into a clip",
        ),
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
        lead="{model} turns text into {vector_size}vectors for semantic search and retrieval.",
        topic=_EMBED,
        intents=(
            "I need vectors for semantic search over my documents",
            "I want a model to cluster or deduplicate texts by meaning",
        ),
        best_for=("retrieval-augmented generation", "semantic search"),
        limitations=("Produces vectors, not text", Note.CONTEXT),
        requires=(),
        input_types=("text",),
        output_types=("embeddings",),
        categories=("search-retrieval",),
        details=(("embedding_image_input", "It embeds images as well as text."),),
        flag_intents=(("embedding_image_input", "I need images and text in one vector space"),),
    ),
    CapabilityTemplate(
        when=When(modes=("rerank",)),
        name="search result reranking",
        lead="{model} orders documents by relevance to a query.",
        topic=_EMBED,
        intents=(
            "I need a model to rerank search results by relevance to the query",
            "I want the best passages picked for my RAG prompt",
        ),
        best_for=("retrieval-augmented generation", "search relevance"),
        limitations=("Returns relevance scores, not text",),
        requires=(),
        input_types=("text",),
        output_types=("relevance scores",),
        categories=("search-retrieval",),
    ),
    CapabilityTemplate(
        when=When(modes=("moderation",)),
        name="content moderation",
        lead="{model} flags harmful or policy-breaking text.",
        topic=None,
        intents=(
            "I need a model to flag hateful, violent or sexual content in user posts",
            "I want user messages screened for policy violations",
        ),
        best_for=("trust and safety pipelines", "user-generated content review"),
        limitations=("Returns category flags and scores, not text",),
        requires=(),
        input_types=("text",),
        output_types=("moderation categories",),
        categories=("security-safety",),
    ),
    CapabilityTemplate(
        when=When(modes=("search",)),
        name="web search",
        lead="{model} returns search results for a query.",
        topic=_SEARCH,
        intents=(
            "I need a model to search the web for current results",
            "I want fresh web pages found for my agent's questions",
        ),
        best_for=("agents that need current information", "research tools"),
        limitations=("Returns search results, not a written answer",),
        requires=(),
        input_types=("text",),
        output_types=("search results",),
        categories=("search-retrieval",),
    ),
    CapabilityTemplate(
        when=When(flag="function_calling", answers_in_text=True, modes=(*TEXT_MODES, "realtime")),
        name="tool and function calling",
        lead="{model} accepts tool definitions and returns structured calls.",
        topic=_TOOLS,
        intents=(
            "I need a model to call my functions and APIs",
            "I want an agent that picks tools to complete a task",
        ),
        best_for=("agents", "API orchestration"),
        limitations=("Tool support as stated by the catalog; not yet probed",),
        requires=("Tool schemas in the provider's function-calling format",),
        input_types=("text",),
        output_types=("structured text (tool calls)",),
        categories=("tool-use-integration",),
        details=(
            ("parallel_function_calling", "It can return several tool calls in one turn."),
            ("tool_choice", "The caller can make it use a given tool."),
        ),
        flag_intents=(
            (
                "parallel_function_calling",
                "I need a model to make several API calls in parallel in one turn",
            ),
        ),
    ),
    CapabilityTemplate(
        when=When(flag="response_schema", answers_in_text=True, modes=TEXT_MODES),
        name="structured JSON output",
        lead="{model} can be constrained to a JSON schema or JSON mode.",
        topic=_JSON,
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
        when=When(flag="reasoning", answers_in_text=True, modes=TEXT_MODES),
        name="step-by-step reasoning",
        lead="{model} can think before answering (reasoning mode).",
        topic=_REASONING,
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
        details=(
            ("adaptive_thinking", "It decides for itself how long to think."),
            ("xhigh_reasoning_effort", "Reasoning effort goes up to extra high."),
        ),
    ),
    CapabilityTemplate(
        when=When(flag="web_search", answers_in_text=True, modes=TEXT_MODES),
        name="answers grounded in web search",
        lead="{model} can search the web while answering.",
        topic=_SEARCH,
        intents=(
            "I need a model to answer with current information from the web",
            "I want answers that cite web sources",
        ),
        best_for=("questions about recent events", "research with citations"),
        limitations=("Web search as stated by the catalog; searches may cost extra",),
        requires=(),
        input_types=("text",),
        output_types=("text",),
        categories=("search-retrieval",),
        details=(("url_context", "It can also read pages at URLs given in the prompt."),),
    ),
    CapabilityTemplate(
        when=When(flag="computer_use", answers_in_text=True, modes=TEXT_MODES),
        name="computer use",
        lead="{model} can operate a computer: it reads screenshots and returns mouse and keyboard actions.",
        topic=_COMPUTER,
        intents=(
            "I need a model to click through a website or desktop app for me",
            "I want a model to automate a GUI task from screenshots",
        ),
        best_for=("browser and desktop automation", "testing user interfaces"),
        limitations=("Computer use as stated by the catalog; not yet probed",),
        requires=("A sandboxed machine that runs the actions",),
        input_types=("image", "text"),
        output_types=("structured text (actions)",),
        categories=("tool-use-integration",),
    ),
    CapabilityTemplate(
        when=When(output="text", long_context=True, modes=TEXT_MODES),
        name="long-context document processing",
        lead="{model} takes up to {context_length:,} tokens in one request.",
        topic=_LONG,
        intents=(
            "I need whole books or long contracts read in one request",
            "I want a model to answer questions across a very large codebase or report",
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
    lead="",
    topic=None,
    intents=("I need {model} through an API",),
    best_for=("teams already using this provider",),
    limitations=("The catalog states no modalities for this model",),
    requires=(),
    input_types=Stated("input"),
    output_types=Stated("output"),
    categories=("deployment-infra",),
)
