from django.core.management.base import BaseCommand, CommandError

from audit.purge import PurgeRefused, purge_events


class Command(BaseCommand):
    help = "清理超过保存期限（AUDIT_RETENTION_DAYS，不少于 180 天）的审计事件；清理本身记入审计日志，审计链仍可核验"

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None,
                            help="保存天数（默认 AUDIT_RETENTION_DAYS；低于 180 天拒绝执行）")

    def handle(self, *args, days=None, **options):
        try:
            result = purge_events(days=days)
        except PurgeRefused as refused:
            raise CommandError(refused.message) from refused
        if result.purged:
            self.stdout.write(self.style.SUCCESS(
                f"已清理 {result.purged} 条 {result.cutoff:%Y-%m-%d} 以前的审计事件（至第 {result.anchor_seq} 号），"
                f"清理记录为第 {result.event.seq} 号事件"))
        else:
            self.stdout.write(f"没有超过保存期限的审计事件；本次清理记录为第 {result.event.seq} 号事件")
