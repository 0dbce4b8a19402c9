"""Import LiteLLM's model price map: every key becomes a provider endpoint.

- `names`: which artifact an entry serves (the matching rule is written there);
- `facts`: what an entry states, as catalog facts and endpoint values;
- `importer`: `litellm_import`, the steps in order and the transactions.
"""

from .importer import litellm_import
from .names import normalise_name

__all__ = ["litellm_import", "normalise_name"]
