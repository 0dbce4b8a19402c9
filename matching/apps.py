from typing import Any

from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = "Matching"

    def ready(self) -> None:
        from registry.signals import passports_written

        passports_written.connect(_rebuild_index, dispatch_uid="matching.rebuild_index")


def _rebuild_index(sender: Any, **kwargs: Any) -> None:
    """Passports written through the API: rebuild the index in a worker, not in the request."""
    from .tasks import enqueue_index_rebuild

    enqueue_index_rebuild()
