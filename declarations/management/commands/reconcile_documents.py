"""SECURITY.md 30: no file without a record, no record without a file.

An upload whose transaction rolled back removes its file at once; this command finds
what a crash or an outer rollback could still leave behind.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from audit.services import record
from declarations import documents
from declarations.models import Document


class Command(BaseCommand):
    help = "核对附件存储：列出没有记录的文件和没有文件的记录；--delete-orphans 删除没有记录的文件"

    def add_arguments(self, parser):
        parser.add_argument("--delete-orphans", action="store_true", help="删除存储目录中没有记录的文件")

    def handle(self, *args, delete_orphans=False, **options):
        on_disk = documents.stored_files()
        recorded = set(Document.objects.values_list("stored_name", flat=True))
        orphans = sorted(on_disk - recorded)
        missing = sorted(recorded - on_disk)
        for name in orphans:
            self.stdout.write(f"没有记录的文件：{name}")
        for name in missing:
            self.stdout.write(f"没有文件的记录：{name}")
        if delete_orphans and orphans:
            with transaction.atomic():
                for name in orphans:
                    documents.remove(name)
                record(actor=None, action="document.orphans_removed", after={"files": orphans})
            self.stdout.write(f"已删除 {len(orphans)} 个没有记录的文件。")
        self.stdout.write(f"核对完成：没有记录的文件 {len(orphans)} 个，没有文件的记录 {len(missing)} 个。")
        if missing:
            raise SystemExit(1)
