from django.apps import AppConfig


class PassportsConfig(AppConfig):
    name = "passports"
    verbose_name = "Passports"

    def ready(self) -> None:
        # Loaded once per process here, so jcs.dumps_ordered writes with it (see there);
        # the offline verifier, which never loads it, writes the same bytes with the stdlib.
        import pydantic_core  # noqa: F401
