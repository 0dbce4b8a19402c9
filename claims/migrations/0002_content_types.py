# The content types of Claim and OwnerToken follow them from web to claims, so
# staff permissions and admin history entries keep pointing at them. On a new
# database there is nothing to move: content types are made after migrating.

from django.db import migrations

MODELS = ('claim', 'ownertoken')


def _move(apps, schema_editor, source, target):
    content_type = apps.get_model('contenttypes', 'ContentType')
    types = content_type.objects.using(schema_editor.connection.alias)
    for model in MODELS:
        # Leave both alone if the target exists already (made by a run of the new code).
        if not types.filter(app_label=target, model=model).exists():
            types.filter(app_label=source, model=model).update(app_label=target)


def forwards(apps, schema_editor):
    _move(apps, schema_editor, 'web', 'claims')


def backwards(apps, schema_editor):
    _move(apps, schema_editor, 'claims', 'web')


class Migration(migrations.Migration):

    dependencies = [
        ('claims', '0001_initial'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
