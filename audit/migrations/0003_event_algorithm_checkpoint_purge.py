"""R15/R18/R19: each event records its chain algorithm; purge checkpoints; the append-only triggers now allow
exactly one thing besides INSERT: the controlled purge of events older than the legal minimum (180 days,
网络安全法 第二十一条), and nothing else.

- PostgreSQL: the row trigger lets a DELETE through only when the transaction-local setting ``zwxm.audit_purge``
  is ``on`` (``set_config(..., true)``, gone at commit or rollback) AND the row is older than 180 days.
- SQLite (no settings): the delete trigger's WHEN clause lets a row go only when it is older than 180 days AND a
  row of ``audit_purgepermit`` covering its ``seq`` exists; ``purge_audit`` writes and removes the permit in the
  same transaction. Either way a young row can never be deleted, whatever the application does.
- UPDATE stays refused on both. (On SQLite adding the column rebuilds the table, which drops its triggers:
  they are re-created here.)

The day figure is the legal floor; ``AUDIT_RETENTION_DAYS`` (≥ 180) is what ``purge_audit`` uses.
"""

from django.db import migrations, models

MIN_DAYS = 180

PG_FORWARD = f"""
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE'
     AND coalesce(current_setting('zwxm.audit_purge', true), '') = 'on'
     AND OLD.at < now() - interval '{MIN_DAYS} days' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION '审计日志只能追加，不能修改或删除 (audit_auditevent is append-only)';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS audit_event_no_update ON audit_auditevent;
CREATE TRIGGER audit_event_no_update BEFORE UPDATE OR DELETE ON audit_auditevent
  FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
CREATE OR REPLACE FUNCTION audit_checkpoint_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '审计清理检查点不能修改 (audit_auditcheckpoint is append-only)';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS audit_checkpoint_no_update ON audit_auditcheckpoint;
CREATE TRIGGER audit_checkpoint_no_update BEFORE UPDATE ON audit_auditcheckpoint
  FOR EACH ROW EXECUTE FUNCTION audit_checkpoint_append_only();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS audit_checkpoint_no_update ON audit_auditcheckpoint;
DROP FUNCTION IF EXISTS audit_checkpoint_append_only();
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '审计日志只能追加，不能修改或删除 (audit_auditevent is append-only)';
END;
$$ LANGUAGE plpgsql;
"""
# Also used by tests and test fixtures that lift and restore the triggers.
SQLITE_FORWARD = [
    "DROP TRIGGER IF EXISTS audit_event_no_update;",
    "DROP TRIGGER IF EXISTS audit_event_no_delete;",
    """CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_auditevent
       BEGIN SELECT RAISE(ABORT, '审计日志只能追加，不能修改 (audit_auditevent is append-only)'); END;""",
    f"""CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_auditevent
       WHEN NOT (OLD.at < strftime('%Y-%m-%d %H:%M:%f', 'now', '-{MIN_DAYS} days')
                 AND EXISTS (SELECT 1 FROM audit_purgepermit WHERE up_to_seq >= OLD.seq))
       BEGIN SELECT RAISE(ABORT, '审计日志只能追加，不能删除 (audit_auditevent is append-only)'); END;""",
    "DROP TRIGGER IF EXISTS audit_checkpoint_no_update;",
    """CREATE TRIGGER audit_checkpoint_no_update BEFORE UPDATE ON audit_auditcheckpoint
       BEGIN SELECT RAISE(ABORT, '审计清理检查点不能修改 (audit_auditcheckpoint is append-only)'); END;""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS audit_checkpoint_no_update;",
    "DROP TRIGGER IF EXISTS audit_event_no_delete;",
    """CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_auditevent
       BEGIN SELECT RAISE(ABORT, '审计日志只能追加，不能删除 (audit_auditevent is append-only)'); END;""",
]


def install_triggers(connection):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(PG_FORWARD)
        elif connection.vendor == "sqlite":
            for sql in SQLITE_FORWARD:
                cursor.execute(sql)


def forwards(apps, schema_editor):
    install_triggers(schema_editor.connection)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD)
    elif vendor == "sqlite":
        for sql in SQLITE_BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0002_append_only'),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditCheckpoint',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('seq', models.BigIntegerField(unique=True, verbose_name='最后清理的序号')),
                ('hash', models.CharField(max_length=64)),
                ('algorithm', models.CharField(max_length=20)),
                ('mac', models.CharField(max_length=64)),
                ('purged_at', models.DateTimeField(verbose_name='清理时间')),
                ('purged_count', models.PositiveIntegerField(verbose_name='清理条数')),
            ],
            options={
                'verbose_name': '审计清理检查点',
                'verbose_name_plural': '审计清理检查点',
            },
        ),
        migrations.CreateModel(
            name='PurgePermit',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('up_to_seq', models.BigIntegerField()),
                ('created_at', models.DateTimeField(auto_now_add=True)),
            ],
            options={
                'verbose_name': '审计清理许可',
                'verbose_name_plural': '审计清理许可',
            },
        ),
        migrations.AddField(
            model_name='auditevent',
            name='algorithm',
            field=models.CharField(blank=True, default='', max_length=20, verbose_name='链算法'),
        ),
        migrations.AddIndex(
            model_name='auditevent',
            index=models.Index(fields=['request_id'], name='audit_event_request_idx'),
        ),
        migrations.RunPython(forwards, backwards),
    ]
