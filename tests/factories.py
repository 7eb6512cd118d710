"""Test data through the real write paths (STYLE: tests through the real write paths)."""

from decimal import Decimal

from accounts.models import Jurisdiction, Organisation, OrgKind, RoleAssignment, User
from projects import services as project_services

PASSWORD = "Test-Pass-2026!zw"


def org(code: str, name: str, kind: str = OrgKind.PROJECT_UNIT, jurisdiction: str = "510000") -> Organisation:
    return Organisation.objects.get_or_create(code=code, defaults={
        "name": name, "kind": kind, "jurisdiction": Jurisdiction.objects.get(code=jurisdiction)})[0]


def body(kind: str) -> Organisation:
    return Organisation.objects.get(code=f"SC-{kind}")


def user(username: str, organisation: Organisation, *roles: str) -> User:
    u = User.objects.create_user(username=username, password=PASSWORD, organisation=organisation,
                                 full_name=username)
    for role in roles:
        RoleAssignment.objects.create(user=u, role=role)
    return u


def project(actor, name="测试项目", year=2027, delivery_mode="self_built", total_investment="10000000.00"):
    return project_services.project_create(actor=actor, name=name, year=year, delivery_mode=delivery_mode,
                                           total_investment=Decimal(total_investment))
