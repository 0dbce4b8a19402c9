"""Fill Artifact.family for listings stored before it existed (registry.naming.family_of)."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def fill(apps: Any, schema_editor: Any) -> None:
    from registry.naming import family_of

    Artifact = apps.get_model("registry", "Artifact")
    for artifact in Artifact.objects.filter(family="").only("pk", "name").iterator():
        Artifact.objects.filter(pk=artifact.pk).update(family=family_of(artifact.name)[:200])


class Migration(migrations.Migration):
    dependencies = [("registry", "0006_offers_aliases_family")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
