"""Backup, restore and the restore drill (SECURITY.md 41; docs/admin-guide.md "Backups").

A backup is a directory::

    manifest.json        format, created (Asia/Shanghai), engine, the applied migrations (the schema version),
                         every table's row count, the database file's digest, every stored file's digest
    database.dump        PostgreSQL: ``pg_dump -Fc`` (custom format, restored with ``pg_restore``)
    database.sqlite3     SQLite: a copy made with the online backup API (``sqlite3.Connection.backup``),
                         consistent while the platform keeps running
    files/…              a copy of ``STORAGE_DIR`` (declaration documents, project archive, …)

Consistency: on PostgreSQL the row counts and the migrations are read in one REPEATABLE READ transaction whose
snapshot ``pg_dump --snapshot`` then dumps, so the manifest describes exactly the dump even while users work;
on SQLite they are read from the copy itself. Files are copied after the database: a file uploaded in between
is an orphan in the backup (``reconcile_files`` reports it), never a record without its file.

Restore goes into an EMPTY database only and refuses a backup whose migrations differ from the code's (an
older or newer schema): restoring it and then migrating is a decision for a person, not for a script.
The audit table's append-only triggers (audit/migrations/0002) refuse UPDATE and DELETE, not INSERT: SQLite's
backup API copies pages (no trigger fires) and ``pg_restore`` loads the rows with COPY before it creates the
triggers (post-data section), so a restore never has to lift them. That is also why the target must be empty:
nothing is ever deleted or overwritten.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess  # nosec B404
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connections
from django.db.utils import load_backend
from django.utils import timezone

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.dump"
FILES_DIR = "files"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A refusal or failure, with a message for the administrator (Chinese, then English)."""


@dataclass
class DrillReport:
    tables: int = 0
    rows: int = 0
    audit_events: int = 0
    files: int = 0
    records_checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# --- helpers ------------------------------------------------------------------------------------

def vendor_of(alias: str) -> str:
    vendor = connections[alias].vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"不支持的数据库类型：{vendor}（只支持 PostgreSQL 和 SQLite） / unsupported database {vendor}")
    return vendor


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def code_migrations() -> set[tuple[str, str]]:
    """Every migration the code ships: the schema version a database must have to be restored here."""
    from django.db.migrations.loader import MigrationLoader

    return set(MigrationLoader(None, ignore_no_migrations=True).graph.nodes)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _pg_env(settings_dict: dict, dbname: str | None = None) -> dict:
    """libpq's environment (the password never appears on a command line)."""
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if settings_dict.get(key):
            env[var] = str(settings_dict[key])
    env["PGDATABASE"] = dbname or settings_dict["NAME"]
    return env


def _pg_connect(settings_dict: dict, dbname: str | None = None, **kwargs):
    import psycopg

    params = {"dbname": dbname or settings_dict["NAME"]}
    for key, param in (("HOST", "host"), ("PORT", "port"), ("USER", "user"), ("PASSWORD", "password")):
        if settings_dict.get(key):
            params[param] = str(settings_dict[key])
    return psycopg.connect(**params, **kwargs)


def _run(args: list[str], env: dict, what: str) -> None:
    tool = shutil.which(args[0])
    if tool is None:
        raise BackupError(f"找不到 {args[0]}：请安装 PostgreSQL 客户端工具（与服务器同一主版本） / {args[0]} not found")
    # An argument list with the tool's full path, never a shell; the password travels in the environment.
    result = subprocess.run([tool, *args[1:]], env=env, capture_output=True, text=True, check=False)  # nosec B603
    if result.returncode != 0:
        raise BackupError(f"{what}失败（{args[0]} 退出码 {result.returncode}）：{result.stderr.strip()[:2000]}")


def _tables_sqlite(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                        "ORDER BY name").fetchall()
    return [r[0] for r in rows]


def _counts(cursor, tables: list[str]) -> dict[str, int]:
    counts = {}
    for table in tables:
        # The table names come from the database's own catalogue and are quoted.
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")  # nosec B608
        counts[table] = cursor.fetchone()[0]
    return counts


def _migrations_from(cursor, tables: list[str]) -> list[list[str]]:
    if "django_migrations" not in tables:
        return []
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    return [[app, name] for app, name in cursor.fetchall()]


# --- backup -------------------------------------------------------------------------------------

def backup(target: Path, *, alias: str = "default", storage_dir: Path | None = None) -> dict:
    """Back up the database ``alias`` and the file storage into the new or empty directory ``target``."""
    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"备份目录不是空的：{target}（请指定一个新目录） / the backup directory is not empty")
    target.mkdir(parents=True, exist_ok=True, mode=0o700)
    vendor = vendor_of(alias)
    settings_dict = connections[alias].settings_dict
    if vendor == "sqlite":
        db_file, tables, counts, migrations = _backup_sqlite(alias, target / SQLITE_FILE)
    else:
        db_file, tables, counts, migrations = _backup_pg(settings_dict, target / PG_FILE)
    os.chmod(db_file, 0o600)
    files = _copy_files(Path(storage_dir or settings.STORAGE_DIR), target / FILES_DIR)
    manifest = {
        "format": FORMAT,
        "created": timezone.localtime().isoformat(timespec="seconds"),
        "engine": vendor,
        "source_database": str(settings_dict["NAME"]),
        "migrations": migrations,
        "tables": counts,
        "database_file": {"name": db_file.name, "sha256": file_digest(db_file), "size": db_file.stat().st_size},
        "digest_algorithm": "sha256",
        "files": files,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest


def _backup_sqlite(alias: str, dest: Path):
    conn = connections[alias]
    conn.ensure_connection()
    copy_conn = sqlite3.connect(dest)
    try:
        # The online backup API: a consistent copy page by page while others keep reading and writing.
        conn.connection.backup(copy_conn)
        tables = _tables_sqlite(copy_conn)
        cursor = copy_conn.cursor()
        counts = _counts(cursor, tables)
        migrations = _migrations_from(cursor, tables)
    finally:
        copy_conn.close()
    return dest, tables, counts, migrations


def _backup_pg(settings_dict: dict, dest: Path):
    # One snapshot for the counts, the migrations and the dump (pg_dump --snapshot).
    with _pg_connect(settings_dict) as pg:
        pg.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = pg.execute("SELECT pg_export_snapshot()").fetchone()[0]
        tables = [r[0] for r in pg.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename").fetchall()]
        cursor = pg.cursor()
        counts = _counts(cursor, tables)
        migrations = _migrations_from(cursor, tables)
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
              f"--file={dest}"], _pg_env(settings_dict), "数据库备份（pg_dump）")
        pg.rollback()
    return dest, tables, counts, migrations


def _copy_files(source: Path, dest: Path) -> list[dict]:
    files = []
    dest.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not source.exists():
        return files
    for path in sorted(p for p in source.rglob("*") if p.is_file() and not p.is_symlink()):
        relative = path.relative_to(source)
        out = dest / relative
        out.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        shutil.copy2(path, out)
        files.append({"path": relative.as_posix(), "sha256": file_digest(out), "size": out.stat().st_size})
    return files


# --- restore ------------------------------------------------------------------------------------

def read_manifest(source: Path) -> dict:
    path = Path(source) / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BackupError(f"不是备份目录：找不到 {path} / not a backup directory (no {MANIFEST})") from exc
    except ValueError as exc:
        raise BackupError(f"备份清单无法读取：{path} / the manifest is not valid JSON") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"备份格式版本 {manifest.get('format')!r} 不受支持（应为 {FORMAT}） / unsupported backup format")
    return manifest


def check_schema(manifest: dict) -> None:
    """Refuse a backup whose applied migrations are not exactly the code's."""
    in_backup = {tuple(m) for m in manifest.get("migrations", [])}
    in_code = code_migrations()
    missing, extra = sorted(in_code - in_backup), sorted(in_backup - in_code)
    if not missing and not extra:
        return
    parts = []
    if missing:
        parts.append(f"备份缺少 {len(missing)} 个迁移（备份来自较旧的数据库结构），例如 {'.'.join(missing[0])}")
    if extra:
        parts.append(f"备份多出 {len(extra)} 个当前程序没有的迁移（备份来自较新的版本），例如 {'.'.join(extra[0])}")
    raise BackupError(
        "备份的数据库结构版本与当前程序不一致，拒绝恢复：" + "；".join(parts) + "。请用生成该备份的程序版本恢复，"
        "再升级并执行 migrate。 / The backup's schema (applied migrations) differs from this code's "
        f"({len(missing)} missing, {len(extra)} extra): restore it with the version that made it, then migrate.")


def check_integrity(source: Path, manifest: dict) -> None:
    db = manifest["database_file"]
    path = Path(source) / db["name"]
    if not path.exists() or file_digest(path) != db["sha256"]:
        raise BackupError(f"备份中的数据库文件 {db['name']} 缺失或已损坏（摘要不符），拒绝恢复 / the database file is "
                          "missing or corrupt")
    for entry in manifest["files"]:
        path = Path(source) / FILES_DIR / entry["path"]
        if not path.exists() or file_digest(path) != entry["sha256"]:
            raise BackupError(f"备份中的文件 {entry['path']} 缺失或已损坏（摘要不符），拒绝恢复 / a stored file is "
                              "missing or corrupt")


def existing_tables(alias: str) -> list[str]:
    conn = connections[alias]
    try:
        with conn.cursor() as cursor:
            return [t for t in conn.introspection.table_names(cursor) if not t.startswith("sqlite_")]
    except DatabaseError as exc:
        raise BackupError(f"无法连接目标数据库 {conn.settings_dict['NAME']}（请先创建空数据库，例如 createdb）：{exc} / "
                          "cannot connect to the target database") from exc


def restore(source: Path, *, alias: str = "default", storage_dir: Path | None = None) -> dict:
    """Restore a backup into the EMPTY database ``alias`` and the empty file storage."""
    source = Path(source)
    manifest = read_manifest(source)
    check_schema(manifest)
    vendor = vendor_of(alias)
    if manifest["engine"] != vendor:
        raise BackupError(f"备份来自 {manifest['engine']}，目标数据库是 {vendor}，不能直接恢复 / engine mismatch")
    check_integrity(source, manifest)
    tables = existing_tables(alias)
    if tables:
        raise BackupError(f"目标数据库不是空的（已有 {len(tables)} 张表，例如 {tables[0]}），拒绝恢复：只能恢复到新建的"
                          "空数据库 / the target database is not empty")
    storage = Path(storage_dir or settings.STORAGE_DIR)
    if storage.exists() and any(p.is_file() for p in storage.rglob("*")):
        raise BackupError(f"目标文件存储目录不是空的：{storage}，拒绝恢复 / the target file storage is not empty")
    if vendor == "sqlite":
        _restore_sqlite(alias, source / SQLITE_FILE)
    else:
        _restore_pg(connections[alias].settings_dict, source / PG_FILE)
    connections[alias].close()
    for entry in manifest["files"]:
        out = storage / entry["path"]
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / FILES_DIR / entry["path"], out)
    return manifest


def _restore_sqlite(alias: str, path: Path) -> None:
    conn = connections[alias]
    conn.ensure_connection()
    backup_conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        backup_conn.backup(conn.connection)
    finally:
        backup_conn.close()


def _restore_pg(settings_dict: dict, path: Path) -> None:
    _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
          f"--dbname={settings_dict['NAME']}", str(path)], _pg_env(settings_dict), "数据库恢复（pg_restore）")


# --- the drill ----------------------------------------------------------------------------------

DRILL_ALIAS = "restore_drill"


def restore_drill(*, alias: str = "default", keep: Path | None = None) -> DrillReport:
    """Back up ``alias``, restore into a scratch database and a scratch file storage, and check table counts,
    the audit chain and every file's digest. The scratch database is dropped afterwards."""
    work = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="restore-drill-"))
    work.mkdir(parents=True, exist_ok=True)
    vendor = vendor_of(alias)
    source_settings = connections[alias].settings_dict
    scratch = copy.deepcopy(source_settings)
    scratch_name = None
    try:
        manifest = backup(work / "backup", alias=alias)
        if vendor == "sqlite":
            scratch["NAME"] = str(work / "scratch.sqlite3")
            scratch["TEST"] = {"NAME": scratch["NAME"]}
        else:
            scratch_name = f"{str(source_settings['NAME'])[:40]}_drill_{uuid.uuid4().hex[:8]}"
            with _pg_connect(source_settings, "postgres", autocommit=True) as pg:
                from psycopg import sql

                pg.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(scratch_name)))
            scratch["NAME"] = scratch_name
        # A connection made here rather than declared in settings.DATABASES: nothing else can route to it.
        connections[DRILL_ALIAS] = load_backend(scratch["ENGINE"]).DatabaseWrapper(scratch, DRILL_ALIAS)
        restore(work / "backup", alias=DRILL_ALIAS, storage_dir=work / "storage")
        return check_restored(manifest, alias=DRILL_ALIAS, storage_dir=work / "storage")
    finally:
        scratch_connection = getattr(connections._connections, DRILL_ALIAS, None)
        if scratch_connection is not None:
            scratch_connection.close()
            del connections[DRILL_ALIAS]
        if scratch_name:
            with _pg_connect(source_settings, "postgres", autocommit=True) as pg:
                from psycopg import sql

                pg.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(scratch_name)))
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


def check_restored(manifest: dict, *, alias: str, storage_dir: Path) -> DrillReport:
    report = DrillReport()
    conn = connections[alias]
    with conn.cursor() as cursor:
        tables = sorted(t for t in conn.introspection.table_names(cursor) if not t.startswith("sqlite_"))
        counts = _counts(cursor, tables)
    report.tables, report.rows = len(tables), sum(counts.values())
    if counts != manifest["tables"]:
        differing = sorted(set(counts.items()) ^ set(manifest["tables"].items()))
        report.problems.append(f"表行数与备份清单不一致：{differing[:5]}")
    _check_chain(alias, report)
    for entry in manifest["files"]:
        path = storage_dir / entry["path"]
        if not path.exists() or file_digest(path) != entry["sha256"]:
            report.problems.append(f"恢复后的文件摘要不符或缺失：{entry['path']}")
        report.files += 1
    _check_records(alias, storage_dir, report)
    return report


def _check_chain(alias: str, report: DrillReport) -> None:
    from audit import chain, models

    anchor_seq, anchor_hash = 0, chain.GENESIS
    # After a purge (SECURITY.md 19) the chain starts at the latest checkpoint, as in audit.chain.verify_stored.
    checkpoint_model = getattr(models, "AuditCheckpoint", None)
    if checkpoint_model is not None:
        checkpoint = checkpoint_model.objects.using(alias).order_by("-seq").first()
        if checkpoint is not None:
            anchor_seq, anchor_hash = checkpoint.seq, checkpoint.hash
    AuditEvent = models.AuditEvent  # noqa: N806
    result = chain.verify(AuditEvent.objects.using(alias).order_by("seq").iterator(chunk_size=2000),
                          anchor_seq=anchor_seq, anchor_hash=anchor_hash)
    report.audit_events = result.checked
    if not result.ok:
        report.problems.append(f"恢复后的审计链核验失败：{result.problem}")


def _check_records(alias: str, storage_dir: Path, report: DrillReport) -> None:
    """Every record's file is in the restored storage with the digest taken at upload."""
    from ops.files import stores

    for store, model in stores(root=storage_dir):
        for stored_name, expected in model.objects.using(alias).values_list("stored_name", "sha256"):
            report.records_checked += 1
            if not store.matches(stored_name, expected):
                report.problems.append(f"恢复后的{model._meta.verbose_name}文件缺失或摘要不符：{stored_name}")
