"""What a listing is called and which listing a catalog id belongs to: pure functions.

One listing per model. A catalog id is either the model itself or an offer of it
(a variant): OpenRouter's `:free`, `:batch`, `:thinking`, `:exacto`, `:extended`
suffixes, a `-fast` id beside the plain one, a dated snapshot (`gpt-4o-2024-08-06`)
beside the undated id, and `~vendor/family-latest` aliases (an offer of the newest
model of that family). Routers and meta-models (`openrouter/auto`, `openrouter/free`,
`openrouter/pareto-code`, a price of -1, "Router" in the name) are `type: router`.

Every listing is named `Maker: Model`, from what the catalogs state: OpenRouter's
name (its "Maker: " prefix, or the maker its other names give the vendor), the
vendor or folder in a LiteLLM key (`anthropic.claude-v1`, `meta/llama-3.2-90b`),
the model's own name where a maker's models are unmistakable (`gemini-`, `claude-`),
else the provider when it serves only its own models. A model part that is a bare
version or one generic word ("3.2", "best", "sketch") is given the words around it
in the key, or what the model does; what still cannot be named is reported.
"""

from .families import family_of
from .names import (
    LiteLLMName,
    is_generic,
    listing_name,
    litellm_name,
    maker_of_model,
    openrouter_makers,
    openrouter_name,
    pretty_model,
    vendor_hyphen,
)
from .offers import is_router, offers_of, strip_variant_name

__all__ = [
    "LiteLLMName",
    "family_of",
    "is_generic",
    "is_router",
    "listing_name",
    "litellm_name",
    "maker_of_model",
    "offers_of",
    "openrouter_makers",
    "openrouter_name",
    "pretty_model",
    "strip_variant_name",
    "vendor_hyphen",
]
