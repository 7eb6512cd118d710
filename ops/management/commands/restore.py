from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ops.backup import BackupError, restore


class Command(BaseCommand):
    help = ("把 backup 命令生成的备份恢复到空数据库和空的文件存储目录；数据库结构版本（迁移）与当前程序不一致、"
            "目标不是空的、或备份文件摘要不符时拒绝")

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="备份目录（含 manifest.json）")
        parser.add_argument("--database", default="default", help="目标数据库别名（默认 default），必须是空库")
        parser.add_argument("--storage-dir", type=Path, default=None, help="目标文件存储目录（默认 STORAGE_DIR）")

    def handle(self, *args, directory, database, storage_dir, **options):
        try:
            manifest = restore(directory, alias=database, storage_dir=storage_dir)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(
            f"恢复完成：{len(manifest['tables'])} 张表，{sum(manifest['tables'].values())} 行，"
            f"{len(manifest['files'])} 个文件（备份时间 {manifest['created']}）。请运行 verify_audit_chain 和 "
            "reconcile_files 复核。"))
