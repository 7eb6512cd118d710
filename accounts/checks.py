"""Deploy check (SECURITY.md 7; GB/T 22239-2019 §8.1.4.2 c: 应重命名或删除默认账户): no enabled
account may carry a default name. Runs with ``manage.py check --deploy``."""

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.db import DatabaseError

DEFAULT_NAMES = ("admin", "root", "test", "administrator")


@register(Tags.security, deploy=True)
def no_enabled_default_accounts(app_configs=None, **kwargs):
    from .models import User

    names = [n.lower() for n in getattr(settings, "DEFAULT_ACCOUNT_NAMES", DEFAULT_NAMES)]
    try:
        found = sorted(u for u in User.objects.filter(is_active=True).values_list("username", flat=True)
                       if u.lower() in names)
    except DatabaseError:  # no database yet (first install): nothing to check
        return []
    return [Error(f"存在启用状态的默认账号“{name}”：生产环境中默认账号必须停用或改名（SECURITY.md 第 7 条）。",
                  hint="在系统管理中停用该账号，或改用实名账号。", id="accounts.E001") for name in found]
