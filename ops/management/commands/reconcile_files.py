"""SECURITY.md 30: no file without a record, no record without a file, in every file store.

Exit status 1 when anything is found (for cron and monitoring); ``--delete-orphans`` removes the files
without a record (audited). A record without a file is never "repaired": restore the file from a backup.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from audit.services import record
from ops.files import reconcile, stores


class Command(BaseCommand):
    help = "核对文件存储（申报附件、项目档案）：列出没有记录的文件和没有文件的记录，发现任何一项时以状态 1 退出"

    def add_arguments(self, parser):
        parser.add_argument("--delete-orphans", action="store_true", help="删除存储目录中没有记录的文件（记入审计日志）")

    def handle(self, *args, delete_orphans=False, **options):
        result = reconcile()
        for name in result.orphans:
            self.stdout.write(f"没有记录的文件：{name}")
        for name in result.missing:
            self.stdout.write(f"没有文件的记录：{name}")
        if delete_orphans and result.orphans:
            by_folder = {store.folder: store for store, _ in stores()}
            with transaction.atomic():
                for name in result.orphans:
                    folder, _, stored_name = name.partition("/")
                    by_folder[folder].remove(stored_name)
                record(actor=None, action="files.orphans_removed", after={"files": result.orphans})
            self.stdout.write(f"已删除 {len(result.orphans)} 个没有记录的文件。")
        self.stdout.write(f"核对完成：没有记录的文件 {len(result.orphans)} 个，没有文件的记录 {len(result.missing)} 个。")
        if not result.clean:
            raise SystemExit(1)
