# Claim and OwnerToken now belong to the claims app (claims 0001), which took
# over their tables as they are. Only web's migration state forgets them: the
# tables and their rows stay.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('web', '0002_owner_token_reissue'),
        ('claims', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name='OwnerToken'),
                migrations.DeleteModel(name='Claim'),
            ],
        ),
    ]
