"""Demo projects through the real write paths, so the audit trail and stages are ones users can reach."""

from decimal import Decimal

from django.db import transaction

from accounts.models import User

from . import services
from .models import DeliveryMode

DEMO_PROJECTS = [
    ("edu", "四川省教育数据共享交换平台升级", 2027, DeliveryMode.SELF_BUILT, "18000000.00"),
    ("edu", "智慧教育公共服务平台", 2027, DeliveryMode.PURCHASED_SERVICE, "6500000.00"),
    ("health", "全民健康信息平台（二期）", 2027, DeliveryMode.SELF_BUILT, "45000000.00"),
    ("transport", "综合交通运输运行监测系统", 2027, DeliveryMode.SELF_BUILT, "20000000.00"),
    ("chengdu", "成都市一网统管协同平台（省市协同）", 2027, DeliveryMode.SELF_BUILT, "12000000.00"),
]


@transaction.atomic
def build():
    for username, name, year, mode, amount in DEMO_PROJECTS:
        services.project_create(actor=User.objects.get(username=username), name=name, year=year,
                                delivery_mode=mode, total_investment=Decimal(amount))
