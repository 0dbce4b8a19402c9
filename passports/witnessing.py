"""The log's side of tlog-witness: push each new checkpoint to LOG_WITNESSES, keep their cosignatures.

`checkpoint_push()` sends the current checkpoint to every configured witness with
a consistency proof from the size that witness last cosigned (0 the first time;
on a 409 the witness says which size it knows, and the push is retried once from
there). A cosignature is kept only once it verifies with the witness's
configured key. `cosigned_checkpoint(tree)` is the log's checkpoint with the
cosignatures held for that exact tree; /log/checkpoint, proofs and bundles serve it.
Beat runs the push every LOG_WITNESS_INTERVAL_SECONDS; `manage.py` callers and
tests call it directly.
"""

from __future__ import annotations

import base64
import logging

import httpx
from django.conf import settings
from django.db import IntegrityError, transaction

from .cosignature import cosigned_by, parse_cosigner_vkey
from .log import LogTree, log_leaf_hashes, log_tree
from .models import Cosignature

logger = logging.getLogger(__name__)
TIMEOUT = 10.0


def cosigned_checkpoint(tree: LogTree) -> str:
    """The signed checkpoint of `tree` followed by every witness cosignature held for it."""
    lines = Cosignature.objects.filter(size=tree.size, root=tree.root.hex()).values_list(
        "line", flat=True
    )
    return tree.checkpoint() + "".join(lines)


def _request(tree: LogTree, old: int) -> bytes:
    proof = tree.consistency(old) if 0 < old < tree.size else []
    head = "".join(
        f"{line}\n" for line in [f"old {old}", *(base64.b64encode(h).decode() for h in proof)]
    )
    return (head + "\n" + tree.checkpoint()).encode("utf-8")


def checkpoint_push() -> int:
    """Send the current checkpoint to each witness; returns how many cosigned it."""
    leaves = log_leaf_hashes()
    if not leaves or not settings.LOG_WITNESSES:
        return 0
    tree = log_tree(leaves)
    cosigned = 0
    for url, vkey in settings.LOG_WITNESSES:
        cosigner = parse_cosigner_vkey(vkey)
        held = Cosignature.objects.filter(
            witness=cosigner.name, size=tree.size, root=tree.root.hex()
        ).exists()
        if held:
            cosigned += 1
            continue
        last = (
            Cosignature.objects.filter(witness=cosigner.name, size__lte=tree.size)
            .order_by("-size")
            .values_list("size", flat=True)
            .first()
        )
        old = last or 0
        try:
            with httpx.Client(timeout=TIMEOUT) as client:
                answer = client.post(
                    f"{url.rstrip('/')}/add-checkpoint", content=_request(tree, old)
                )
                if answer.status_code == 409 and answer.text.strip().isdigit():
                    old = int(answer.text.strip())
                    answer = client.post(
                        f"{url.rstrip('/')}/add-checkpoint", content=_request(tree, old)
                    )
        except httpx.HTTPError as exc:
            logger.warning("witness %s did not answer: %s", cosigner.name, exc.__class__.__name__)
            continue
        if answer.status_code != 200:
            logger.warning(
                "witness %s refused size %d: %d", cosigner.name, tree.size, answer.status_code
            )
            continue
        line = next(
            (
                f"{text}\n"
                for text in answer.text.splitlines()
                if cosigned_by(tree.checkpoint() + f"{text}\n", [cosigner])
            ),
            None,
        )
        if line is None:
            logger.warning("witness %s answered no cosignature that verifies", cosigner.name)
            continue
        try:
            with transaction.atomic():
                Cosignature.objects.create(
                    size=tree.size, root=tree.root.hex(), witness=cosigner.name, line=line
                )
        except IntegrityError:
            pass  # another push stored it first
        cosigned += 1
    return cosigned
