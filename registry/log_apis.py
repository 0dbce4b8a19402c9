"""The transparency log over HTTP: C2SP tlog-tiles under /log/, and a JSON API under /api/v1/log.

- GET /log/checkpoint: the signed checkpoint (C2SP tlog-checkpoint in a signed-note).
- GET /log/tile/<L>/<N>[.p/<W>]: hash tiles of height 8; a full tile never changes.
- GET /log/tile/entries/<N>[.p/<W>]: entry bundles (uint16 big-endian length, then bytes).
- GET /api/v1/log, /api/v1/log/proof?slug=&version=, /api/v1/log/consistency?from=&to=.

Every answer is computed from one read of the leaf hashes, so a proof and the
checkpoint served with it describe the same tree.
"""

from __future__ import annotations

import base64
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.http import base_url
from api.openapi import (
    DOCUMENT,
    INTEGER,
    MOVED_LOCATION,
    OBJECT,
    READ,
    SLUG,
    STRING,
    VERSION,
    array,
    errors,
    obj,
)
from core.errors import ApplicationError, NotFound
from passports.log import log_leaf_hashes, log_tree, log_verifier_key
from passports.models import LogEntry, PassportVersion
from passports.tiles import (
    ENTRIES,
    TILE_HEIGHT,
    TILE_WIDTH,
    TileError,
    entry_bundle,
    parse_tile_path,
    tile_width,
)
from passports.witnessing import cosigned_checkpoint

from .models import Artifact
from .selectors import artifact_get, served_document, version_get, version_of

IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=5"
ENTRY_FORMATS = {
    "passport": {
        "type": "passport",
        "slug": "the passport's slug",
        "version": "its version number",
        "digest": "sha256:<hex of SHA-256 of the signed bytes (RFC 8785 of passport without signature)>",
        "keyId": "the signing key's id",
        "signedAt": "the passport's signedAt",
    },
    "key": {
        "type": "key",
        "keyId": "the signing key's id",
        "status": "active | retired | revoked",
        "at": "when (RFC 3339, UTC, milliseconds)",
    },
    "encoding": "RFC 8785 canonical JSON; leaf hash SHA-256(0x00 || entry), RFC 9162",
}


_BASE64_HASHES = array({"type": "string", "contentEncoding": "base64"})
_LOG = obj({"origin": STRING, "verifierKey": STRING, "treeSize": INTEGER, "entryFormats": OBJECT})
_PROOF = obj(
    {
        "index": INTEGER,
        "treeSize": INTEGER,
        "rootHash": STRING,
        "entry": {"type": "string", "description": "The entry's RFC 8785 JSON, as hashed."},
        "inclusion": _BASE64_HASHES,
        "checkpoint": {"type": "string", "description": "A C2SP signed note."},
    }
)
_CONSISTENCY = obj({"from": INTEGER, "to": INTEGER, "proof": _BASE64_HASHES})
_BUNDLE = obj(
    {
        "document": DOCUMENT,
        "logEntry": STRING,
        "logIndex": INTEGER,
        "inclusion": _BASE64_HASHES,
        "checkpoint": STRING,
    }
)


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def checkpoint(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        cosigned_checkpoint(log_tree(log_leaf_hashes())), content_type="text/plain; charset=utf-8"
    )
    response["Cache-Control"] = SHORT
    return response


def tile(request: HttpRequest, path: str) -> HttpResponse:
    """A hash tile or an entry bundle; 404 for a path that names no tile of this tree."""
    try:
        address = parse_tile_path(path)
        leaves = log_leaf_hashes()
        size = len(leaves)
        available = tile_width(level=address.level, index=address.index, tree_size=size)
    except TileError as exc:
        return HttpResponse(str(exc), status=404, content_type="text/plain; charset=utf-8")
    width = address.width or TILE_WIDTH
    if width > available:
        return HttpResponse(
            f"this tree of size {size} has {available} of the {width} entries asked for",
            status=404,
            content_type="text/plain; charset=utf-8",
        )
    first = address.index * TILE_WIDTH
    if address.level == ENTRIES:
        entries = LogEntry.objects.filter(index__gte=first, index__lt=first + width).order_by(
            "index"
        )
        body = entry_bundle(
            entry.encode("utf-8") for entry in entries.values_list("entry", flat=True)
        )
    else:
        # Level L holds the roots of complete subtrees of 256**L leaves, hashed once per size.
        body = b"".join(log_tree(leaves).levels[address.level * TILE_HEIGHT][first : first + width])
    response = HttpResponse(body, content_type="application/octet-stream")
    # A full tile, and any partial tile, never changes once served: the tree only grows.
    response["Cache-Control"] = IMMUTABLE
    return response


class LogApi(APIView):
    @extend_schema(
        summary="The transparency log: origin, verifier key, size, entry formats",
        responses={200: _LOG, **errors(*READ)},
    )
    def get(self, request: Request) -> Response:
        return Response(
            {
                "origin": settings.LOG_ORIGIN,
                "verifierKey": log_verifier_key(),
                "treeSize": LogEntry.objects.count(),
                "entryFormats": ENTRY_FORMATS,
            }
        )


class LogProofApi(APIView):
    @extend_schema(
        summary="Inclusion proof of a passport version, against the checkpoint it returns",
        parameters=[OpenApiParameter("slug", str, required=True), VERSION, MOVED_LOCATION],
        responses={200: _PROOF, **errors(301, *READ, 404)},
    )
    def get(self, request: Request) -> Response:
        version = version_of(request.query_params)
        slug = version.artifact.slug
        entry = LogEntry.objects.filter(version=version).first()
        if entry is None:
            raise NotFound(
                f"{slug} version {version.number} is not in the log yet", field="version"
            )
        leaves = log_leaf_hashes()
        return Response(proof_of(entry=entry, leaves=leaves))


def proof_of(*, entry: LogEntry, leaves: list[bytes]) -> dict[str, Any]:
    """An entry's inclusion proof in the tree of `leaves`, with that tree's signed checkpoint."""
    tree = log_tree(leaves)
    return {
        "index": entry.index,
        "treeSize": tree.size,
        "rootHash": _b64(tree.root),
        "entry": entry.entry,
        "inclusion": [_b64(h) for h in tree.inclusion(entry.index)],
        "checkpoint": cosigned_checkpoint(tree),
    }


def _size(request: Request, name: str, *, largest: int, what: str) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        raise ApplicationError(f"{name} is required", field=name)
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 19:
        raise ApplicationError(f"{name} must be a tree size (a whole number)", field=name)
    value = int(raw)
    if not 1 <= value <= largest:
        raise ApplicationError(f"{name} must be from 1 to {what} ({largest})", field=name)
    return value


class LogConsistencyApi(APIView):
    @extend_schema(
        summary="Consistency proof between two sizes of the log (RFC 9162 2.1.4)",
        parameters=[
            OpenApiParameter("from", int, required=True, description="1..to"),
            OpenApiParameter("to", int, required=True, description="1..the log's size"),
        ],
        responses={200: _CONSISTENCY, **errors(*READ)},
    )
    def get(self, request: Request) -> Response:
        leaves = log_leaf_hashes()
        new = _size(request, "to", largest=len(leaves), what="the log's size")
        old = _size(request, "from", largest=new, what="the value of to")
        proof = log_tree(leaves).consistency(old, new)
        return Response({"from": old, "to": new, "proof": [_b64(h) for h in proof]})


class PassportBundleApi(APIView):
    @extend_schema(
        summary="A passport with its log entry, inclusion proof and checkpoint, for offline checks",
        parameters=[SLUG, VERSION, MOVED_LOCATION],
        responses={200: _BUNDLE, **errors(301, *READ, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        artifact = artifact_get(slug=slug)
        version = version_get(artifact=artifact, number=request.query_params.get("version"))
        return Response(passport_bundle(artifact=artifact, version=version, base=base_url(request)))


def passport_bundle(*, artifact: Artifact, version: PassportVersion, base: str) -> dict[str, Any]:
    """The bundle `python -m passports.verify` checks offline: the served document, its log
    entry, inclusion proof and checkpoint. NotFound while the version is not logged."""
    entry = LogEntry.objects.filter(version=version).first()
    if entry is None:
        raise NotFound(
            f"{artifact.slug} version {version.number} is not in the log yet", field="version"
        )
    proof = proof_of(entry=entry, leaves=log_leaf_hashes())
    document = served_document(
        version=version,
        slug=artifact.slug,
        base_url=base,
        warnings=[warning.as_dict() for warning in artifact.warnings.all()],
    )
    return {
        "document": document,
        "logEntry": entry.entry,
        "logIndex": entry.index,
        "inclusion": proof["inclusion"],
        "checkpoint": proof["checkpoint"],
    }
