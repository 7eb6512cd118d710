from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ops.backup import BackupError, restore_drill


class Command(BaseCommand):
    help = ("恢复演练：备份当前数据库和文件，恢复到临时数据库（PostgreSQL 新建临时库，SQLite 临时文件），核对各表行数、"
            "审计哈希链和每个文件的摘要，结束后删除临时库；任何不符以非零状态退出")

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default", help="要演练的数据库别名（默认 default）")
        parser.add_argument("--keep", type=Path, default=None, help="保留演练的备份和文件到此目录（默认删除）")

    def handle(self, *args, database, keep, **options):
        try:
            report = restore_drill(alias=database, keep=keep)
        except BackupError as exc:
            raise CommandError(f"恢复演练失败：{exc}") from exc
        summary = (f"{report.tables} 张表 {report.rows} 行，审计事件 {report.audit_events} 个，"
                   f"文件 {report.files} 个，文件记录 {report.records_checked} 条")
        if not report.ok:
            for problem in report.problems:
                self.stderr.write(problem)
            raise CommandError(f"恢复演练发现 {len(report.problems)} 处不符（{summary}）")
        self.stdout.write(self.style.SUCCESS(f"恢复演练通过：{summary}，行数、审计链和文件摘要全部一致。"))
