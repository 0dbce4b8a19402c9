"""The transparency log: appends/s, proofs served/s, bytes per 10,000 entries, bundles verified/s.

Each figure is printed beside its floor measured in the same run: an append
beside a bare one-row UPDATE in its own transaction, a proof beside the JWKS
view on the same Django stack, an offline bundle check beside raw PyNaCl
verify of the same signed bytes. A scratch SQLite registry (the seeds, then
10,000 versions of one passport) in a child process of its own.

    python bench/log.py [--entries 10000]
"""

from __future__ import annotations

import argparse
import base64
import io
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import PYTHON, REPO, scratch_env  # noqa: E402

DURATION = 3.0


def rate(work: Callable[[], object], limit: int = 100_000) -> float:
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < DURATION and done < limit:
        work()
        done += 1
    return done / (time.perf_counter() - start)


def child(var_dir: Path, entries: int) -> None:
    os.environ.update(scratch_env(var_dir, MATCH_WARM_ON_START="0"))
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    import nacl.signing
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client

    from passports.bundle import verify_bundle
    from passports.canonical import signed_bytes
    from passports.log import log_repair, log_version
    from passports.models import LogEntry, LogHead, PassportVersion
    from passports.signing import keys_from_jwks
    from registry.importers.passports import passports_import_paths

    call_command("migrate", verbosity=0)
    call_command("passport_keys", "generate", stdout=io.StringIO())  # keys made on purpose
    passports_import_paths(paths=[str(REPO / "fixtures" / "seeds")])
    slug = "meta-llama-llama-4-scout"
    first = PassportVersion.objects.get(artifact__slug=slug, number=1)

    def unlogged(numbers: range) -> None:
        PassportVersion.objects.bulk_create(
            [
                PassportVersion(
                    artifact=first.artifact,
                    number=number,
                    passport_json=first.passport_json,
                    canonical=first.canonical,
                    signature=first.signature,
                    key=first.key,
                    signed_at=first.signed_at,
                    content_digest=first.content_digest,
                    digest=first.digest,
                )
                for number in numbers
            ],
            batch_size=1000,
        )

    database = Path(settings.DATABASES["default"]["NAME"])

    def size() -> int:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM")
        return database.stat().st_size

    unlogged(range(2, 2 + entries))
    before = size()
    started = time.perf_counter()
    log_repair()
    batched = entries / (time.perf_counter() - started)
    grown = size() - before
    text = sum(len(e) for e in LogEntry.objects.values_list("entry", flat=True))

    # As signing does it: a version row and its entry, one transaction each.
    one_by_one = 1000
    started = time.perf_counter()
    for number in range(2 + entries, 2 + entries + one_by_one):
        with transaction.atomic():
            unlogged(range(number, number + 1))
            version = PassportVersion.objects.get(artifact=first.artifact, number=number)
            log_version(version=version, slug=slug)
    single = one_by_one / (time.perf_counter() - started)

    def bare_update() -> None:
        with transaction.atomic():
            LogHead.objects.filter(pk=1).update(size=LogHead.objects.get(pk=1).size)

    floor_update = rate(bare_update, limit=5000)
    total = LogEntry.objects.count()
    print(f"log: {total:,} entries")
    print(
        f"log: a version row and its entry, one transaction each: {single:,.0f}/s; "
        f"a bare one-row UPDATE per transaction (floor): {floor_update:,.0f}/s"
    )
    print(f"log: appends, {entries:,} in one repair transaction: {batched:,.0f}/s")
    print(
        f"log: database growth per 10,000 entries: {grown * 10_000 / entries / 1e6:.2f} MB "
        f"(entry text alone: {text * 10_000 / total / 1e6:.2f} MB)"
    )

    client = Client()
    proofs = rate(lambda: client.get("/api/v1/log/proof", {"slug": slug}), limit=2000)
    jwks_rate = rate(lambda: client.get("/.well-known/jwks.json"), limit=20000)
    print(
        f"log: GET /api/v1/log/proof over {total:,} entries, in process: {proofs:,.0f}/s; "
        f"GET /.well-known/jwks.json (floor): {jwks_rate:,.0f}/s"
    )

    bundle = client.get(f"/api/v1/passport/{slug}/bundle", {"version": 1}).json()
    keys = keys_from_jwks(client.get("/.well-known/jwks.json").json())
    log_key = client.get("/api/v1/log").json()["verifierKey"]
    assert verify_bundle(bundle, keys=keys, log_key=log_key).valid
    bundles = rate(lambda: verify_bundle(bundle, keys=keys, log_key=log_key), limit=50_000)
    passport = bundle["document"]["passport"]
    message = signed_bytes(passport)
    signature = base64.b64decode(passport["signature"])
    verify_key = nacl.signing.VerifyKey(next(iter(keys.values())).public)
    raw = rate(lambda: verify_key.verify(message, signature), limit=200_000)
    print(
        f"log: offline bundle verification: {bundles:,.0f}/s; raw PyNaCl verify of the same "
        f"{len(message):,} bytes (floor): {raw:,.0f}/s ({bundles / raw:.2f} x)"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.entries)
        return
    with tempfile.TemporaryDirectory(prefix="bench-log-") as scratch:
        result = subprocess.run(
            [PYTHON, __file__, f"--entries={args.entries}", f"--child={scratch}"],
            cwd=REPO,
            capture_output=True,
            text=True,
        )
        print(result.stdout, end="")
        if result.returncode != 0:
            sys.exit(f"bench/log.py failed:\n{result.stderr[-4000:]}")


if __name__ == "__main__":
    main()
