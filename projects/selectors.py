"""Reading projects. The one way to fetch a project for a user (SECURITY.md 9):
anything not visible to the user is a 404, never a 403, so ids do not leak."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import PORTFOLIO_BODIES, PROJECT_UNIT_KINDS, Role
from audit.context import note_refused

from .models import Project, Stage


def can_see_portfolio(user) -> bool:
    """Auditors and the bodies that review every project see the whole (non-draft) portfolio."""
    if not user.is_authenticated:
        return False
    if user.has_role(Role.AUDITOR, Role.AUDIT_ADMIN):
        return True
    return user.has_role(Role.REVIEWER) and user.org_kind in PORTFOLIO_BODIES


def visible_projects(user, *, stage: str | None = None) -> QuerySet[Project]:
    """Projects ``user`` may read: own unit's (drafts included); portfolio bodies see all but others' drafts;
    an opinion body sees the projects whose opinion it was asked for.

    ``stage`` narrows to one stage (the same rows as ``.filter(stage=…)``). For a portfolio body asking for a
    stage other than draft every row of it is visible, so the OR of conditions and its subquery are left out:
    the database can then count and sort the stage from an index alone (the ledger at 100,000 projects, issue #8)."""
    qs = Project.objects.select_related("unit")
    if not user.is_authenticated or user.organisation_id is None:
        return qs.none()
    if stage is not None:
        qs = qs.filter(stage=stage)
        if stage != Stage.DRAFT and can_see_portfolio(user):
            return qs
    condition = Q(pk__in=[])
    if user.org_kind in PROJECT_UNIT_KINDS and user.has_role(Role.FILER, Role.UNIT_HEAD):
        condition |= Q(unit_id=user.organisation_id)
    if can_see_portfolio(user):
        condition |= ~Q(stage=Stage.DRAFT)
    if user.has_role(Role.REVIEWER):
        from reviews.models import OpinionRequest

        condition |= Q(pk__in=OpinionRequest.objects.filter(body_id=user.organisation_id).values("project_id"))
    return qs.filter(condition)


def get_project_for_user(user, pk, *, for_update: bool = False) -> Project:
    try:
        pk = int(pk)
    except (TypeError, ValueError) as exc:
        raise Http404("项目不存在") from exc
    qs = visible_projects(user)
    if for_update:
        # One statement reads, proves visible and locks (issue #8): the visibility condition is the same WHERE
        # clause, so a project the user may not see is not locked and is the same 404 as below. Only the project
        # row is locked (``of=("self",)``: PostgreSQL cannot lock the nullable side of a join, and the unit's rows
        # must not be locked by every action on one of its projects); the unit and its jurisdiction come along
        # because every action resolves the profile in force for them.
        qs = qs.select_related("unit__jurisdiction").select_for_update(of=("self",))
    try:
        return qs.get(pk=pk)
    except Project.DoesNotExist as exc:
        # Audited once as a refused access by audit.middleware (SECURITY.md 14); the 404 says nothing more.
        note_refused("projects.project", pk)
        raise Http404("项目不存在或无权查看") from exc
