"""Who sees personal data in full (SECURITY.md R33, 《个人信息保护法》第六条 最小必要): the members of the project's
own unit (项目填报人, 项目单位负责人), who maintain it. Reviewers, auditors and administrators see masked values, on
pages and in exports; an account holder sees their own mobile."""

from __future__ import annotations

from dataclasses import dataclass

from accounts.models import Role
from projects.selectors import visible_projects

from .models import AccountMobile, ProjectContact
from .validators import mask_id_number, mask_mobile


def needs_full_contacts(user, project) -> bool:
    return (user.is_authenticated and user.organisation_id is not None and user.organisation_id == project.unit_id
            and user.has_role(Role.FILER, Role.UNIT_HEAD))


@dataclass(frozen=True)
class ContactView:
    role: str
    role_label: str
    name: str
    position: str
    id_number: str
    mobile: str
    masked: bool


def contact_views(user, project) -> list[ContactView]:
    full = needs_full_contacts(user, project)
    rows = []
    for c in ProjectContact.objects.filter(project=project).order_by("role"):
        rows.append(ContactView(
            role=c.role, role_label=c.get_role_display(), name=c.name, position=c.position,
            id_number=c.id_number if full else mask_id_number(c.id_number),
            mobile=c.mobile if full else mask_mobile(c.mobile), masked=not full))
    return rows


def export_rows(user) -> list[list[str]]:
    """项目负责人与联系人 of every project ``user`` may see, masked unless ``user`` needs them in full."""
    rows = []
    projects = {p.pk: p for p in visible_projects(user)}
    contacts = ProjectContact.objects.filter(project_id__in=projects).order_by("project_id", "role")
    for c in contacts:
        project = projects[c.project_id]
        full = needs_full_contacts(user, project)
        rows.append([project.number, project.name, project.unit.name, c.get_role_display(), c.name, c.position,
                     c.id_number if full else mask_id_number(c.id_number),
                     c.mobile if full else mask_mobile(c.mobile)])
    return rows


def own_mobile(user) -> str:
    record = AccountMobile.objects.filter(user=user).first()
    return record.mobile if record else ""


def mobile_for_display(viewer, user) -> str:
    record = AccountMobile.objects.filter(user=user).first()
    if record is None:
        return ""
    return record.mobile if viewer.pk == user.pk else mask_mobile(record.mobile)
