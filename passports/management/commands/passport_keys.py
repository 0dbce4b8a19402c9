"""passport_keys generate|rotate|revoke KEY_ID|list"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from core.errors import ApplicationError
from passports.selectors import key_list
from passports.services import key_generate, key_revoke, key_rotate


class Command(BaseCommand):
    help = "Manage passport signing keys. The private key lives only in PASSPORT_SIGNING_KEY_FILE."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("generate", help="create (or adopt) the active key if there is none")
        sub.add_parser("rotate", help="new active key; the old one retires and still verifies")
        revoke = sub.add_parser("revoke", help="revoke a key: its signatures stop verifying")
        revoke.add_argument("key_id")
        sub.add_parser("list", help="every key with its status and times")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "generate":
                key, created = key_generate()
                verb = "generated" if created else "already active"
                self.stdout.write(f"{key.key_id} {verb}")
            elif options["action"] == "rotate":
                new, old = key_rotate()
                self.stdout.write(f"{new.key_id} active")
                if old is not None:
                    self.stdout.write(f"{old.key_id} retired")
            elif options["action"] == "revoke":
                key = key_revoke(key_id=options["key_id"])
                self.stdout.write(f"{key.key_id} revoked")
            else:
                for key in key_list():
                    times = f"created {key.created_at:%Y-%m-%dT%H:%M:%SZ}"
                    if key.retired_at:
                        times += f", retired {key.retired_at:%Y-%m-%dT%H:%M:%SZ}"
                    if key.revoked_at:
                        times += f", revoked {key.revoked_at:%Y-%m-%dT%H:%M:%SZ}"
                    self.stdout.write(f"{key.key_id}  {key.status:<8} {times}")
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
