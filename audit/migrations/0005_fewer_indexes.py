"""Fewer indexes on the audit trail, each written by every audited action under the chain head's lock (issue #8):
no unique index on ``hash`` nor its LIKE twin (the chain is walked by ``seq``; two indexes of random 64-character
keys were the costliest part of an insert at ten million events), no single-column indexes on the foreign keys that
the (…, seq) indexes already lead with, and one prefix index for ``action`` instead of two.

On SQLite changing a column rebuilds the table, which drops its triggers: the append-only triggers of 0003 are
installed again at the end (on PostgreSQL that is a no-op re-creation).
"""

import importlib

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def reinstall_triggers(apps, schema_editor):
    importlib.import_module("audit.migrations.0003_event_algorithm_checkpoint_purge").install_triggers(
        schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_login_security'),
        ('audit', '0004_search_indexes'),
        ('projects', '0003_ledger_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Backwards, the table is rebuilt after the last operation below is undone: install the triggers again.
        migrations.RunPython(migrations.RunPython.noop, reinstall_triggers),
        migrations.AlterField(
            model_name='auditevent',
            name='action',
            field=models.CharField(max_length=60, verbose_name='操作'),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='actor',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='操作人'),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='hash',
            field=models.CharField(max_length=64),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='organisation',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.organisation', verbose_name='机构'),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='project',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='audit_events', to='projects.project', verbose_name='项目'),
        ),
        migrations.AddIndex(
            model_name='auditevent',
            index=models.Index(fields=['action'], name='audit_event_action_idx', opclasses=['varchar_pattern_ops']),
        ),
        migrations.RunPython(reinstall_triggers, reinstall_triggers),
    ]
