"""python manage.py probe_endpoint SLUG --base-url URL --model NAME [--api-key-env VAR] [--provider P]"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.errors import ApplicationError


class Command(BaseCommand):
    help = "Add or update a live-probe endpoint of a passport (the key stays in the environment)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--base-url", required=True, help="e.g. https://openrouter.ai/api/v1")
        parser.add_argument("--model", required=True, help="the provider's model name")
        parser.add_argument(
            "--api-key-env", default="", help="name of the environment variable holding the key"
        )
        parser.add_argument("--provider", default=None, help="default: the base URL's host")
        parser.add_argument("--disable", action="store_true", help="keep it, but do not probe it")

    def handle(self, *args: Any, **options: Any) -> None:
        from probes.endpoints import endpoint_upsert

        try:
            endpoint, created = endpoint_upsert(
                slug=options["slug"],
                base_url=options["base_url"],
                model=options["model"],
                api_key_env=options["api_key_env"],
                provider=options["provider"],
                enabled=not options["disable"],
            )
        except ApplicationError as exc:
            raise CommandError(f"{exc.field}: {exc.message}" if exc.field else exc.message) from exc
        verb = "added" if created else "updated"
        self.stdout.write(
            f"{verb} endpoint {endpoint.pk} of {options['slug']}: {endpoint.provider} "
            f"{endpoint.model_name} at {endpoint.base_url}"
            + (f" (key from ${endpoint.api_key_env})" if endpoint.api_key_env else "")
        )
