"""Move the capability-text clock whenever capability text is written or removed."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import CAPABILITY_TEXT_FIELDS, Capability, clock_tick


@receiver(post_save, sender=Capability)
def capability_saved(
    sender: type, instance: Capability, update_fields: Any = None, **kwargs: Any
) -> None:
    if update_fields is None or CAPABILITY_TEXT_FIELDS & set(update_fields):
        clock_tick("capability_texts")


@receiver(post_delete, sender=Capability)
def capability_deleted(sender: type, instance: Capability, **kwargs: Any) -> None:
    clock_tick("capability_texts")
