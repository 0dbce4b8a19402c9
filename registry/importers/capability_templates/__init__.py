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

from .kinds import (
    CONTEXT_NOT_STATED,
    CONTEXT_STATED,
    FLAG_WORDS,
    MODE_WHAT,
    OUTPUT_STATED,
    QUIET_FLAGS,
    REQUIRES,
    SUMMARY,
    TEXT_MODES,
    TEXT_ONLY,
    WRITTEN_IN_PART,
    WRITTEN_NO_DESCRIPTION,
    WRITTEN_NOT_COVERED,
    CapabilityTemplate,
    Note,
    Stated,
    When,
)
from .table import FALLBACK, TEMPLATES

__all__ = [
    "CONTEXT_NOT_STATED",
    "CONTEXT_STATED",
    "CapabilityTemplate",
    "FALLBACK",
    "FLAG_WORDS",
    "MODE_WHAT",
    "Note",
    "OUTPUT_STATED",
    "QUIET_FLAGS",
    "REQUIRES",
    "SUMMARY",
    "Stated",
    "TEMPLATES",
    "TEXT_MODES",
    "TEXT_ONLY",
    "WRITTEN_IN_PART",
    "WRITTEN_NOT_COVERED",
    "WRITTEN_NO_DESCRIPTION",
    "When",
]
