"""Indexes for the audit search at provincial scale (issue #8): the user filter (actor_name, newest first) and, on
PostgreSQL, a trigram index for the organisation filter (``organisation_name LIKE '%…%'``), which otherwise
scans the whole trail for an organisation with few events. pg_trgm is a trusted extension (PostgreSQL 13+):
the database owner may create it. SQLite has neither and needs neither at its embedded scale."""

from django.db import migrations, models

PG_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS audit_event_org_name_trgm ON audit_auditevent USING gin (organisation_name gin_trgm_ops)",
]
PG_BACKWARD = ["DROP INDEX IF EXISTS audit_event_org_name_trgm"]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in PG_FORWARD:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in PG_BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_event_algorithm_checkpoint_purge")]
    operations = [
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["actor_name", "seq"], name="audit_event_actor_name_idx"),
        ),
        migrations.RunPython(forwards, backwards),
    ]
