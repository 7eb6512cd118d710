"""The main pages of issue 9 §2, with the data and the users that open them (shared by the accessibility and
the viewport tests). Data comes through the real write paths (tests/factories.py)."""

from __future__ import annotations

from dataclasses import dataclass

from accounts.models import OrgKind, Role
from tests import factories


@dataclass(frozen=True)
class MainPage:
    name: str  # used in screenshot names
    path: str
    heading: str  # a visible text that proves the page (not an error page) loaded


def build_scene() -> dict:
    """A unit with a draft project, a DRC reviewer, an office reviewer and an auditor; returns the pages per user."""
    unit = factories.org("BT-EDU", "四川省教育厅")
    filer = factories.user("edu_filer", unit, Role.FILER)
    project = factories.project(filer, name="教育政务数据共享平台", total_investment="20000000.00")
    factories.user("drc_b", factories.body(OrgKind.DRC), Role.REVIEWER)
    factories.user("office_b", factories.body(OrgKind.LEADING_GROUP_OFFICE), Role.REVIEWER)
    factories.user("auditor_b", factories.body(OrgKind.AUDIT_OFFICE), Role.AUDITOR)
    return {
        "edu_filer": [
            MainPage("todo", "/", "我的待办"),
            MainPage("project-list", "/projects/", "项目台账"),
            MainPage("project-detail", f"/projects/{project.pk}/", "教育政务数据共享平台"),
            MainPage("declaration-form", f"/declarations/projects/{project.pk}/edit/", "教育政务数据共享平台"),
            MainPage("unit-dashboard", "/dashboards/unit/", "看板"),
        ],
        "drc_b": [
            MainPage("todo", "/", "我的待办"),
            MainPage("review-list", "/reviews/", "审查"),
            MainPage("project-list", "/projects/", "项目台账"),
            MainPage("province-dashboard", "/dashboards/province/", "看板"),
        ],
        "office_b": [
            MainPage("review-list", "/reviews/", "审查"),
        ],
        "auditor_b": [
            MainPage("audit-search", "/audit/", "审计日志"),
            MainPage("project-list", "/projects/", "项目台账"),
        ],
    }
