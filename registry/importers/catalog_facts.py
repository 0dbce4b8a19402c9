"""What one catalog entry states about a model, as the importers pass it around."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

PER_MILLION = Decimal(1_000_000)


@dataclass
class CatalogFacts:
    """What one catalog entry states about a model."""

    name: str
    description: str = ""
    context_length: int | None = None
    max_output_tokens: int | None = None
    input_modalities: list[str] = field(default_factory=lambda: ["text"])
    output_modalities: list[str] = field(default_factory=lambda: ["text"])
    prompt_price: str = ""  # USD per token, as given
    completion_price: str = ""
    features: list[str] = field(default_factory=list)  # tools, structured_outputs, reasoning
    open_weights: bool | None = None
    hugging_face_id: str = ""
    release_date: datetime | None = None
    supported_parameters: list[str] = field(default_factory=list)
    mode: str = ""  # LiteLLM's mode (chat, embedding, audio_transcription, ...); "" not stated
    supports: list[str] = field(default_factory=list)  # LiteLLM's true supports_* flags, unprefixed
    vector_size: int | None = None  # an embedding model's stated output dimensions
    unit_prices: list[str] = field(default_factory=list)  # "$0.04 per image", as stated


def per_million(price: str | float | int | None) -> Decimal | None:
    """USD per token (as a catalog gives it) -> USD per 1M tokens; None when unknown or negative."""
    if price is None or price == "":
        return None
    try:
        value = Decimal(str(price))
    except InvalidOperation:
        return None
    if not value.is_finite() or value < 0:
        return None
    return (value * PER_MILLION).quantize(Decimal("0.000001"))


def usd(amount: Decimal) -> str:
    """$0.10, $2.50, $0.075, $0: cents when whole cents, else every digit stated."""
    if amount == 0:
        return "$0"
    if amount >= Decimal("0.01") and amount == amount.quantize(Decimal("0.01")):
        return f"${amount:,.2f}"
    return f"${amount.normalize():f}"
