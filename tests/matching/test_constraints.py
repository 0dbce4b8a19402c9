from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from matching.constraints import FilterError, apply_filters, read_constraints


@pytest.mark.parametrize(
    ("intent", "inputs", "outputs", "context"),
    [
        ("read a bar chart image and explain the trend", ["image"], [], None),
        ("generate a photorealistic picture of a cat", [], ["image"], None),
        ("transcribe a podcast recording", ["audio"], [], None),
        ("summarize a video clip", ["video"], [], None),
        ("make a short video of my dog surfing", [], ["video"], None),
        ("read screenshots of invoices and return JSON", ["image"], [], None),
        ("summarize 300-page contracts", [], [], 150000),
        ("questions about a PDF annual report", ["file"], [], None),
        ("narrate my blog posts", [], ["audio"], None),
        ("embeddings for semantic search", [], ["embeddings"], None),
        ("fit a 1M token codebase in one prompt", [], [], 1000000),
        ("chat with a 128k context window", [], [], 128000),
        ("write a haiku about autumn", [], [], None),
        ("speak my articles aloud in a natural voice", [], ["audio"], None),
        ("vectors for semantic search over my wiki", [], ["embeddings"], None),
        # What is made is the caption, not an image; "make sure" makes nothing.
        ("generate a caption for a photo", ["image"], [], None),
        ("make sure the uploaded picture is safe for work", ["image"], [], None),
        ("create an image recognition tool for our warehouse", ["image"], [], None),
        ("create a content filter for pictures users post", ["image"], [], None),
        ("compose a playlist of songs for a road trip", [], [], None),
        # Converting into speech makes audio; the text is what is given.
        ("turn this blog post into spoken audio", [], ["audio"], None),
        ("convert our written rules into an audio file", [], ["audio"], None),
        ("a bot that reads out incoming messages", [], ["audio"], None),
        # ... and what is converted is still given.
        ("turn this photo into speech", ["image"], ["audio"], None),
        ("convert these scanned pages into audio", ["image"], ["audio"], None),
        # Reviews of movies are text, and a video game is a game.
        ("classify movie reviews as positive or negative", [], [], None),
        ("recommend a video game for my nephew", [], [], None),
        # An image that is to be made is not also an input ...
        ("we need AI-generated images of shoes for the shop", [], ["image"], None),
        ("a poster image for the party: create an image of a rocket", [], ["image"], None),
        # ... unless the words say it is given.
        ("generate new images from our product photos", ["image"], ["image"], None),
        ("transcribe the interview and make a podcast episode", ["audio"], ["audio"], None),
    ],
)
def test_constraints_read_from_words(
    intent: str, inputs: list[str], outputs: list[str], context: int | None
) -> None:
    required = read_constraints(intent)
    assert (required.input_modalities, required.output_modalities, required.min_context) == (
        inputs,
        outputs,
        context,
    )


def test_price_free_and_open_weights() -> None:
    required = read_constraints("an open-weights model under $0.50 per 1M tokens")
    assert (required.max_prompt_price, required.open_weights) == (Decimal("0.50"), True)
    assert required.understood == [
        "prompt price at most $0.50 per 1M tokens (from 'under $0.50 per 1M')",
        "open weights (from 'open-weights')",
    ]
    assert read_constraints("a free model for my side project").max_prompt_price == Decimal(0)


@pytest.mark.parametrize(
    ("need", "free"),
    [
        ("free coding assistant with function calling", "free coding assistant"),
        ("a free LLM to tag support tickets", "free LLM"),
        ("summarize articles for free", "for free"),
        ("free chatbot for my discord", "free chatbot"),
        ("parse free-form text into fields", None),
        ("a sugar-free recipe generator model", None),
        ("free up memory in my code", None),
    ],
)
def test_free_is_read_where_it_is_about_price(need: str, free: str | None) -> None:
    required = read_constraints(need)
    read = [line for line in required.understood if line.startswith("free to use")]
    assert read == ([f"free to use (from '{free}')"] if free else [])
    assert required.max_prompt_price == (Decimal(0) if free else None)


def test_explicit_filters_win() -> None:
    required = apply_filters(
        read_constraints("describe this photo"),
        {"input_modalities": ["audio"], "min_context": 5000},
    )
    assert (required.input_modalities, required.min_context) == (["audio"], 5000)


@pytest.mark.parametrize(
    ("filters", "field", "message"),
    [
        ("image", "filters", "filters must be an object"),
        (
            {"modality": ["image"]},
            "filters.modality",
            "filters.modality is not a known filter; use input_modalities, output_modalities, min_context, max_prompt_price, open_weights, type, variant, free",
        ),
        (
            {"input_modalities": "image"},
            "filters.input_modalities",
            "filters.input_modalities must be a list of strings",
        ),
        (
            {"input_modalities": ["smell"]},
            "filters.input_modalities",
            "filters.input_modalities: unknown modality 'smell'; use text, image, audio, video, file",
        ),
        (
            {"min_context": -1},
            "filters.min_context",
            "filters.min_context must be an integer from 0 to 1000000000 or null",
        ),
        (
            {"min_context": True},
            "filters.min_context",
            "filters.min_context must be an integer from 0 to 1000000000 or null",
        ),
        (
            {"max_prompt_price": "cheap"},
            "filters.max_prompt_price",
            "filters.max_prompt_price must be a number from 0 to 1000000 or null",
        ),
        (
            {"open_weights": "yes"},
            "filters.open_weights",
            "filters.open_weights must be true, false or null",
        ),
    ],
)
def test_bad_filters_are_named(filters: Any, field: str, message: str) -> None:
    with pytest.raises(FilterError) as caught:
        apply_filters(read_constraints("anything"), filters)
    assert (caught.value.field, caught.value.message) == (field, message)


def test_prices_and_sizes_in_words_are_held_to_the_filters_bounds() -> None:
    """A ceiling or a size past what a filter takes is read as the largest one (issue 14):
    nothing stored or compared overflows a column or a JSON number."""
    huge = "9" * 400
    required = read_constraints(f"a model under ${huge} per 1M tokens")
    assert required.max_prompt_price == Decimal(1_000_000)
    assert required.understood == [
        f"prompt price at most $1000000 per 1M tokens (from 'under ${huge} per 1M')"
    ]
    required = read_constraints(f"summarise a {huge} page PDF")
    assert required.min_context == 1_000_000_000
    assert required.as_dict()["max_prompt_price"] is None
