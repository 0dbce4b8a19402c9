# Claim and OwnerToken moved here from web/ (web 0001-0002 made their tables).
# The tables keep their names (Meta.db_table), so this migration changes the
# migration state only: on an existing database no row is copied or lost, and
# on a new one web 0001-0002 have made the tables already.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('registry', '0005_catalog_importer_version'),
        ('web', '0002_owner_token_reissue'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Claim',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('contact', models.CharField(blank=True, default='', max_length=200)),
                        ('public_key', models.CharField(max_length=44)),
                        ('key_id', models.CharField(max_length=64)),
                        ('challenge', models.CharField(max_length=300, unique=True)),
                        ('expires_at', models.DateTimeField()),
                        ('signature', models.CharField(blank=True, default='', max_length=88)),
                        ('secret_hash', models.CharField(max_length=64, unique=True)),
                        ('status', models.CharField(choices=[('challenged', 'waiting for the signed challenge'), ('pending', 'signed; waiting for staff approval'), ('approved', 'Approved'), ('rejected', 'Rejected')], default='challenged', max_length=16)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('signed_at', models.DateTimeField(blank=True, null=True)),
                        ('decided_at', models.DateTimeField(blank=True, null=True)),
                        ('decided_by', models.CharField(blank=True, default='', max_length=150)),
                        ('artifact', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='claims', to='registry.artifact')),
                    ],
                    options={
                        'db_table': 'web_claim',
                        'ordering': ['-created_at'],
                    },
                ),
                migrations.CreateModel(
                    name='OwnerToken',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('token_hash', models.CharField(max_length=64, unique=True)),
                        ('prefix', models.CharField(max_length=12)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('revoked_at', models.DateTimeField(blank=True, null=True)),
                        ('artifact', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='owner_tokens', to='registry.artifact')),
                        ('claim', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='tokens', to='claims.claim')),
                    ],
                    options={
                        'db_table': 'web_ownertoken',
                    },
                ),
                migrations.AddConstraint(
                    model_name='claim',
                    constraint=models.UniqueConstraint(condition=models.Q(('status', 'approved')), fields=('artifact',), name='one_approved_claim'),
                ),
                migrations.AddConstraint(
                    model_name='ownertoken',
                    constraint=models.UniqueConstraint(condition=models.Q(('revoked_at__isnull', True)), fields=('claim',), name='one_live_owner_token'),
                ),
            ],
        ),
    ]
