"""How the registry tells the layers above it that something changed, without importing them.

- The capability-text clock (RegistryClock "capability_texts") moves whenever
  capability text is written or removed; the matching index compares its state
  with the clock.
- The list clock (RegistryClock "listings") moves on every write to registry_artifact or
  registry_trust; database triggers move it (migration 0008), not code here, so no write
  path can forget it. registry.list_page keeps the plain list's pages under it.
- `passports_written` is sent after a commit that wrote passports through the
  API; matching connects a receiver that rebuilds its index in a worker.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver

from .clocks import clock_tick
from .models import CAPABILITY_TEXT_FIELDS, Capability

# Sent with `slugs` (a list of the slugs written), after the transaction committed.
passports_written = Signal()


@receiver(post_save, sender=Capability)
def capability_saved(
    sender: type, instance: Capability, update_fields: Any = None, **kwargs: Any
) -> None:
    if update_fields is None or CAPABILITY_TEXT_FIELDS & set(update_fields):
        clock_tick("capability_texts")


@receiver(post_delete, sender=Capability)
def capability_deleted(sender: type, instance: Capability, **kwargs: Any) -> None:
    clock_tick("capability_texts")
