"""Match quality over the whole catalog: needs as developers type them (bench/match_catalog_needs.json),
resolved on a full registry (seeds + every catalog), and for each need's top 5:

- fit: the share of results that take and give what the need says, by the registry's own stored
  facts of the returned model (artifact and offers; the answer's `offer` when it names one);
- named: the share named `Maker: Model` with a model part that is neither a bare version number
  nor a single generic word;
- families: distinct model families among the top 5;
- routers returned unasked, duplicate-variant listings (the same model under variant names);
- ties: answers that report `ties`, and answers whose top-5 similarity spread is under 0.01 (a tie
  that should be reported).

    python bench/match_catalog.py                    # bootstraps a full registry in a temp dir
    python bench/match_catalog.py --var-dir DIR      # on DIR's registry
    python bench/match_catalog.py --var-dir DIR --verbose   # also each need's top 5

Uses the answer's `type`, `family`, `offer` and `ties` when it carries them, and the registry's
columns (or a derived family) when it does not.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from catalog_fit import derive_family, fit_failures, is_router, recognisable, same_model  # noqa: E402
from match_quality import REPO, _resolve, _setup  # noqa: E402

NEEDS = Path(__file__).resolve().parent / "match_catalog_needs.json"
TOP = 5
TIE_SPREAD = 0.01


def _artifact(slug: str) -> Any:
    from registry.models import Artifact, ArtifactAlias

    artifact = Artifact.objects.filter(slug=slug).first()
    if artifact is None:
        alias = ArtifactAlias.objects.filter(slug=slug).select_related("artifact").first()
        artifact = alias.artifact if alias else None
    return artifact


def _family(result: dict[str, Any], artifact: Any) -> str:
    answered = result.get("artifact", {}).get("family")
    if answered:
        return str(answered)
    if artifact is not None and artifact.family:
        return str(artifact.family)
    return derive_family(result.get("artifact", {}).get("name", ""))


def _similarity(result: dict[str, Any]) -> float | None:
    rank = result.get("rank") or {}
    value = rank.get("similarity", result.get("matchConfidence"))
    return float(value) if isinstance(value, int | float) else None


@dataclass
class Split:
    name: str
    needs: int = 0
    results: int = 0
    fit: int = 0
    named: int = 0
    families: int = 0
    answered: int = 0
    routers: int = 0
    duplicates: int = 0
    duplicate_answers: int = 0
    ties_reported: int = 0
    tie_spreads: int = 0
    tie_spreads_reported: int = 0
    no_match: int = 0


def need_run(case: dict[str, Any], split: Split, verbose: bool) -> None:
    answer = _resolve(case["need"], TOP)
    top = answer.get("resolved", [])[:TOP]
    fit = case["fit"]
    router_asked = fit.get("type") == "router"
    rows = []
    fits = named = routers = 0
    families = set()
    names: list[str] = []
    duplicates = 0
    for result in top:
        artifact = _artifact(result["artifact"]["slug"])
        failures = fit_failures(fit, artifact, result.get("offer"))
        name = result["artifact"].get("name", "")
        fits += not failures
        named += recognisable(name)
        families.add(_family(result, artifact))
        router = is_router(result, artifact)
        routers += router and not router_asked
        duplicate = any(same_model(name, seen) for seen in names)
        duplicates += duplicate
        names.append(name)
        rows.append((result, name, failures, router, duplicate))
    similarities = [s for s in (_similarity(r) for r in top) if s is not None]
    spread = max(similarities) - min(similarities) if len(similarities) >= 2 else None
    tied = spread is not None and spread < TIE_SPREAD
    ties = answer.get("ties")
    split.needs += 1
    split.results += len(top)
    split.fit += fits
    split.named += named
    if top:
        split.answered += 1
        split.families += len(families)
    split.routers += routers
    split.duplicates += duplicates
    split.duplicate_answers += duplicates > 0
    split.ties_reported += ties is not None
    split.tie_spreads += tied
    split.tie_spreads_reported += tied and ties is not None
    split.no_match += bool(answer.get("noMatch"))
    n = len(top)
    spread_text = f"{spread:.3f}" if spread is not None else "-"
    print(
        f"    {case['need'][:60]:60}  fit {fits}/{n}  named {named}/{n}  families {len(families)}"
        f"  routers {routers}  dup {duplicates}  spread {spread_text}"
        f"{'  ties reported' if ties is not None else ''}"
        f"{'  noMatch: ' + str(answer['noMatch'])[:60] if answer.get('noMatch') else ''}"
    )
    if verbose:
        for result, name, failures, router, duplicate in rows:
            marks = ("  router" if router else "") + ("  duplicate" if duplicate else "")
            verdict = "fit yes" if not failures else "fit no: " + "; ".join(failures)
            similarity = _similarity(result)
            offer = result.get("offer")
            offer_text = f"  offer {offer.get('variant') or offer.get('id')}" if offer else ""
            print(
                f"        {result['artifact']['slug'][:44]:44}  {name[:44]:44}"
                f"  {similarity if similarity is not None else '-':>6}  {verdict}{marks}{offer_text}"
            )


def split_print(split: Split) -> None:
    results = max(split.results, 1)
    answered = max(split.answered, 1)
    print(
        f"match catalog, {split.name} ({split.needs} needs, top {TOP}): fit {split.fit / results:.2f}"
        f"  named {split.named / results:.2f}  families {split.families / answered:.2f}/{TOP}"
        f"  routers unasked {split.routers}  duplicate variants {split.duplicates}"
        f" (in {split.duplicate_answers} answers)  ties reported {split.ties_reported}/{split.needs}"
        f"  top-5 spread < {TIE_SPREAD}: {split.tie_spreads}/{split.needs}"
        f" ({split.tie_spreads_reported} reported)  noMatch {split.no_match}"
        f"  ({split.results} results)"
    )


def run(var_dir: Path | None, verbose: bool = False) -> None:
    """Everything in this process: the registry in `var_dir`, or a fresh full one."""
    scratch = None
    start = time.perf_counter()
    if var_dir is None:
        scratch = Path(tempfile.mkdtemp(prefix="bench-catalog-"))
        var_dir = scratch
    try:
        _setup(var_dir)
        from django.core.management import call_command

        if scratch is not None:
            call_command("bootstrap", stdout=open(os.devnull, "w"))  # noqa: SIM115
        else:
            call_command("migrate", verbosity=0)
        from registry.models import Artifact

        ready = time.perf_counter()
        data = json.loads(NEEDS.read_text())
        print(
            f"match catalog: {Artifact.objects.filter(merged_into=None).count()} listings"
            f"{' (bootstrapped in %.0f s)' % (ready - start) if scratch else ''}"
        )
        splits = []
        for name, label in (("dev", "dev"), ("validation", "validation (written after tuning)")):
            split = Split(label)
            print(f"  {label}:")
            for case in data[name]:
                need_run(case, split, verbose)
            splits.append(split)
        for split in splits:
            split_print(split)
        print(
            f"match catalog: {time.perf_counter() - ready:.0f} s for {sum(s.needs for s in splits)} needs"
        )
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


def main(var_dir: Path | None = None, verbose: bool = False) -> None:
    """In a process of its own (its registry's settings), as bench/run_all.py calls it."""
    args = [sys.executable, __file__]
    if var_dir is not None:
        args += ["--var-dir", str(var_dir)]
    if verbose:
        args.append("--verbose")
    subprocess.run(args, check=True, cwd=REPO)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--var-dir", type=Path)
    parser.add_argument("--verbose", action="store_true")
    parsed = parser.parse_args()
    run(parsed.var_dir, parsed.verbose)
