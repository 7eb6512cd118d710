"""Backup and recovery (SECURITY.md 41–42): the backup and its manifest, restore refusals, and the restore drill,
on whichever database the suite runs against (SQLite: the online backup API into a scratch file; PostgreSQL:
pg_dump -Fc and pg_restore into a scratch database the command creates and drops). Run both:

    .venv/bin/pytest tests/security/test_backup.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zw_x PG_TEST_NAME=test_zw_x .venv/bin/pytest tests/security/test_backup.py

The tests are transactional: pg_dump is another process and sees only committed rows (see
tests/concurrency/conftest.py for the flush and the reference data).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection, connections

from audit.models import AuditEvent
from declarations import documents, services
from declarations.models import Document
from ops import backup as ops_backup
from tests import factories
from tests.browser.conftest import _empty_audit_table_for_flush, _reseed_after_flush, seed_reference_data

PDF = b"%PDF-1.7\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture(scope="module", autouse=True)
def _reference_data_survives_flush(django_db_setup, django_db_blocker):
    from django.apps import apps
    from django.db.models.signals import post_migrate

    policy = apps.get_app_config("policy")
    post_migrate.disconnect(sender=policy, dispatch_uid="policy-sync-shipped-profiles")
    post_migrate.connect(_reseed_after_flush, sender=policy, dispatch_uid="tests-backup-reseed")
    yield
    post_migrate.disconnect(sender=policy, dispatch_uid="tests-backup-reseed")
    policy.ready()


@pytest.fixture(autouse=True)
def _committed_db(_reference_data_survives_flush, transactional_db, settings, tmp_path):
    settings.STORAGE_DIR = tmp_path / "storage"
    seed_reference_data()
    yield
    _empty_audit_table_for_flush()


@pytest.fixture
def with_documents(transactional_db):
    unit = factories.org("T-BK", "备份测试单位")
    from accounts.models import Role

    filer = factories.user("filer_bk", unit, Role.FILER)
    project = factories.project(filer, name="备份演练项目")
    made = []
    for kind, name, data in (("implementation_plan", "实施方案.pdf", PDF), ("mlps_plan", "等保方案.pdf", PDF + b"%2")):
        f = SimpleUploadedFile(name, data)
        made.append(services.document_upload(actor=filer, project_id=project.pk, kind=kind, name=name, size=f.size,
                                             fileobj=f))
    return made


def test_r41_backup_writes_a_manifest_of_schema_rows_and_file_digests(with_documents, tmp_path, settings):
    call_command("backup", str(tmp_path / "b"))
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["engine"] == connection.vendor and manifest["created"].endswith("+08:00")
    assert {tuple(m) for m in manifest["migrations"]} == ops_backup.code_migrations()
    assert manifest["tables"]["audit_auditevent"] == AuditEvent.objects.count() > 0
    assert manifest["tables"]["declarations_document"] == 2
    stored = {f"documents/{d.stored_name[:2]}/{d.stored_name}": d.sha256 for d in Document.objects.all()}
    assert {f["path"]: f["sha256"] for f in manifest["files"]} == stored
    for entry in manifest["files"]:
        copied = tmp_path / "b" / "files" / entry["path"]
        assert hashlib.sha256(copied.read_bytes()).hexdigest() == entry["sha256"]
    db = manifest["database_file"]
    assert db["name"] == ("database.sqlite3" if connection.vendor == "sqlite" else "database.dump")
    assert hashlib.sha256((tmp_path / "b" / db["name"]).read_bytes()).hexdigest() == db["sha256"]
    with pytest.raises(CommandError, match="备份目录不是空的"):
        call_command("backup", str(tmp_path / "b"))


def test_r41_restore_drill_restores_into_a_scratch_database_and_checks_everything(with_documents, capsys):
    events = AuditEvent.objects.count()
    call_command("restore_drill")
    out = capsys.readouterr().out
    assert "恢复演练通过" in out and f"审计事件 {events} 个" in out
    assert "文件 2 个，文件记录 2 条" in out
    assert getattr(connections._connections, "restore_drill", None) is None  # the scratch connection is gone
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_database WHERE datname LIKE %s", [f"{connection.settings_dict['NAME']}_drill_%"])
            assert cursor.fetchone()[0] == 0  # the scratch database was dropped


def test_r41_the_drill_fails_when_the_restored_chain_or_a_file_differs(with_documents, monkeypatch, capsys):
    real_restore = ops_backup.restore

    def restore_then_damage(source, *, alias, storage_dir):
        manifest = real_restore(source, alias=alias, storage_dir=storage_dir)
        scratch = connections[alias]
        with scratch.cursor() as cursor:  # what a broken restore could leave: one altered event, one bad file
            if scratch.vendor == "sqlite":
                cursor.execute("DROP TRIGGER audit_event_no_update")
            else:
                cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_no_update")
            cursor.execute("UPDATE audit_auditevent SET action = 'document.deleted' WHERE seq = "
                           "(SELECT MAX(seq) FROM audit_auditevent)")
        (Path(storage_dir) / manifest["files"][0]["path"]).write_bytes(b"%PDF-damaged")
        return manifest

    monkeypatch.setattr(ops_backup, "restore", restore_then_damage)
    with pytest.raises(CommandError, match="恢复演练发现 3 处不符"):
        call_command("restore_drill")
    err = capsys.readouterr().err
    assert "恢复后的审计链核验失败" in err
    assert "恢复后的文件摘要不符或缺失" in err and "恢复后的申报附件文件缺失或摘要不符" in err


def test_r41_restore_refuses_a_non_empty_database_another_schema_and_a_damaged_backup(with_documents, tmp_path):
    call_command("backup", str(tmp_path / "b"))
    with pytest.raises(CommandError, match=r"^目标数据库不是空的（已有 \d+ 张表"):
        call_command("restore", str(tmp_path / "b"))
    manifest_path = tmp_path / "b" / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    good = manifest["migrations"]
    last = sorted(good)[-1]

    manifest["migrations"] = [m for m in good if m != last]  # made before the code's newest migration
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(CommandError) as older:
        call_command("restore", str(tmp_path / "b"))
    assert str(older.value).startswith("备份的数据库结构版本与当前程序不一致，拒绝恢复：备份缺少 1 个迁移（备份来自较旧的数据库结构），"
                                       f"例如 {last[0]}.{last[1]}")
    assert "The backup's schema (applied migrations) differs from this code's (1 missing, 0 extra)" in str(older.value)

    manifest["migrations"] = [*good, ["audit", "9999_from_the_future"]]
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(CommandError, match="备份多出 1 个当前程序没有的迁移（备份来自较新的版本），例如 audit.9999_from_the_future"):
        call_command("restore", str(tmp_path / "b"))

    manifest["migrations"] = good
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    damaged = tmp_path / "b" / "files" / manifest["files"][0]["path"]
    damaged.write_bytes(b"changed")
    with pytest.raises(CommandError, match=f"备份中的文件 {manifest['files'][0]['path']} 缺失或已损坏"):
        call_command("restore", str(tmp_path / "b"))
    assert documents.storage_root().exists()  # nothing was touched in the live storage
    assert Document.objects.count() == 2


def test_r42_the_admin_guide_documents_backups_wal_archiving_and_an_offsite_encrypted_copy():
    guide = (Path(__file__).resolve().parents[2] / "docs" / "admin-guide.md").read_text(encoding="utf-8")
    section = guide.split("## Backups", 1)[1].split("\n## ", 1)[0]
    for needed in ("manage.py backup", "manage.py restore ", "manage.py restore_drill", "archive_mode = on",
                   "archive_command", "archive_timeout = 60", "primary_conninfo", "RPO", "gpg", "SM4",
                   "reconcile_files", "pg_restore"):
        assert needed in section, needed
