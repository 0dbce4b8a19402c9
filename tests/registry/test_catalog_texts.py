"""Catalog-derived capability texts: from what the catalog says about each model."""

from __future__ import annotations

from typing import Any

from registry.importers.derive import CatalogFacts, catalog_capabilities
from registry.importers.litellm.facts import group_facts
from registry.importers.litellm.names import Entry
from registry.importers.openrouter import model_facts

NO_DESCRIPTION = (
    "Intents written by the registry from catalog facts; the catalog gives no description"
)
VOXTRAL = {
    "id": "mistralai/voxtral-small-24b-2507",
    "name": "Mistral: Voxtral Small 24B 2507",
    "description": (
        "Voxtral Small is an enhancement of [Mistral Small 3](/mistralai/mistral-small-3), "
        "incorporating state-of-the-art audio input capabilities while retaining best-in-class "
        "text performance. It excels at speech transcription, translation and audio "
        "understanding.\n\n#audio #multimodal"
    ),
    "context_length": 32000,
    "architecture": {"input_modalities": ["text", "audio"], "output_modalities": ["text"]},
    "pricing": {"prompt": "0.0000001", "completion": "0.0000003"},
    "supported_parameters": ["max_tokens", "tools"],
}


def texts(cap: dict[str, Any]) -> dict[str, Any]:
    return {k: cap[k] for k in ("name", "description", "intents", "best_for", "limitations")}


def litellm(key: str, record: dict[str, Any]) -> list[dict[str, Any]]:
    entry = Entry(key=key, provider=record["litellm_provider"], path=key, model=key, record=record)
    return catalog_capabilities(group_facts([entry], key), provider=entry.provider)


def test_openrouter_description_gives_the_texts() -> None:
    _model_id, facts = model_facts(VOXTRAL)
    caps = catalog_capabilities(facts, provider="OpenRouter")
    assert [c["name"] for c in caps] == [
        "general chat and text generation",
        "audio understanding and transcription",
        "tool and function calling",
    ]
    purpose = "It excels at speech transcription, translation and audio understanding."
    seeded = "I need a model for speech transcription, translation and audio understanding"
    first = (
        "Voxtral Small is an enhancement of Mistral Small 3, incorporating state-of-the-art "
        "audio input capabilities while retaining best-in-class text performance."
    )
    assert texts(caps[0]) == {
        "name": "general chat and text generation",
        "description": f"{first} {purpose}",
        "intents": [
            seeded,
            "I need an assistant that answers questions and drafts text",
            "I want a model to summarize, rewrite or translate text",
            "I need text classified or tagged, for example by sentiment or topic",
            "I need a model for multi-turn conversation in my product",
        ],
        "best_for": [
            purpose,
            "inputs of up to 32,000 tokens (32,000-token context)",
            "budgets priced per token: $0.10 per 1M input tokens and $0.30 per 1M output tokens",
        ],
        "limitations": [
            "Context window of 32,000 tokens as stated by the catalog",
            "Text output only",
            "Some intents written by the registry from catalog facts",
        ],
    }
    assert texts(caps[1]) == {
        "name": "audio understanding and transcription",
        "description": (
            f"Mistral: Voxtral Small 24B 2507 accepts audio input and answers in text. "
            f"{first} {purpose}"
        ),
        "intents": [
            seeded,
            "I need spoken audio turned into text",
            "I want a model to answer questions about a recording",
        ],
        "best_for": [purpose],
        "limitations": [
            "Audio input as stated by the catalog; accuracy not yet measured",
            "Some intents written by the registry from catalog facts",
        ],
    }
    # The description says nothing about tools: the registry's texts, and it says so.
    assert caps[2]["limitations"][-1] == (
        "Intents written by the registry from catalog facts; "
        "the catalog's description does not speak to this capability"
    )


def test_differently_described_models_get_different_texts() -> None:
    _id, voxtral = model_facts(VOXTRAL)
    _id, other = model_facts(
        dict(
            VOXTRAL,
            id="acme/ear-1",
            name="Acme: Ear 1",
            description="Ear 1 is designed for call-centre analytics. It detects the speaker's mood.",
        )
    )
    a, b = (catalog_capabilities(f, provider="OpenRouter")[0] for f in (voxtral, other))
    assert a["description"] != b["description"]
    assert a["intents"][0] == (
        "I need a model for speech transcription, translation and audio understanding"
    )
    assert b["intents"][0] == "I need a model for call-centre analytics"
    assert b["best_for"][0] == "Ear 1 is designed for call-centre analytics."


def test_record_without_description_gets_the_templates_and_says_so() -> None:
    facts = CatalogFacts(name="Acme: Plain 1", context_length=8192)
    [cap] = catalog_capabilities(facts, provider="OpenRouter")
    assert texts(cap) == {
        "name": "general chat and text generation",
        "description": (
            "Acme: Plain 1 is listed by OpenRouter. It takes text and gives text. "
            "Its context window is 8,192 tokens."
        ),
        "intents": [
            "I need an assistant that answers questions and drafts text",
            "I want a model to summarize, rewrite or translate text",
            "I need text classified or tagged, for example by sentiment or topic",
            "I need a model for multi-turn conversation in my product",
        ],
        "best_for": [
            "applications that need a general-purpose language model behind an API",
            "inputs of up to 8,192 tokens (8,192-token context)",
        ],
        "limitations": [
            "Context window of 8,192 tokens as stated by the catalog",
            "Text output only",
            NO_DESCRIPTION,
        ],
    }


def test_litellm_audio_transcription_entry() -> None:
    caps = litellm(
        "whisper-1",
        {
            "input_cost_per_second": 0.0001,
            "litellm_provider": "openai",
            "mode": "audio_transcription",
            "supported_endpoints": ["/v1/audio/transcriptions"],
        },
    )
    assert [texts(c) for c in caps] == [
        {
            "name": "audio understanding and transcription",
            "description": (
                "whisper-1 is a speech-to-text model served by openai. "
                "whisper-1 transcribes audio files into text. It takes audio and gives text."
            ),
            "intents": [
                "I need a model to transcribe recordings, calls or podcasts into text",
                "I want subtitles or meeting notes written from audio",
            ],
            "best_for": [
                "speech-to-text pipelines",
                "transcribing recorded audio",
                "budgets priced per use: $0.0001 per second of input",
            ],
            "limitations": [
                "Transcription as stated by the catalog; accuracy not yet measured",
                NO_DESCRIPTION,
            ],
        }
    ]


def test_litellm_embedding_entry() -> None:
    caps = litellm(
        "text-embedding-3-small",
        {
            "input_cost_per_token": 2e-08,
            "litellm_provider": "openai",
            "max_input_tokens": 8191,
            "mode": "embedding",
            "output_cost_per_token": 0.0,
            "output_vector_size": 1536,
        },
    )
    assert [texts(c) for c in caps] == [
        {
            "name": "text embeddings for search and retrieval",
            "description": (
                "text-embedding-3-small is an embedding model served by openai. "
                "text-embedding-3-small turns text into 1,536-dimension vectors for semantic "
                "search and retrieval. It takes text and gives vectors. "
                "Its context window is 8,191 tokens."
            ),
            "intents": [
                "I need vectors for semantic search over my documents",
                "I want a model to cluster or deduplicate texts by meaning",
            ],
            "best_for": [
                "retrieval-augmented generation",
                "semantic search",
                "inputs of up to 8,191 tokens (8,191-token context)",
                "budgets priced per token: $0.02 per 1M input tokens",
            ],
            "limitations": [
                "Produces vectors, not text",
                "Context window of 8,191 tokens as stated by the catalog",
                NO_DESCRIPTION,
            ],
        }
    ]


def test_litellm_image_generation_entry() -> None:
    caps = litellm(
        "dall-e-3",
        {"input_cost_per_image": 0.04, "litellm_provider": "openai", "mode": "image_generation"},
    )
    assert [(c["name"], c["description"], c["best_for"]) for c in caps] == [
        (
            "image generation",
            "dall-e-3 is an image generation model served by openai. "
            "dall-e-3 makes images from a text prompt. It takes text and gives images.",
            ["creative tools", "marketing imagery", "budgets priced per use: $0.04 per image"],
        )
    ]


def test_litellm_chat_entry_states_its_flags() -> None:
    caps = litellm(
        "acme-chat-1",
        {
            "litellm_provider": "acme",
            "mode": "chat",
            "max_input_tokens": 128000,
            "max_output_tokens": 16384,
            "input_cost_per_token": 2.5e-06,
            "output_cost_per_token": 1e-05,
            "supports_function_calling": True,
            "supports_parallel_function_calling": True,
            "supports_prompt_caching": True,
            "supports_system_messages": True,
            "supports_web_search": True,
        },
    )
    assert [c["name"] for c in caps] == [
        "general chat and text generation",
        "tool and function calling",
        "answers grounded in web search",
    ]
    assert caps[0]["description"] == (
        "acme-chat-1 is a chat model served by acme. It takes text and gives text. "
        "The catalog states support for function calling, parallel function calls, "
        "prompt caching and web search. Its context window is 128,000 tokens and it writes "
        "up to 16,384 tokens per request. Repeated prompt prefixes can be cached at a lower price."
    )
    assert caps[1]["intents"][-1] == (
        "I need a model to make several API calls in parallel in one turn"
    )
    assert caps[0]["best_for"][-1] == (
        "budgets priced per token: $2.50 per 1M input tokens and $10.00 per 1M output tokens"
    )


def test_markdown_and_cut_short_descriptions_read_as_sentences() -> None:
    from registry.importers.catalog_text import sentences

    text = (
        "Sonnet is particularly good at:\n\n- Coding: writes and fixes code\n- Agentic tasks: tool use\n\n"
        "Read more [here](https://example.com). It is suited for coding, research, and long "
        "agent tasks, with flexible thinking that can be..."
    )
    assert [(s.text, s.listed_purpose) for s in sentences(text)] == [
        ("Coding: writes and fixes code.", True),
        ("Agentic tasks: tool use.", True),
        ("It is suited for coding, research, and long agent tasks.", False),
    ]
