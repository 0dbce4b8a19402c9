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
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEV_SET = REPO / "tests" / "matching" / "dev_set.json"
GORILLA = REPO.parent / "shared" / "data" / "gorilla"
NO_FILTERS: dict[str, Any] = {
    "input_modalities": [],
    "output_modalities": [],
    "min_context": None,
    "max_prompt_price": None,
    "open_weights": None,
}


def _setup(var_dir: Path) -> None:
    os.environ.update(
        VAR_DIR=str(var_dir), OPENROUTER_MODELS_URL="", LOG_LEVEL="WARNING", MATCH_WARM_ON_START="0"
    )
    os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _resolve(intent: str, limit: int, filters: dict[str, Any] | None = None) -> dict[str, Any]:
    from matching.services import resolve, resolve_request

    body: dict[str, Any] = {"intent": intent, "limit": limit}
    if filters is not None:
        body["filters"] = filters
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


def gorilla_capability(model: dict[str, Any]) -> dict[str, Any]:
    """One capability from everything the catalog states about a model, as an importer would:
    its description, the example requests in its example code as intents, and what it was
    trained or evaluated on and its name in words as best_for lines."""
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
    return {
        "name": f"{model['domain']}: {model['functionality']}",
        "description": model["description"],
        "intents": examples,
        "best_for": best_for,
        "categories": [model["domain"]],
    }


def gorilla_part(var_dir: Path) -> None:
    _setup(var_dir)
    from django.core.management import call_command

    from matching.services import index_refresh
    from registry.services import passport_import

    call_command("migrate", verbosity=0)
    models = [
        json.loads(line)
        for line in (GORILLA / "huggingface_api.jsonl").read_text().splitlines()
        if line.strip()
    ]
    slug_of: dict[str, str] = {}
    for n, model in enumerate(models):
        slug = f"hf-{n}"
        slug_of.setdefault(model["api_name"], slug)
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
    domain_of = {
        slug: model["domain"] for model, slug in ((m, f"hf-{i}") for i, m in enumerate(models))
    }
    index, report = index_refresh()
    intents = [
        json.loads(line)
        for line in (GORILLA / "huggingface_intents.jsonl").read_text().splitlines()
        if line.strip()
    ]
    domain1 = model5 = 0
    for case in intents:
        slugs = [
            r["artifact"]["slug"]
            for r in _resolve(case["intent"][:2000], 5, NO_FILTERS)["resolved"]
        ]
        domain1 += bool(slugs and domain_of[slugs[0]] == case["expected_domain"])
        names = {models[int(s.split("-")[1])]["api_name"] for s in slugs}
        model5 += case["expected_model"] in names
    n = len(intents)
    print(
        f"match quality, Gorilla APIBench ({len(models)} models, {n} needs): domain@1 {domain1 / n:.2f}  model@5 {model5 / n:.2f}"
        f"  (plain MiniLM cosine: 0.57 / 0.35; BM25: 0.31 / 0.21); index {report.rows} texts built in {report.seconds:.0f} s"
    )


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
    if args.part:
        {"seeds": seeds_part, "catalog": catalog_part, "gorilla": gorilla_part}[args.part](
            args.var_dir
        )
    else:
        main(args.var_dir)
