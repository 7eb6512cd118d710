"""The navigation by role: which areas a user's roles open (checked again on the server by each view)."""

from dataclasses import dataclass
from html import escape

from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.safestring import SafeString, mark_safe

from accounts.models import PROJECT_UNIT_KINDS, OrgKind, Role
from projects.selectors import can_see_portfolio


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    visible: object  # callable(user) -> bool


def _unit(user):
    return user.org_kind in PROJECT_UNIT_KINDS and user.has_role(Role.FILER, Role.UNIT_HEAD)


def _projects(user):
    return _unit(user) or can_see_portfolio(user) or user.has_role(Role.REVIEWER)


def _audit(user):
    return user.has_role(Role.AUDITOR, Role.AUDIT_ADMIN)


def _policy(user):
    return user.has_role(Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN, Role.REVIEWER, Role.AUDITOR)


def _catalogue(user):
    return _unit(user) or can_see_portfolio(user)


def _body(*kinds):
    return lambda user: user.has_role(Role.REVIEWER) and user.org_kind in kinds


ITEMS = [
    NavItem("待办", "home", lambda u: True),
    NavItem("项目", "projects:list", _projects),
    NavItem("系统目录", "catalogue:list", _catalogue),
    NavItem("申报批次", "declarations:rounds", lambda u: True),
    NavItem("审查审批", "reviews:queue", lambda u: u.has_role(Role.REVIEWER)),
    NavItem("年度清单", "reviews:annual_lists", lambda u: u.is_authenticated),
    NavItem("财政审核", "funding:finance", _body(OrgKind.FINANCE)),
    NavItem("绩效监督", "oversight:portfolio", can_see_portfolio),
    NavItem("共享数据", "oversight:shared", _unit),
    NavItem("统计看板", "dashboards:index", lambda u: can_see_portfolio(u) or _unit(u)),
    NavItem("政务公开", "dashboards:public_feed_config", _body(OrgKind.LEADING_GROUP_OFFICE)),
    NavItem("义务期限", "obligations:list", lambda u: u.is_authenticated),
    NavItem("政策配置", "policy:list", _policy),
    NavItem("审计日志", "audit:search", _audit),
    NavItem("决定签名", "gmcrypto:signatures", lambda u: u.has_role(Role.AUDITOR, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN)),
    NavItem("账号锁定", "accounts:locks", lambda u: u.has_role(Role.SECURITY_ADMIN)),
    NavItem("管理办法", "regulation:index", lambda u: True),
]


# The areas each (roles, organisation kind) opens, with their URLs, worked out once per process: every signed-in
# page renders the navigation, and 17 predicates and reverse() calls per request were about 0.7 ms (issue #8). The
# predicates read only the roles and the organisation's kind; a changed role gives another key at once.
_areas_by_key: dict[tuple, tuple[tuple[str, str], ...]] = {}


def _areas(user) -> tuple[tuple[str, str], ...]:
    key = (user.role_set(), user.org_kind, get_urlconf(), get_script_prefix())
    areas = _areas_by_key.get(key)
    if areas is None:
        found = []
        for item in ITEMS:
            if not item.visible(user):
                continue
            try:
                found.append((item.label, reverse(item.url_name)))
            except NoReverseMatch:
                continue  # an area whose pages are not built yet
        areas = _areas_by_key[key] = tuple(found)
    return areas


def items_for(user, current_path: str):
    """The signed-in ``user``'s areas, the one ``current_path`` is in marked active."""
    return [{"label": label, "url": url, "active": _is_current(url, current_path)} for label, url in _areas(user)]


def _is_current(url: str, current_path: str) -> bool:
    return current_path == url if url == "/" else current_path.startswith(url)


def nav_html(user, current_path: str) -> SafeString:
    """The <li> items of base.html's main navigation, the current area marked with aria-current (built here: a
    template loop over the areas on every page cost more than the rest of the navigation)."""
    current = ' aria-current="page"'
    return mark_safe("".join(  # noqa: S308 - labels and URLs are escaped
        f'<li><a href="{escape(url)}"{current if _is_current(url, current_path) else ""}>{escape(label)}</a></li>'
        for label, url in _areas(user)))
