"""passport_keys generate|rotate|revoke KEY_ID [--resign]|list

A registry command (not a passports one) because --resign signs new versions of
passports, which only registry.refresh does.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.errors import ApplicationError
from passports.log import log_key_generate
from passports.models import SigningKey
from passports.selectors import key_list, latest_signed_with
from passports.services import key_generate, key_revoke, key_rotate
from registry.refresh import versions_resign


class Command(BaseCommand):
    help = "Manage passport signing keys. The private key lives only in PASSPORT_SIGNING_KEY_FILE."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser(
            "generate",
            help="create (or adopt) the active key if there is none, and the log's key",
        )
        sub.add_parser("rotate", help="new active key; the old one retires and still verifies")
        revoke = sub.add_parser("revoke", help="revoke a key: its signatures stop verifying")
        # A key id is base64url and may begin with "-": give it after "--".
        revoke.add_argument("key_id", help='the key id (after "--": ids may begin with "-")')
        revoke.add_argument(
            "--resign",
            action="store_true",
            help="sign a new version, with the active key, of every passport whose latest "
            "version this key signed (a new key is made first if this one is active)",
        )
        sub.add_parser("list", help="every key with its status and times")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "generate":
                key, created = key_generate()
                verb = "generated" if created else "already active"
                self.stdout.write(f"{key.key_id} {verb}")
                _pair, created = log_key_generate()
                verb = "generated" if created else "already present"
                self.stdout.write(f"log key {verb} ({settings.LOG_SIGNING_KEY_FILE})")
            elif options["action"] == "rotate":
                new, old = key_rotate()
                self.stdout.write(f"{new.key_id} active")
                if old is not None:
                    self.stdout.write(f"{old.key_id} retired")
            elif options["action"] == "revoke":
                self.revoke(options["key_id"], resign=options["resign"])
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

    def revoke(self, key_id: str, *, resign: bool) -> None:
        if resign and SigningKey.objects.filter(key_id=key_id, status="active").exists():
            new, _old = key_rotate()
            self.stdout.write(f"{new.key_id} active (the key to re-sign with)")
        key = key_revoke(key_id=key_id)
        self.stdout.write(f"{key.key_id} revoked")
        orphans = latest_signed_with(key_id=key.key_id)
        if not resign:
            if orphans:
                self.stdout.write(
                    f"{len(orphans)} passports are left unverifiable: their latest version "
                    f"was signed by {key.key_id}. Re-sign them with "
                    f"`passport_keys revoke --resign -- {key.key_id}`"
                )
            return
        # After the revocation, so the log shows it before the re-signed versions.
        signed = versions_resign(artifact_ids=orphans)
        self.stdout.write(f"{signed} passports re-signed with the active key")
