"""Disable accounts unused for DORMANT_ACCOUNT_DAYS (SECURITY.md 7); each one is audited.
The daily job (obligations.tasks.run_obligations) runs the same service."""

from django.core.management.base import BaseCommand

from accounts.services import disable_dormant_accounts


class Command(BaseCommand):
    help = "停用长期未登录的账号（天数见 DORMANT_ACCOUNT_DAYS），每个账号写一条审计记录"

    def handle(self, *args, **options):
        disabled = disable_dormant_accounts()
        if disabled:
            self.stdout.write(f"已停用 {len(disabled)} 个长期未登录的账号：{'、'.join(disabled)}")
        else:
            self.stdout.write("没有需要停用的账号。")
