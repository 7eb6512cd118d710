"""Write paths for projects. One function per action: permission, lock, rules, write, audit, one transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed, has_transition_perm

from accounts.models import Role
from audit.services import record
from policy.services import memoised_profiles, resolve_for
from rules.findings import Finding, blocking

from .models import NumberSequence, Project, Stage
from .selectors import get_project_for_user


class ActionRefused(Exception):
    """An action the rules or the lifecycle do not allow; carries the findings that say why."""

    def __init__(self, message: str, findings: list[Finding] | None = None, status: int = 409):
        super().__init__(message)
        self.message = message
        self.findings = findings or []
        self.status = status


def today() -> date:
    return timezone.localdate()


def next_number(name: str, template: str) -> str:
    seq, _ = NumberSequence.objects.select_for_update().get_or_create(name=name)
    seq.value += 1
    seq.save(update_fields=["value"])
    return template.format(seq.value)


def profile_for(project: Project, on: date | None = None):
    return resolve_for(project.unit.jurisdiction.code, on or today())


PROJECT_FIELDS = ("name", "year", "delivery_mode", "total_investment")


@transaction.atomic
def project_create(*, actor, name: str, year: int, delivery_mode: str, total_investment: Decimal,
                   form_token: str | None = None) -> Project:
    """项目单位新建项目草稿 (第十五条). The unit is always the actor's own organisation.
    ``form_token``: the page form's one-time token (SECURITY.md R36), used up in this transaction."""
    if not (actor.organisation_id and actor.organisation.is_project_unit and actor.has_role(Role.FILER, Role.UNIT_HEAD)):
        raise PermissionDenied("只有项目单位的填报人或负责人可以新建项目")
    if form_token is not None:
        from projects import form_tokens

        form_tokens.consume("project.create", form_token)
    project = Project(name=name, year=year, delivery_mode=delivery_mode, total_investment=total_investment,
                      unit=actor.organisation, created_by=actor)
    project.number = next_number(f"project-{year}", f"ZW{year}-{{:05d}}")
    project.full_clean(exclude=["stage"])
    project.save()
    record(actor=actor, action="project.created", obj=project, project=project,
           after={f: getattr(project, f) for f in PROJECT_FIELDS} | {"number": project.number})
    return project


@transaction.atomic
def project_update(*, actor, project_id: int, expected_version: int, **changes) -> Project:
    """Edit a draft. A stale version (someone saved in between) is refused, not overwritten."""
    project = get_project_for_user(actor, project_id, for_update=True)
    if project.unit_id != actor.organisation_id or not actor.has_role(Role.FILER, Role.UNIT_HEAD):
        raise PermissionDenied("只有本项目单位的填报人或负责人可以修改项目")
    if project.stage != Stage.DRAFT:
        raise ActionRefused(f"项目处于“{project.get_stage_display()}”阶段，只有草稿可以修改")
    if project.version != expected_version:
        raise ActionRefused("项目已被他人修改，请刷新后在最新版本上修改（版本不一致）")
    unknown = set(changes) - set(PROJECT_FIELDS)
    if unknown:
        raise ValidationError({f: "不允许修改此字段" for f in unknown})
    before = {f: getattr(project, f) for f in changes}
    for field, value in changes.items():
        setattr(project, field, value)
    project.version += 1
    project.full_clean(exclude=["stage"])
    project.save()
    record(actor=actor, action="project.updated", obj=project, project=project, before=before,
           after={f: getattr(project, f) for f in changes})
    return project


def transition_project(*, actor, project_id: int, transition: str, action: str,
                       rules: Callable[[Project], list[Finding]] | None = None,
                       apply: Callable[[Project], dict] | None = None) -> Project:
    """The shared core of every lifecycle action.

    Locks the project row, checks that the transition exists from the current stage
    and that the actor holds it, runs the rules (any blocking finding refuses the
    action with the findings), applies the action's own writes, transitions, saves
    and audits — all in the caller's transaction.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("transition_project must run inside the action's transaction")
    project = get_project_for_user(actor, project_id, for_update=True)
    method = getattr(project, transition)
    if not can_proceed(method):
        raise ActionRefused(f"项目当前处于“{project.get_stage_display()}”阶段，不能执行此操作（可能已被他人处理）")
    if not has_transition_perm(method, actor):
        raise ActionRefused("您没有执行此操作的权限，或此步骤不由您所在机构办理", status=403)
    # The action's rules resolve the project's profile again (``profile_for``): once per action is enough.
    with memoised_profiles():
        profile = profile_for(project)
        findings = rules(project) if rules else []
    if blocking(findings):
        raise ActionRefused("；".join(f.message for f in blocking(findings)), findings)
    before = {"stage": project.stage}
    extra = apply(project) if apply else {}
    method()
    project.save()
    record(actor=actor, action=action, obj=project, project=project, before=before,
           after={"stage": project.stage, **(extra or {})}, findings=findings, profile=profile.version_label)
    return project
