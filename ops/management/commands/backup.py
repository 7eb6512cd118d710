from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ops.backup import BackupError, backup


class Command(BaseCommand):
    help = ("备份数据库（PostgreSQL：pg_dump -Fc；SQLite：在线备份 API）和文件存储到一个新目录，并写入清单"
            "（迁移列表、各表行数、文件摘要、时间）")

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="新的（或空的）备份目录")
        parser.add_argument("--database", default="default", help="数据库别名（默认 default）")

    def handle(self, *args, directory, database, **options):
        try:
            manifest = backup(directory, alias=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(
            f"备份完成：{directory}（{manifest['engine']}，{len(manifest['tables'])} 张表，"
            f"{sum(manifest['tables'].values())} 行，{len(manifest['files'])} 个文件，{manifest['created']}）"))
