"""Reading projects. The one way to fetch a project for a user (SECURITY.md 9):
anything not visible to the user is a 404, never a 403, so ids do not leak."""

from __future__ import annotations

import hashlib

from django.db import connections, router
from django.db.models import Q, QuerySet
from django.db.transaction import TransactionManagementError
from django.http import Http404

from accounts.models import PORTFOLIO_BODIES, PROJECT_UNIT_KINDS, Role
from audit.context import note_refused
from config.statements import PerDatabase, converted, model_columns

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


def can_see_project(user, project: Project) -> bool:
    """Whether ``project`` is one of ``visible_projects(user)``: the same three conditions, checked on the loaded
    row (tests/test_visibility.py holds the two equal for every demo user and project). Only an opinion body's
    reviewer who is neither the project's unit nor a portfolio body costs a query (its opinion requests)."""
    if not user.is_authenticated or user.organisation_id is None:
        return False
    if (project.unit_id == user.organisation_id and user.org_kind in PROJECT_UNIT_KINDS
            and user.has_role(Role.FILER, Role.UNIT_HEAD)):
        return True
    if project.stage != Stage.DRAFT and can_see_portfolio(user):
        return True
    if user.has_role(Role.REVIEWER):
        from reviews.models import OpinionRequest

        return OpinionRequest.objects.filter(body_id=user.organisation_id, project_id=project.pk).exists()
    return False


class _ProjectStatement:
    """The project with its unit and the unit's jurisdiction by primary key, written once per process and database
    from the models' columns (as accounts.backends reads the user): the ORM built this query anew on every page
    and action of a project, and that was a third of an action's time (issue #8, docs/scaling.md)."""

    def __init__(self, connection):
        from accounts.models import Jurisdiction, Organisation

        quote = connection.ops.quote_name
        self.models = (Project, Organisation, Jurisdiction)
        self.parts = [model_columns(model, alias, connection) for model, alias in zip(self.models, "puj", strict=True)]
        project, unit, place = Project._meta, Organisation._meta, Jurisdiction._meta
        columns = [column for _, cols, _ in self.parts for column in cols]
        self.sql = (
            f"SELECT {', '.join(columns)} FROM {quote(project.db_table)} p "
            f"INNER JOIN {quote(unit.db_table)} u ON u.{quote(unit.pk.column)} = p.{quote(project.get_field('unit').column)} "
            f"INNER JOIN {quote(place.db_table)} j "
            f"ON j.{quote(place.pk.column)} = u.{quote(unit.get_field('jurisdiction').column)} "
            f"WHERE p.{quote(project.pk.column)} = %s")
        # Only the project row is locked: the unit's row must not be locked by every action on one of its projects.
        self.locking_sql = self.sql + (" FOR UPDATE OF p" if connection.features.has_select_for_update_of else "")

    def load(self, connection, using: str, pk: int, *, for_update: bool) -> Project | None:
        with connection.cursor() as cursor:
            cursor.execute(self.locking_sql if for_update else self.sql, [pk])
            row = cursor.fetchone()
        if row is None:
            return None
        objects, start = [], 0
        for model, (names, _, converters) in zip(self.models, self.parts, strict=True):
            values = row[start:start + len(names)]
            objects.append(model.from_db(using, names, converted(values, converters, connection)))
            start += len(names)
        project, unit, place = objects
        type(unit).jurisdiction.field.set_cached_value(unit, place)
        Project.unit.field.set_cached_value(project, unit)
        return project


_project_statements = PerDatabase(_ProjectStatement)


def load_project(pk: int, *, for_update: bool = False) -> Project | None:
    """The project ``pk`` with its unit and the unit's jurisdiction, or None; no permission check (that is
    ``get_project_for_user``'s). ``for_update`` locks the project's row until the transaction ends."""
    if not -(2**63) <= pk < 2**63:  # not a bigint: no such row (and PostgreSQL would refuse the parameter)
        return None
    using = router.db_for_write(Project) if for_update else router.db_for_read(Project)
    connection = connections[using]
    if for_update and not connection.in_atomic_block:
        # As QuerySet.select_for_update: a lock outside a transaction would be released at once.
        raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
    return _project_statements(using).load(connection, using, pk, for_update=for_update)


def get_project_for_user(user, pk, *, for_update: bool = False) -> Project:
    """The project ``pk`` if ``user`` may see it (``can_see_project``), with its unit and the unit's jurisdiction
    (every action resolves the profile in force for them); else the same 404 whether it exists or not.

    ``for_update`` locks the project's row until the transaction ends. A project the user may not see is then
    locked only until the 404 rolls the action's transaction back."""
    try:
        pk = int(pk)
    except (TypeError, ValueError) as exc:
        raise Http404("项目不存在") from exc
    project = load_project(pk, for_update=for_update)
    if project is None or not can_see_project(user, project):
        # Audited once as a refused access by audit.middleware (SECURITY.md 14); the 404 says nothing more.
        note_refused("projects.project", pk)
        raise Http404("项目不存在或无权查看")
    return project


# --- the ledger's count ---------------------------------------------------------------------------------------

class _DataVersion:
    """One statement that says whether the projects a ledger counts may have changed: the audit chain head's
    sequence number (every lifecycle action, and every audited change of who may see what, moves it in the
    transaction that changes the rows) and the largest project id (a project inserted without an audit event: the
    scale generator, the tests' factories)."""

    def __init__(self, connection):
        from audit.models import ChainHead

        quote = connection.ops.quote_name
        head, project = ChainHead._meta, Project._meta
        self.sql = (f"SELECT (SELECT {quote(head.get_field('seq').column)} FROM {quote(head.db_table)} "
                    f"WHERE {quote(head.pk.column)} = 1), "
                    f"(SELECT MAX({quote(project.pk.column)}) FROM {quote(project.db_table)})")

    def read(self, connection) -> tuple:
        with connection.cursor() as cursor:
            cursor.execute(self.sql)
            return tuple(cursor.fetchone())


_data_version = PerDatabase(_DataVersion)


def ledger_count(user, qs: QuerySet[Project], filters) -> int:
    """``qs.count()`` of a ledger query (``visible_projects(user)`` narrowed by ``filters``, a hashable key of the
    cleaned filter values), kept in the cache until the data it counts may have changed.

    The exact count was a quarter of the ledger's time at 100,000 projects (13,518 matching rows counted from an
    index on every page; issue #8, docs/scaling.md §3). The key holds the data version (``_DataVersion``) read
    *before* counting, so a count stored under a version is never older than that version; a write committed
    meanwhile moves the version, and the next page counts again. What the version cannot see (a unit renamed in the
    admin site, a row changed by hand in the database) is bounded by ``LEDGER_COUNT_CACHE_SECONDS``. The user's
    id, organisation, kind and roles are part of the key: they decide which rows the user may see."""
    from django.conf import settings
    from django.core.cache import cache

    seconds = settings.LEDGER_COUNT_CACHE_SECONDS
    if seconds <= 0:
        return qs.count()
    using = router.db_for_read(Project)
    version = _data_version(using).read(connections[using])
    key = "ledger-count:" + hashlib.sha256(repr((
        using, version, user.pk, user.organisation_id, user.org_kind, sorted(user.role_set()), filters,
    )).encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        found = qs.count()
        cache.set(key, found, seconds)
    return found
