"""Writing personal data (SECURITY.md R33). One function per action: permission, lock, validation, write, audit.
The audit trail records only masked values: the plaintext lives nowhere but in the encrypted column."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from audit.services import record
from projects.selectors import get_project_for_user

from .models import AccountMobile, ContactRole, ProjectContact
from .selectors import needs_full_contacts
from .validators import (
    id_number_problem,
    mask_id_number,
    mask_mobile,
    mobile_problem,
    normalise_id_number,
    normalise_mobile,
)


def _clean_contact(role: str, name: str, position: str, id_number: str, mobile: str) -> dict:
    errors = {}
    if role not in ContactRole.values:
        errors["role"] = "身份应为项目负责人或项目联系人"
    name = (name or "").strip()
    if not name:
        errors["name"] = "请填写姓名"
    elif len(name) > 50:
        errors["name"] = "姓名不超过 50 个字符"
    position = (position or "").strip()
    if len(position) > 100:
        errors["position"] = "职务不超过 100 个字符"
    id_number = normalise_id_number(id_number)
    if role == ContactRole.RESPONSIBLE and not id_number:
        errors["id_number"] = "请填写项目负责人的身份证号（第二十六条 项目负责人制）"
    elif id_number and (problem := id_number_problem(id_number)):
        errors["id_number"] = problem
    mobile = normalise_mobile(mobile)
    if not mobile:
        errors["mobile"] = "请填写手机号码"
    elif problem := mobile_problem(mobile):
        errors["mobile"] = problem
    if errors:
        raise ValidationError(errors)
    return {"name": name, "position": position, "id_number": id_number, "mobile": mobile}


@transaction.atomic
def contact_save(*, actor, project_id: int, role: str, name: str, mobile: str, id_number: str = "",
                 position: str = "") -> ProjectContact:
    """项目单位登记或更新项目负责人 / 项目联系人 (第二十六条)."""
    project = get_project_for_user(actor, project_id, for_update=True)
    if not needs_full_contacts(actor, project):
        raise PermissionDenied("只有本项目单位的填报人或负责人可以登记项目负责人与联系人")
    data = _clean_contact(role, name, position, id_number, mobile)
    contact = ProjectContact.objects.filter(project=project, role=role).first()
    before = None
    if contact is not None:
        before = {"name": contact.name, "position": contact.position,
                  "id_number": mask_id_number(contact.id_number), "mobile": mask_mobile(contact.mobile)}
    else:
        contact = ProjectContact(project=project, role=role)
    for key, value in data.items():
        setattr(contact, key, value)
    contact.updated_by = actor
    contact.save()
    record(actor=actor, action="contacts.contact_saved", obj=contact, project=project, before=before,
           after={"role": role, "name": data["name"], "position": data["position"],
                  "id_number": mask_id_number(data["id_number"]), "mobile": mask_mobile(data["mobile"])})
    return contact


@transaction.atomic
def account_mobile_save(*, actor, mobile: str) -> AccountMobile:
    """The account holder records their own mobile phone."""
    if not actor.is_authenticated:
        raise PermissionDenied("请先登录")
    mobile = normalise_mobile(mobile)
    if problem := mobile_problem(mobile):
        raise ValidationError({"mobile": problem})
    current = AccountMobile.objects.select_for_update().filter(user=actor).first()
    before = {"mobile": mask_mobile(current.mobile)} if current else None
    if current is None:
        current = AccountMobile(user=actor)
    current.mobile = mobile
    current.save()
    record(actor=actor, action="contacts.account_mobile_saved", obj=current, before=before,
           after={"mobile": mask_mobile(mobile)})
    return current
