"""manage.py run_obligations [--today YYYY-MM-DD] [--full] [--enqueue]: the daily job (cron on one machine)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from obligations.tasks import run_obligations, run_obligations_task, tasks_configured

SCOPE_REASONS = {
    "requested": "按要求", "first_run": "首次运行", "date_went_back": "日期早于上次运行", "new_year": "新的一年",
    "long_gap": "距上次运行超过 7 日", "weekly": "每周全量", "holidays_changed": "节假日安排有变更",
    "profiles_changed": "政策配置有变更", "profile_in_force": "政策配置生效或失效",
    "portfolio_facts_changed": "申报批次或政策有变更",
}


class Command(BaseCommand):
    help = "重算全部义务与期限，并发送到期前和逾期提醒（每日一次；可重复运行，同一事项只提醒一次）。"

    def add_arguments(self, parser):
        parser.add_argument("--today", help="按指定日期运行（YYYY-MM-DD），默认为今天（北京时间）")
        parser.add_argument("--full", action="store_true",
                            help="重算全部项目（默认只重算自上次运行以来事实有变化或因日期推移而变化的项目；每周日自动全部重算）")
        parser.add_argument("--enqueue", action="store_true",
                            help="交给任务队列（settings.TASKS）执行，而不是在本进程内执行")

    def handle(self, *args, today=None, enqueue=False, full=False, **options):
        try:
            on = date.fromisoformat(today) if today else None
        except ValueError as exc:
            raise CommandError(f"日期格式应为 YYYY-MM-DD：{today}") from exc
        if enqueue:
            if not tasks_configured():
                raise CommandError("未配置任务队列（settings.TASKS），请去掉 --enqueue 直接运行")
            result = run_obligations_task.enqueue(on.isoformat() if on else None, full)
            self.stdout.write(f"已提交任务 {result.id}（{result.status}）")
            return
        summary = run_obligations(on, full=full)
        ob, rem = summary["obligations"], summary["reminders"]
        scope = (f"重算全部项目（{SCOPE_REASONS.get(summary['scope'], summary['scope'])}）" if summary["projects"] is None
                 else f"重算有变化的 {summary['projects']} 个项目")
        self.stdout.write(
            f"{summary['today']}：义务新增 {ob['created']}、更新 {ob['updated']}、移除 {ob['removed']}、未变 {ob['unchanged']}"
            f"（{scope}）；"
            f"提醒 {rem['claimed']} 项（已提醒过 {rem['skipped']} 项），站内通知 {rem['notifications']} 条，邮件 {rem['mails']} 封。")
