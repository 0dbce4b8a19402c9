"""What a resolve reads of the models it ranks and shows, kept per process under two clocks
that the database itself moves: the listings' names (slug, family key), which
shortlist._rank orders the models its search reaches by, and the columns an answer shows and
ties are broken by (shortlist._order_bands), under the list clock; their capabilities'
outcome counts and shown texts, their offers and endpoints, and their latest signed
versions, under the ranking clock. Read per resolve they were most of what a resolve does
besides encoding its query: at 10,000 capabilities about 1 ms a names read (one to four a
resolve), 1.4 ms the shown rows, and 0.5 to 0.7 ms each of six more reads, for rows that
change a few times a day.

- The list clock, RegistryClock "listings", moves on every write to registry_artifact and
  registry_trust (migration 0008); the ranking clock, "ranking", on every write to
  registry_capability, registry_providerendpoint, registry_artifactfacet and
  passports_passportversion (migration 0009, SQLite only: on PostgreSQL that clock's lock
  deadlocked concurrent rounds, and until it has a lock-free one nothing is kept under it
  there). Triggers move them, each time to a fresh random value (0008 says why), so what
  is kept under a clock value was read from exactly the rows written before it.
- A resolve reads both clocks in one query (kept_now); what it reads from the database is
  added under their values. Only the latest values' are kept. On PostgreSQL, and inside a
  transaction, a write drops what its clock keeps, and the next resolves read again what
  they rank.
- On SQLite, outside transactions, a write drops only what it changes (migration 0011):
  the database records each model written, with the kind of row (listing, trust,
  capability, offer, facet, signed version) and its position in the order of writes
  (RegistryClock "touches"), leaving out updates of columns no resolve reads (a round's
  match counts, a content digest). When a clock has moved, kept_now reads the models
  written since the position it kept at and forgets those models' entries of the kinds
  written; a kept set of models meeting a need's constraints is brought up to date by
  deciding the written models only (eligible_read). A background outcomes round counts a
  few resolves and signs those models' passports: the next resolve reads their new
  versions (and trust rows), not everything it ranks (bench/resolve_stalls.py).
- Without a clock row (a flush just ran) or on a database without the triggers, nothing is
  kept under that clock and every read goes to the database, as before.
- What is kept is shared by every resolve of the process and only read, never changed
  (answer.results_build formats it): tuples, frozen offers, and model instances nobody
  assigns to. A passport kept is the parsed document each answer spreads into its own dict.
- Each kind keeps at most RANKED_LIMIT entries (what a resolve reads of every model it
  ranks) or KEPT_LIMIT (what it reads of the few it shows); past that, the rest are read
  per resolve.
  Names are the exception. A web process keeps, as it starts, every name, and every row of
  each kind whose rows all fit (prefill): otherwise a newly started process's resolves
  read the models they show for the first time, and those were its p95.
"""

from .kept import EPOCH_BITS as EPOCH_BITS
from .kept import NOTHING as NOTHING
from .kept import Kept as Kept
from .kept import Listings as Listings
from .kept import Ranking as Ranking
from .kept import forget as forget
from .kept import kept_now as kept_now
from .reads import SHOWN_CAPABILITY_FIELDS as SHOWN_CAPABILITY_FIELDS
from .reads import SHOWN_FIELDS as SHOWN_FIELDS
from .reads import capabilities_read as capabilities_read
from .reads import eligible_read as eligible_read
from .reads import endpoints_read as endpoints_read
from .reads import facts_read as facts_read
from .reads import hidden_read as hidden_read
from .reads import names_read as names_read
from .reads import offers_read as offers_read
from .reads import prefill as prefill
from .reads import shown_read as shown_read
from .reads import signed_read as signed_read
