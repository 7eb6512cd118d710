"""The public, read-only feed of approved projects for 政务公开 (issue 6 §4).

Only projects at APPROVED or a later stage are published (never drafts, submitted, listed, not-listed or
under-approval projects), and of each only the fields the office selected from ``PUBLIC_FIELDS``. The rows are
built from a ``values()`` query of exactly those columns, so nothing else is even read."""

from __future__ import annotations

from django.db import transaction

from accounts.models import OrgKind, Role
from audit.services import record
from projects.models import DeliveryMode, Project, Stage

from .models import PUBLIC_FIELDS, PublicFeedConfig, validate_public_fields

PUBLISHED_STAGES = (Stage.APPROVED, Stage.IN_CONSTRUCTION, Stage.SUSPENDED, Stage.TRIAL_RUN,
                    Stage.ACCEPTANCE_APPLIED, Stage.ACCEPTED, Stage.ACCEPTANCE_FAILED, Stage.TERMINATED)

# Public field → database column.
COLUMNS = {"number": "number", "name": "name", "unit": "unit__name", "year": "year",
           "delivery_mode": "delivery_mode", "approved_total_investment": "approved_total_investment",
           "approval_date": "approval_date", "stage": "stage"}


def config() -> PublicFeedConfig:
    return PublicFeedConfig.objects.filter(pk=1).first() or PublicFeedConfig(pk=1)


def published_fields() -> list[str]:
    return config().published_fields


def may_configure(user) -> bool:
    return user.is_authenticated and user.has_role(Role.REVIEWER) and user.org_kind == OrgKind.LEADING_GROUP_OFFICE


def _display(field: str, value):
    if value is None:
        return None
    if field == "stage":
        return Stage(value).label
    if field == "delivery_mode":
        return DeliveryMode(value).label
    if field == "approved_total_investment":
        return f"{value:.2f}"
    if field == "approval_date":
        return value.isoformat()
    return value


def published_projects(fields: list[str] | None = None) -> list[dict]:
    fields = published_fields() if fields is None else [f for f in PUBLIC_FIELDS if f in fields]
    rows = (Project.objects.filter(stage__in=PUBLISHED_STAGES, approval_date__isnull=False)
            .order_by("-approval_date", "number").values(*[COLUMNS[f] for f in fields]))
    return [{f: _display(f, row[COLUMNS[f]]) for f in fields} for row in rows]


def feed_configure(*, actor, fields: list[str]) -> PublicFeedConfig:
    """领导小组办公室 sets the published fields; audited."""
    from django.core.exceptions import PermissionDenied

    if not may_configure(actor):
        raise PermissionDenied("只有领导小组办公室可以配置政务公开字段")
    validate_public_fields(fields)
    with transaction.atomic():
        current = PublicFeedConfig.objects.select_for_update().filter(pk=1).first() or PublicFeedConfig(pk=1)
        before = current.published_fields if current.pk and PublicFeedConfig.objects.filter(pk=1).exists() else []
        current.fields = [f for f in PUBLIC_FIELDS if f in set(fields)]
        current.updated_by = actor
        current.save()
        record(actor=actor, action="dashboards.public_feed_configured", obj=current,
               before={"fields": before}, after={"fields": current.fields})
    return current
