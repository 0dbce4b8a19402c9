"""The generated registries bench/resolve_latency.py resolves over (1k, 10k, 100k
capabilities): artifacts with four capabilities each, filed under one of 15 tasks, with
modalities, context sizes, prices and trust scores drawn at random (fixed seed) and one
really signed passport version per artifact; capability texts come from a pool of
combinatorial phrases encoded once with the real model and cached by text hash.
Also the 20 everyday needs the resolve benches ask (QUERIES)."""

from __future__ import annotations

import hashlib
import json
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, scratch_env  # noqa: E402

TASKS = [
    "summarize", "translate", "classify", "extract fields from", "answer questions about",
    "draft replies to", "review", "rewrite", "tag", "search", "compare", "explain",
    "proofread", "outline", "detect sentiment in",
]  # fmt: skip
OBJECTS = [
    "legal contracts", "support tickets", "python code", "clinical notes", "invoices",
    "product reviews", "news articles", "chat transcripts", "spreadsheets", "research papers",
    "job postings", "recipes", "insurance claims", "API logs", "tweets", "emails",
    "meeting minutes", "patents", "tax forms", "song lyrics",
]  # fmt: skip
QUALIFIERS = [
    "in Spanish", "with citations", "as strict JSON", "at low latency", "for a mobile app",
    "in bulk overnight", "for non-experts", "with a formal tone", "on a tight budget",
    "with long documents",
]  # fmt: skip
QUERIES = [
    "turn a stack of scanned receipts into JSON",
    "help me answer customer complaints politely",
    "find bugs in my Python pull request",
    "read a bar chart image and explain the trend",
    "translate product pages into Spanish cheaply",
    "summarize a 300-page PDF report",
    "which model can classify the tone of tweets",
    "pull the totals out of invoices in a screenshot",
    "write short notes from long meeting transcripts",
    "explain a patent to someone without a law degree",
    "an open-weights model to tag support tickets",
    "rewrite emails so they sound formal, under $0.50 per million tokens",
    "compare two research papers and list the differences",
    "extract the fields of tax forms for an accounting app",
    "detect the mood of song lyrics",
    "proofread a job posting for a startup",
    "answer questions over 1M tokens of API logs",
    "outline a recipe book for beginners",
    "check insurance claims for missing details",
    "search clinical notes for medication names",
]
CAPS_PER_ARTIFACT = 4


def pool_texts() -> list[str]:
    return [f"{t} {o} {q}" for t in TASKS for o in OBJECTS for q in QUALIFIERS]


DESCRIBED = 1000  # capabilities take their description from the first phrases of the pool


def index_texts() -> list[str]:
    """Every text the generated index holds: the pool, and 'Name. description' of the described."""
    pool = pool_texts()
    return pool + [f"{text.capitalize()}. {text}" for text in pool[:DESCRIBED]]


def django_setup(var_dir: Path) -> None:
    os.environ.update(scratch_env(var_dir, MATCH_WARM_ON_START="0"))
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def generate(*, capabilities: int, pool_file: Path) -> dict[str, float]:
    """Fill the scratch registry; returns the seconds each step took."""
    import numpy as np
    from django.core.management import call_command
    from django.db import transaction

    from core.time import timestamp
    from matching.embeddings import MODEL_NAME
    from matching.models import TextEmbedding
    from passports.canonical import signed_bytes
    from passports.services import _active_pair, key_generate
    from registry.clocks import clock_tick
    from registry.models import Artifact, ArtifactFacet, Capability, Source, Trust

    timings: dict[str, float] = {}
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    key_generate()
    key, pair = _active_pair()
    pool = pool_texts()
    vectors = np.load(pool_file)
    TextEmbedding.objects.bulk_create(
        [
            TextEmbedding(
                text_hash=hashlib.sha256(text.encode()).hexdigest(),
                model=MODEL_NAME,
                vector=vector.astype(np.float32).tobytes(),
            )
            for text, vector in zip(index_texts(), vectors, strict=True)
        ],
        batch_size=1000,
    )
    rng = random.Random(7)
    artifacts_n = capabilities // CAPS_PER_ARTIFACT
    import base64

    from passports.models import PassportVersion

    with transaction.atomic():
        artifacts = []
        for i in range(artifacts_n):
            inputs = ["text"]
            if rng.random() < 0.3:
                inputs.append("image")
            if rng.random() < 0.1:
                inputs.append("file")
            if rng.random() < 0.05:
                inputs.append("audio")
            price = rng.choice([0, 0.1, 0.3, 0.5, 1, 3, 10])
            artifacts.append(
                Artifact(
                    artifact_id=f"generated/model-{i}",
                    slug=f"generated-model-{i}",
                    name=f"Generated model {i}",
                    source=Source.API,
                    description=f"A generated model that can {rng.choice(pool)}.",
                    context_length=rng.choice([8192, 32768, 131072, 1048576]),
                    input_modalities=inputs,
                    output_modalities=["text"],
                    prompt_price=f"{price / 1e6:.10f}",
                    prompt_price_per_1m=price,
                    open_weights=rng.random() < 0.4,
                )
            )
        Artifact.objects.bulk_create(artifacts, batch_size=1000)
        artifacts = list(Artifact.objects.order_by("pk"))
        Trust.objects.bulk_create(
            [Trust(artifact=a, score=rng.randint(20, 90)) for a in artifacts], batch_size=1000
        )
        ArtifactFacet.objects.bulk_create(
            [
                ArtifactFacet(artifact=a, kind=kind, value=value)
                for a in artifacts
                for kind, values in (
                    ("input_modality", a.input_modalities),
                    ("output_modality", a.output_modalities),
                )
                for value in values
            ],
            batch_size=2000,
        )
        caps = []
        for a in artifacts:
            for position in range(CAPS_PER_ARTIFACT):
                described = pool[rng.randrange(DESCRIBED)]
                texts = rng.sample(pool, 3)
                caps.append(
                    Capability(
                        artifact=a,
                        position=position,
                        capability_id=f"{a.slug}__cap_{position + 1}",
                        name=described.capitalize(),
                        description=described,
                        intents=texts[0:2],
                        best_for=texts[2:3],
                        # Filed under its task, as catalogs file models: 15 categories.
                        categories=[next(t for t in TASKS if described.startswith(f"{t} "))],
                    )
                )
        Capability.objects.bulk_create(caps, batch_size=2000)
        timings["rows_s"] = time.perf_counter() - started

        started = time.perf_counter()
        versions = []
        by_artifact: dict[int, list[Capability]] = {}
        for cap in caps:
            by_artifact.setdefault(cap.artifact_id, []).append(cap)
        for a in artifacts:
            signed_at = timestamp(a.created_at)
            passport = {
                "unfragile": {
                    "artifact": {"id": a.artifact_id, "slug": a.slug, "name": a.name},
                    "capabilities": [
                        {
                            "id": c.capability_id,
                            "name": c.name,
                            "description": c.description,
                            "intents": c.intents,
                            "best_for": c.best_for,
                            "categories": c.categories,
                        }
                        for c in by_artifact[a.pk]
                    ],
                },
                "registry": {"facts": {"context_length": a.context_length}},
                "signedAt": signed_at,
                "signedBy": "bench",
                "version": 1,
                "keyId": key.key_id,
            }
            message = signed_bytes(passport)
            versions.append(
                PassportVersion(
                    artifact=a,
                    number=1,
                    passport_json=json.dumps(passport, separators=(",", ":")),
                    canonical=message.decode(),
                    signature=base64.b64encode(pair.sign(message)).decode(),
                    key=key,
                    signed_at=signed_at,
                    content_digest=hashlib.sha256(message).hexdigest(),
                    digest=hashlib.sha256(message).hexdigest(),
                )
            )
        PassportVersion.objects.bulk_create(versions, batch_size=500)
        clock_tick("capability_texts")
    timings["signing_s"] = time.perf_counter() - started
    return timings
