"""A signed passport version served as bytes, without re-parsing it per request.

A version never changes (passports.models.PassportVersion refuses an update; a change is
version N+1), so the JSON of its `passport` object is rendered once per process and kept,
keyed by the version's id and digest. A request then costs one query (the version that
its slug and `?version=` name, and whether the artifact has import warnings) and a splice
of three fragments, which gives the bytes DRF's JSONRenderer gives for the whole document
(compact separators: a member's JSON is the same inside the document or alone):

    {"passport":<kept bytes>,"_links":<links on the request's base URL>,"warnings":<rows>}

The cache is this process's memory and needs no invalidation: an entry's key names an
immutable row, a re-signed passport is a new row (new id, new digest), and a key rotation
changes no stored version (the served passport names its key by id only). It is bounded
(SERVED_VERSIONS_CACHE_MB, least recently used first out); the full catalog's ~1,400
versions take ~10 MB. Why not Django's shared cache: measured on the 27 kB Maverick
passport (2 loaded cores), a Redis get took 0.8 ms, as much as the whole JWKS view, a dict
lookup ~0, and a miss (read the row and render) 3 ms, paid once per version and worker.

The ETag is the version's digest, quoted; when the artifact has import warnings (which
live beside the versions and change without a new one) a short hash of their bytes is
appended, so the tag changes whenever the served bytes do.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from rest_framework.renderers import JSONRenderer

from core.lru import SizedLru
from passports.models import PassportVersion

from .documents import links
from .models import ImportWarning
from .selectors import SignedVersionRow

_RENDERER = JSONRenderer()


def render(data: Any) -> bytes:
    """JSON bytes exactly as the API's renderer (DRF JSONRenderer, compact) writes them."""
    return _RENDERER.render(data)


# Rendered passports of immutable versions, least recently used out past
# SERVED_VERSIONS_CACHE_MB.
passports: SizedLru[tuple[int, str], bytes] = SizedLru(
    size=len, limit=lambda: settings.SERVED_VERSIONS_CACHE_MB * 1024 * 1024
)


def passport_bytes(*, version_id: int, digest: str) -> bytes:
    """The rendered `passport` object of a version: kept, or read and rendered once."""
    key = (version_id, digest)
    found = passports.get(key)
    if found is None:
        version = PassportVersion.objects.only("passport_json", "signature").get(pk=version_id)
        found = render(version.passport())
        passports.put(key, found)
    return found


@dataclass(frozen=True)
class Served:
    """What a detail request answers with, before any document bytes are touched."""

    row: SignedVersionRow
    slug: str
    warnings: bytes  # the rendered warnings list, b"[]" without any
    etag: str

    def body(self, *, base_url: str) -> bytes:
        """The document's bytes, identical to rendering `selectors.served_document`."""
        passport = passport_bytes(version_id=self.row.version_id, digest=self.row.digest)
        return b"".join(
            (
                b'{"passport":',
                passport,
                b',"_links":',
                render(links(self.slug, base_url)),
                b',"warnings":',
                self.warnings,
                b"}",
            )
        )


def warnings_of(artifact_id: int) -> list[dict[str, Any]]:
    return [w.as_dict() for w in ImportWarning.objects.filter(artifact_id=artifact_id)]


def served(*, row: SignedVersionRow, slug: str) -> Served:
    """The ETag and warnings of a version row (a query only when the artifact has warnings)."""
    warnings = render(warnings_of(row.artifact_id)) if row.warned else b"[]"
    tag = row.digest
    if row.warned:
        tag += "." + hashlib.sha256(warnings).hexdigest()[:16]
    return Served(row=row, slug=slug, warnings=warnings, etag=f'"{tag}"')
