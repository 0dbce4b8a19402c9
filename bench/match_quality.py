"""Match quality: P@1, R@3 and MRR on our dev set (seeds, and the catalogs when a full
registry is given), and domain@1 / model@5 on Gorilla APIBench (936 Hugging Face models
imported as passports into a registry of their own).

    python bench/match_quality.py                 # seeds + Gorilla, scratch registries
    python bench/match_quality.py --var-dir DIR   # also the catalog dev set, on DIR's registry
"""

from __future__ import annotations

import argparse
import ast
import json
import math
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEV_SET = REPO / "tests" / "matching" / "dev_set.json"
GORILLA = REPO.parent / "shared" / "data" / "gorilla"


def _setup(var_dir: Path) -> None:
    # In-process and read-only, as before DEBUG was off by default: the development settings.
    os.environ.update(
        DEBUG="1",
        VAR_DIR=str(var_dir),
        OPENROUTER_MODELS_URL="",
        LOG_LEVEL="WARNING",
        MATCH_WARM_ON_START="0",
    )
    os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _resolve(intent: str, limit: int) -> dict[str, Any]:
    from matching.resolve import resolve, resolve_request

    body: dict[str, Any] = {"intent": intent, "limit": limit}
    return resolve(request=resolve_request(body), base_url="http://bench")


def seeds_part(var_dir: Path) -> None:
    _setup(var_dir)
    from django.core.management import call_command

    call_command("bootstrap", "--skip-catalogs", stdout=open(os.devnull, "w"))
    data = json.loads(DEV_SET.read_text())
    for split, negatives in (("seeds", "negatives"), ("seeds_validation", "negatives_validation")):
        p1 = r3 = mrr = 0.0
        misses = []
        for case in data[split]:
            ids = [r["capability"]["id"] for r in _resolve(case["need"], 10)["resolved"]]
            ranks = [i for i, cap in enumerate(ids, 1) if cap in case["expected"]]
            p1 += bool(ranks and ranks[0] == 1)
            r3 += bool(ranks and ranks[0] <= 3)
            mrr += 1 / ranks[0] if ranks else 0
            if not ranks or ranks[0] != 1:
                misses.append(
                    f"{case['need']!r} (first right answer at {ranks[0] if ranks else '-'})"
                )
        n = len(data[split])
        answered = sum(bool(_resolve(need, 5)["noMatch"]) for need in data[negatives])
        print(
            f"match quality, {split} ({n} needs): P@1 {p1 / n:.2f}  R@3 {r3 / n:.2f}  MRR {mrr / n:.2f}"
            f"; nothing fits: {answered}/{len(data[negatives])} answered noMatch"
        )
        for miss in misses:
            print(f"    missed: {miss}")


def catalog_part(var_dir: Path) -> None:
    _setup(var_dir)
    from registry.models import ArtifactFacet

    data = json.loads(DEV_SET.read_text())
    p1 = r3 = mrr = 0.0
    constraint_ok = 0
    for case in data["catalog"]:
        answer = _resolve(case["need"], 10)
        names = [r["capability"]["name"] for r in answer["resolved"]]
        ranks = [i for i, name in enumerate(names, 1) if name in case["expected_names"]]
        p1 += bool(ranks and ranks[0] == 1)
        r3 += bool(ranks and ranks[0] <= 3)
        mrr += 1 / ranks[0] if ranks else 0
        required = answer["required"]
        ok = all(required[key] == value for key, value in case["required"].items())
        for modality in case["required"].get("input_modalities", []):
            allowed = set(
                ArtifactFacet.objects.filter(kind="input_modality", value=modality).values_list(
                    "artifact__slug", flat=True
                )
            )
            ok = ok and all(r["artifact"]["slug"] in allowed for r in answer["resolved"])
        constraint_ok += ok
    n = len(data["catalog"])
    print(
        f"match quality, catalog dev set ({n} needs): P@1 {p1 / n:.2f}  R@3 {r3 / n:.2f}  MRR {mrr / n:.2f}  constraints read and held {constraint_ok}/{n}"
    )


# What each Hugging Face pipeline task takes and gives (the task pages of
# huggingface.co/tasks), by the task named at the end of a Gorilla domain. An
# importer of Hugging Face models states these as input_types/output_types,
# so needs like "transcribe a meeting" are held to models that accept audio.
TEXT = ["text"]
TASK_IO: dict[str, tuple[list[str], list[str]]] = {
    "Text Classification": (TEXT, TEXT),
    "Token Classification": (TEXT, TEXT),
    "Table Question Answering": (TEXT, TEXT),
    "Question Answering": (TEXT, TEXT),
    "Zero-Shot Classification": (TEXT, TEXT),
    "Translation": (TEXT, TEXT),
    "Summarization": (TEXT, TEXT),
    "Text Generation": (TEXT, TEXT),
    "Text2Text Generation": (TEXT, TEXT),
    "Fill-Mask": (TEXT, TEXT),
    "Conversational": (TEXT, TEXT),
    "Sentence Similarity": (TEXT, ["embeddings"]),
    "Feature Extraction": (TEXT, ["embeddings"]),
    "Graph Machine Learning": (TEXT, TEXT),
    "Tabular Classification": (["text", "file"], TEXT),
    "Tabular Regression": (["text", "file"], TEXT),
    "Reinforcement Learning": (TEXT, TEXT),
    "Robotics": (TEXT, TEXT),
    "Automatic Speech Recognition": (["audio"], TEXT),
    "Text-to-Speech": (TEXT, ["audio"]),
    "Audio-to-Audio": (["audio"], ["audio"]),
    "Audio Classification": (["audio"], TEXT),
    "Classification": (["audio"], TEXT),  # the domain "Audio Classification"
    "Voice Activity Detection": (["audio"], TEXT),
    "Image Classification": (["image"], TEXT),
    "Zero-Shot Image Classification": (["image", "text"], TEXT),
    "Object Detection": (["image"], TEXT),
    "Image Segmentation": (["image"], ["image"]),
    "Depth Estimation": (["image"], ["image"]),
    "Image-to-Image": (["image"], ["image"]),
    "Unconditional Image Generation": ([], ["image"]),
    "Video Classification": (["video"], TEXT),
    "Text-to-Image": (TEXT, ["image"]),
    "Image-to-Text": (["image"], TEXT),
    "Document Question Answer": (["image", "text", "file"], TEXT),
    "Document Question Answering": (["image", "text", "file"], TEXT),
    "Visual Question Answering": (["image", "text"], TEXT),
    "Text-to-Video": (TEXT, ["video"]),
}
MODALITY_PREFIXES = (
    "Natural Language Processing ",
    "Computer Vision ",
    "Multimodal ",
    "Tabular ",
    "Audio ",
    "Reinforcement Learning ",
)


def task_io(domain: str) -> tuple[list[str], list[str]]:
    if domain == "Multimodal Feature Extraction":  # text, image and audio encoders
        return ["text", "image", "audio"], ["embeddings"]
    for prefix in MODALITY_PREFIXES:
        if domain.startswith(prefix) and domain[len(prefix) :] in TASK_IO:
            return TASK_IO[domain[len(prefix) :]]
    return TASK_IO[domain]


def gorilla_capability(model: dict[str, Any]) -> dict[str, Any]:
    """One capability from everything the catalog states about a model, as an importer would:
    its description, the example requests in its example code as intents, what it was
    trained or evaluated on and its name in words as best_for lines, what its task takes
    and gives, and its domain as its category."""
    performance = model.get("performance")
    if isinstance(performance, str):
        try:
            performance = ast.literal_eval(performance)
        except (ValueError, SyntaxError):
            performance = {}
    dataset = performance.get("dataset") if isinstance(performance, dict) else None
    example = model.get("example_code")
    examples = (
        [text for text in re.findall(r"['\"]([^'\"\n]{12,120})['\"]", example) if " " in text][:3]
        if isinstance(example, str)
        else []
    )
    best_for = []
    if isinstance(dataset, str) and dataset not in ("", "N/A"):
        best_for.append(f"{model['functionality']} trained or evaluated on {dataset}")
    best_for.append(f"{model['domain']}: {re.sub(r'[-_/]+', ' ', model['api_name'])}")
    inputs, outputs = task_io(model["domain"])
    return {
        "name": f"{model['domain']}: {model['functionality']}",
        "description": model["description"],
        "intents": examples,
        "best_for": best_for,
        "categories": [model["domain"]],
        "input_types": inputs,
        "output_types": outputs,
    }


def plain_minilm(models: list[dict[str, Any]], intents: list[dict[str, Any]]) -> list[list[int]]:
    """The reference: cosine of the need to one text per model, no index, nothing else."""
    from matching.embeddings import get_embedder

    embedder = get_embedder()
    documents = embedder.encode(
        [f"{m['domain']}: {m['functionality']}. {m['description']}" for m in models]
    )
    needs = embedder.encode([case["intent"][:2000] for case in intents])
    similarities = needs @ documents.T
    return [list(row.argsort()[::-1][:5]) for row in similarities]


def _scores(
    tops: list[list[int]], models: list[dict[str, Any]], intents: list[dict[str, Any]]
) -> tuple[list[bool], list[bool]]:
    domain1 = [
        bool(top) and models[top[0]]["domain"] == case["expected_domain"]
        for top, case in zip(tops, intents, strict=True)
    ]
    model5 = [
        case["expected_model"] in {models[i]["api_name"] for i in top}
        for top, case in zip(tops, intents, strict=True)
    ]
    return domain1, model5


def _paired(ours: list[bool], reference: list[bool]) -> str:
    """Our rate, the reference's, and the needs only one of the two got right, with the
    two-sided exact sign test (McNemar) on those: how likely a gap this size is by chance."""
    won = sum(a and not b for a, b in zip(ours, reference, strict=True))
    lost = sum(b and not a for a, b in zip(ours, reference, strict=True))
    n = won + lost
    tail = sum(math.comb(n, k) for k in range(0, min(won, lost) + 1)) / 2**n if n else 1.0
    p = min(1.0, 2 * tail)
    return (
        f"{sum(ours) / len(ours):.3f} vs {sum(reference) / len(reference):.3f}"
        f" (right only here {won}, only there {lost}; p = {p:.2g})"
    )


def gorilla_part(var_dir: Path) -> None:
    _setup(var_dir)
    from django.core.management import call_command

    from matching.indexing import index_refresh
    from registry.services import passport_import

    call_command("migrate", verbosity=0)
    models = [
        json.loads(line)
        for line in (GORILLA / "huggingface_api.jsonl").read_text().splitlines()
        if line.strip()
    ]
    for n, model in enumerate(models):
        slug = f"hf-{n}"
        passport_import(
            document={
                "artifact": {
                    "id": slug,
                    "slug": slug,
                    "name": model["api_name"],
                    "type": "model",
                    "categories": [model["domain"]],
                },
                "capabilities": [gorilla_capability(model)],
            }
        )
    index, report = index_refresh()
    intents = [
        json.loads(line)
        for line in (GORILLA / "huggingface_intents.jsonl").read_text().splitlines()
        if line.strip()
    ]
    # The need as a user would send it: constraints are read from its words.
    answers = [_resolve(case["intent"][:2000], 5)["resolved"] for case in intents]
    tops = [[int(r["artifact"]["slug"].split("-")[1]) for r in results] for results in answers]
    # Each result also names the fitting models of its family it stands for (`sameFamily`).
    with_family = [
        top + [int(slug.split("-")[1]) for r in results for slug in r.get("sameFamily", [])]
        for top, results in zip(tops, answers, strict=True)
    ]
    domain1, model5 = _scores(tops, models, intents)
    _, model5_family = _scores(with_family, models, intents)
    plain_domain1, plain_model5 = _scores(plain_minilm(models, intents), models, intents)
    n = len(intents)
    print(
        f"match quality, Gorilla APIBench ({len(models)} models, {n} needs): domain@1 {sum(domain1) / n:.2f}"
        f"  model@5 {sum(model5) / n:.2f}  (plain MiniLM cosine: {sum(plain_domain1) / n:.2f} / "
        f"{sum(plain_model5) / n:.2f}; BM25: 0.31 / 0.21); index {report.rows} texts built in {report.seconds:.0f} s"
    )
    print(f"    domain@1 ours vs plain MiniLM: {_paired(domain1, plain_domain1)}")
    print(f"    model@5  ours vs plain MiniLM: {_paired(model5, plain_model5)}")
    print(
        f"    model@5 counting the same-family models each result names: "
        f"{sum(model5_family) / n:.3f}"
    )
    for name, part in (
        ("even-numbered (tuned on)", slice(0, None, 2)),
        ("odd-numbered", slice(1, None, 2)),
    ):
        d, m = domain1[part], model5[part]
        print(f"    {name} needs: domain@1 {sum(d) / len(d):.3f}  model@5 {sum(m) / len(m):.3f}")
    confusions = Counter(
        (case["expected_domain"], models[top[0]]["domain"] if top else "(noMatch)")
        for top, case, right in zip(tops, intents, domain1, strict=True)
        if not right
    )
    print("    where domain@1 fails most (expected -> answered):")
    for (expected, answered), count in confusions.most_common(8):
        print(f"      {count:3d}  {expected} -> {answered}")


def main(var_dir: Path | None = None) -> None:
    """Each part runs in its own process: each has its own registry."""
    parts = [
        ("seeds", Path(tempfile.mkdtemp(prefix="bench-seeds-"))),
        ("gorilla", Path(tempfile.mkdtemp(prefix="bench-gorilla-"))),
    ]
    if var_dir is not None:
        parts.insert(1, ("catalog", var_dir))
    for part, folder in parts:
        subprocess.run(
            [sys.executable, __file__, "--part", part, "--var-dir", str(folder)],
            check=True,
            cwd=REPO,
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--part", choices=["seeds", "catalog", "gorilla"])
    parser.add_argument("--var-dir", type=Path)
    args = parser.parse_args()
    if args.part == "catalog" and args.var_dir is None:
        parser.error("--part catalog needs --var-dir (a registry with the catalogs imported)")
    if args.part:
        # A part run alone gets a scratch registry of its own (never a folder named "None").
        folder = args.var_dir or Path(tempfile.mkdtemp(prefix=f"bench-{args.part}-"))
        {"seeds": seeds_part, "catalog": catalog_part, "gorilla": gorilla_part}[args.part](folder)
    else:
        main(args.var_dir)
