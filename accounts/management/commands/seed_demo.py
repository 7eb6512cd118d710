"""Build the demo province. Each lifecycle app may contribute a ``demo.py`` with ``build()``;
they run in lifecycle order, so projects exist in every stage the platform supports."""

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.demo import DEMO_PASSWORD, app_demo_builders, build_organisations_and_users, demo_users
from accounts.models import User


class Command(BaseCommand):
    help = "生成演示数据：省级部门、21 个市（州）、各审核部门用户、信息系统和各阶段项目"

    def add_arguments(self, parser):
        parser.add_argument("--quiet-logins", action="store_true", help="不打印演示账号")

    def handle(self, *args, quiet_logins=False, **options):
        if User.objects.filter(username="edu").exists():
            self.stdout.write("演示数据已存在，跳过生成。")
        else:
            self._build()
            self.stdout.write(self.style.SUCCESS("演示数据已生成。"))
        if not quiet_logins:
            self.stdout.write(f"\n演示账号（密码均为 {DEMO_PASSWORD}）：")
            for username, full_name, roles in demo_users():
                self.stdout.write(f"  {username:<12} {full_name}（{roles}）")

    @transaction.atomic
    def _build(self):
        # All or nothing: a failed step leaves no half-built province behind.
        build_organisations_and_users()
        for _app, module in app_demo_builders():
            module.build()
