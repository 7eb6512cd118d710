"""manage.py run_obligations [--today YYYY-MM-DD] [--enqueue]: the daily job (cron on one machine)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from obligations.tasks import run_obligations, run_obligations_task, tasks_configured


class Command(BaseCommand):
    help = "重算全部义务与期限，并发送到期前和逾期提醒（每日一次；可重复运行，同一事项只提醒一次）。"

    def add_arguments(self, parser):
        parser.add_argument("--today", help="按指定日期运行（YYYY-MM-DD），默认为今天（北京时间）")
        parser.add_argument("--enqueue", action="store_true",
                            help="交给任务队列（settings.TASKS）执行，而不是在本进程内执行")

    def handle(self, *args, today=None, enqueue=False, **options):
        try:
            on = date.fromisoformat(today) if today else None
        except ValueError as exc:
            raise CommandError(f"日期格式应为 YYYY-MM-DD：{today}") from exc
        if enqueue:
            if not tasks_configured():
                raise CommandError("未配置任务队列（settings.TASKS），请去掉 --enqueue 直接运行")
            result = run_obligations_task.enqueue(on.isoformat() if on else None)
            self.stdout.write(f"已提交任务 {result.id}（{result.status}）")
            return
        summary = run_obligations(on)
        ob, rem = summary["obligations"], summary["reminders"]
        self.stdout.write(
            f"{summary['today']}：义务新增 {ob['created']}、更新 {ob['updated']}、移除 {ob['removed']}、未变 {ob['unchanged']}；"
            f"提醒 {rem['claimed']} 项（已提醒过 {rem['skipped']} 项），站内通知 {rem['notifications']} 条，邮件 {rem['mails']} 封。")
