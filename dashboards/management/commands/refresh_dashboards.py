"""manage.py refresh_dashboards [--enqueue]: recompute the dashboards' stored figures now (after a deployment, or
from cron between the daily jobs); pages also queue it themselves when the figures are older than
DASHBOARD_SNAPSHOT_MAX_AGE_SECONDS."""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dashboards.models import DashboardSnapshot
from dashboards.snapshots import SCOPE_PROJECTS, beijing_time, refresh_all
from dashboards.tasks import refresh_snapshot_task
from obligations.tasks import tasks_configured


class Command(BaseCommand):
    help = "重新计算看板统计快照（省级看板）。"

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true",
                            help="交给任务队列（settings.TASKS）执行，而不是在本进程内执行")

    def handle(self, *args, enqueue=False, **options):
        if enqueue:
            if not tasks_configured():
                raise CommandError("未配置任务队列（settings.TASKS），请去掉 --enqueue 直接运行")
            for scope in SCOPE_PROJECTS:
                result = refresh_snapshot_task.enqueue(scope, timezone.now().isoformat())
                self.stdout.write(f"已提交任务 {result.id}（{result.status}）")
            return
        for scope, computed_at in refresh_all().items():
            label = DashboardSnapshot.SCOPES[scope]
            self.stdout.write(f"{label}：数据截至 {beijing_time(datetime.fromisoformat(computed_at))}（北京时间）")
