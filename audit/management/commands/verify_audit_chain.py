from django.core.management.base import BaseCommand, CommandError

from audit.chain import verify_stored


class Command(BaseCommand):
    help = "核验审计日志哈希链（自最近一次清理检查点起），指出第一个被改动、缺失或错位的事件"

    def handle(self, *args, **options):
        report = verify_stored()
        if not report.ok:
            raise CommandError(f"审计链核验失败：{report.problem}（已核验 {report.checked} 个事件）")
        self.stdout.write(self.style.SUCCESS(f"审计链完整：共 {report.checked} 个事件"))
