"""A listing's identity: its family, renaming it, merging a duplicate into it, old slugs.

A renamed or merged listing's old slug becomes an ArtifactAlias; pages and the API
answer it with a 301 to the current slug, and the passport lists it in
`registry.aliases`. A merged listing keeps its row and its signed versions (the
log never forgets them) but is no longer listed; its offers move to the target.
"""

from __future__ import annotations

from django.db import transaction

from core.errors import ApplicationError

from .models import Artifact, ArtifactAlias, ProviderEndpoint
from .naming import family_of
from .refresh import artifacts_refresh


def family_sync(*, artifact: Artifact) -> None:
    """Keep `artifact.family` what its name says (registry.naming.family_of)."""
    family = family_of(artifact.name)[:200]
    if artifact.family != family:
        artifact.family = family
        artifact.save(update_fields=["family", "updated_at"])


def current_slug(slug: str) -> str | None:
    """The slug a listing formerly known as `slug` has now; None if `slug` was never one."""
    alias = ArtifactAlias.objects.filter(slug=slug).select_related("artifact").first()
    if alias is None:
        merged = Artifact.objects.filter(slug=slug, merged_into__isnull=False).first()
        target = merged.merged_into if merged else None
    else:
        target = alias.artifact
    for _ in range(8):  # bounded: a merge into a listing merged in its turn
        if target is None or target.merged_into_id is None:
            break
        target = target.merged_into
    return target.slug if target is not None and target.slug != slug else None


def _alias_add(*, slug: str, artifact: Artifact, reason: str) -> None:
    ArtifactAlias.objects.filter(slug=slug).exclude(artifact=artifact).delete()
    ArtifactAlias.objects.get_or_create(
        slug=slug, defaults={"artifact": artifact, "reason": reason}
    )


def artifact_rename(
    *, artifact: Artifact, slug: str | None = None, name: str | None = None
) -> None:
    """Give a listing a new slug and/or name; the old slug redirects. Signs a new version."""
    slug = (slug or artifact.slug).strip()
    name = (name or artifact.name).strip()
    if not slug or not name:
        raise ApplicationError("a listing needs a slug and a name", field="slug")
    with transaction.atomic():
        locked = Artifact.objects.select_for_update().get(pk=artifact.pk)
        if slug != locked.slug:
            if Artifact.objects.filter(slug=slug).exclude(pk=locked.pk).exists():
                raise ApplicationError(f"slug {slug!r} belongs to another listing", field="slug")
            old = locked.slug
            ArtifactAlias.objects.filter(slug=slug, artifact=locked).delete()
            _alias_add(slug=old, artifact=locked, reason="renamed")
            locked.slug = slug
            if locked.page_url:
                locked.page_url = locked.page_url.replace(f"/passports/{old}", f"/passports/{slug}")
            locked.distribution = {
                key: value.replace(f"={old}", f"={slug}") if isinstance(value, str) else value
                for key, value in (locked.distribution or {}).items()
            }
        locked.name = name
        locked.save()
        family_sync(artifact=locked)
        artifacts_refresh(artifact_ids=[locked.pk])
    artifact.refresh_from_db()


def artifact_merge(*, source: Artifact, target: Artifact, variant: str = "") -> None:
    """Fold `source` (a duplicate listing, e.g. a variant imported as a model) into `target`.

    Its offers move to `target` (marked `variant` where they had none), its slug and
    aliases redirect there, and it stops being listed. Signs a new version of `target`.
    """
    if source.pk == target.pk:
        raise ApplicationError("a listing cannot be merged into itself", field="target")
    with transaction.atomic():
        locked = {
            a.pk: a
            for a in Artifact.objects.select_for_update().filter(pk__in=[source.pk, target.pk])
        }
        src, dst = locked[source.pk], locked[target.pk]
        if dst.merged_into_id is not None:
            raise ApplicationError(f"{dst.slug!r} is itself merged", field="target")
        offers = ProviderEndpoint.objects.filter(artifact=src)
        if variant:
            offers.filter(variant="").update(variant=variant)
        offers.update(artifact=dst)
        ArtifactAlias.objects.filter(artifact=src).update(artifact=dst, reason="merged")
        _alias_add(slug=src.slug, artifact=dst, reason="merged")
        Artifact.objects.filter(merged_into=src).update(merged_into=dst)
        src.merged_into = dst
        src.save(update_fields=["merged_into", "updated_at"])
        artifacts_refresh(artifact_ids=[dst.pk])
    source.refresh_from_db()
    target.refresh_from_db()
