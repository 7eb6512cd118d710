"""Write paths for the system catalogue (第九条). One function per action: permission, lock, write, audit,
one transaction. Only the unit's own filers and heads change its catalogue."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from accounts.models import Organisation
from audit.services import record
from projects.models import NumberSequence, Stage
from projects.selectors import get_project_for_user
from projects.services import ActionRefused

from . import excel
from .models import InformationSystem, ProjectSystemLink, Relation, SystemStatus
from .selectors import can_edit_catalogue, can_view_all_catalogues, get_system_for_user, is_unit_member

SYSTEM_FIELDS = ("name", "purpose", "status", "on_government_cloud", "network", "is_classified", "mlps_level",
                 "connected_to_sharing_platform", "connected_to_service_platform",
                 "connected_to_unified_office_platform", "data_resources")

MSG_NOT_EDITOR = "只有本单位的项目填报人或项目单位负责人可以修改本单位的系统目录"
MSG_NEW_RETIRED = "新登记的信息系统不能直接设为“已停用”"
MSG_RETIRE_BY_ACTION = "停用信息系统请使用“停用”操作"
MSG_RETIRED_READ_ONLY = "信息系统已停用，不能修改"
MSG_ALREADY_RETIRED = "信息系统已停用"
MSG_STALE = "信息系统已被他人修改，请刷新后在最新版本上修改（版本不一致）"


def _snapshot(system: InformationSystem, fields=SYSTEM_FIELDS) -> dict:
    return {f: getattr(system, f) for f in fields}


def _require_editor(actor, unit_id: int) -> None:
    if not can_edit_catalogue(actor, unit_id):
        raise PermissionDenied(MSG_NOT_EDITOR)


def reserve_codes(unit: Organisation, count: int, also_taken: frozenset[str] = frozenset()) -> list[str]:
    """``count`` new codes for ``unit``'s entries (SC-U01-XT0001…), skipping codes the unit already uses
    and ``also_taken`` (codes about to be used)."""
    if count <= 0:
        return []
    seq, _ = NumberSequence.objects.select_for_update().get_or_create(name=f"catalogue-{unit.pk}")
    taken = set(InformationSystem.objects.filter(unit=unit, code__startswith=f"{unit.code}-XT")
                .values_list("code", flat=True)) | also_taken
    codes = []
    value = seq.value
    while len(codes) < count:
        value += 1
        code = f"{unit.code}-XT{value:04d}"
        if code not in taken:
            codes.append(code)
    seq.value = value
    seq.save(update_fields=["value"])
    return codes


def _check_name_free(system: InformationSystem) -> None:
    clash = InformationSystem.objects.filter(unit_id=system.unit_id, name=system.name).exclude(pk=system.pk).first()
    if clash:
        raise ValidationError({"name": f"本单位目录中已有同名的信息系统（系统编号 {clash.code}）"})


def _clean_fields(fields: dict) -> dict:
    unknown = set(fields) - set(SYSTEM_FIELDS)
    if unknown:
        raise ValidationError({f: "不允许设置此字段" for f in sorted(unknown)})
    cleaned = dict(fields)
    for name in ("name", "purpose", "data_resources"):
        if isinstance(cleaned.get(name), str):
            cleaned[name] = cleaned[name].strip()
    return cleaned


@transaction.atomic
def system_create(*, actor, code: str = "", **fields) -> InformationSystem:
    """项目单位在本单位政务信息系统目录中登记一个信息系统 (第九条). The unit is always the actor's own."""
    if not is_unit_member(actor):
        raise PermissionDenied(MSG_NOT_EDITOR)
    fields = _clean_fields(fields)
    if fields.get("status") == SystemStatus.RETIRED:
        raise ValidationError({"status": MSG_NEW_RETIRED})
    unit = actor.organisation
    code = (code or "").strip()
    system = InformationSystem(unit=unit, code=code or reserve_codes(unit, 1)[0], **fields)
    # Field checks first, so the look-ups below only ever see well-formed values.
    system.full_clean(validate_unique=False, validate_constraints=False)
    if code and InformationSystem.objects.filter(unit=unit, code=code).exists():
        raise ValidationError({"code": "本单位目录中已有相同编号的信息系统"})
    _check_name_free(system)
    system.save()
    record(actor=actor, action="catalogue.system_created", obj=system,
           after={"code": system.code, **_snapshot(system)})
    return system


@transaction.atomic
def system_update(*, actor, system_id: int, expected_version: int, **changes) -> InformationSystem:
    """修改目录条目 (第九条：及时更新). A stale version (someone saved in between) is refused, not overwritten."""
    system = get_system_for_user(actor, system_id, for_update=True)
    _require_editor(actor, system.unit_id)
    if system.is_retired:
        raise ActionRefused(MSG_RETIRED_READ_ONLY)
    if system.version != expected_version:
        raise ActionRefused(MSG_STALE)
    changes = _clean_fields(changes)
    if changes.get("status") == SystemStatus.RETIRED:
        raise ValidationError({"status": MSG_RETIRE_BY_ACTION})
    changed = {f: v for f, v in changes.items() if getattr(system, f) != v}
    if not changed:
        return system
    before = _snapshot(system, changed)
    for name, value in changed.items():
        setattr(system, name, value)
    system.full_clean(validate_unique=False, validate_constraints=False)
    _check_name_free(system)
    system.version += 1
    system.save()
    record(actor=actor, action="catalogue.system_updated", obj=system, before=before, after=_snapshot(system, changed))
    return system


@transaction.atomic
def system_retire(*, actor, system_id: int) -> InformationSystem:
    """停用信息系统: it stays in the catalogue as retired and gets no more money (第九条)."""
    system = get_system_for_user(actor, system_id, for_update=True)
    _require_editor(actor, system.unit_id)
    if system.is_retired:
        raise ActionRefused(MSG_ALREADY_RETIRED)
    before = {"status": system.status}
    system.status = SystemStatus.RETIRED
    system.retired_at = timezone.now()
    system.version += 1
    system.save(update_fields=["status", "retired_at", "version", "updated_at"])
    record(actor=actor, action="catalogue.system_retired", obj=system, before=before,
           after={"status": system.status, "retired_at": system.retired_at})
    return system


# --- A project's catalogue entries -----------------------------------------------------------------

MSG_NOT_PROJECT_UNIT = "只有本项目单位的填报人或负责人可以关联信息系统"
RELATION_STATUSES = {
    Relation.BUILD: ({SystemStatus.PLANNED, SystemStatus.IN_CONSTRUCTION}, "新建只能关联“规划中”或“建设中”的信息系统"),
    Relation.UPGRADE: ({SystemStatus.RUNNING}, "升级改造只能关联“运行中”的信息系统"),
    Relation.INTEGRATE: ({SystemStatus.RUNNING}, "整合只能关联“运行中”的信息系统"),
}


def _project_for_links(actor, project_id: int):
    project = get_project_for_user(actor, project_id, for_update=True)
    if not can_edit_catalogue(actor, project.unit_id):
        raise PermissionDenied(MSG_NOT_PROJECT_UNIT)
    if project.stage != Stage.DRAFT:
        raise ActionRefused(f"项目处于“{project.get_stage_display()}”阶段，只有草稿可以修改关联的信息系统")
    return project


@transaction.atomic
def link_project_system(*, actor, project_id: int, system_id: int, relation: str) -> ProjectSystemLink:
    """项目关联其新建、升级改造或整合的目录条目 (第九条). Build and upgrade: the project unit's own entries;
    integrate: also another unit's running system."""
    project = _project_for_links(actor, project_id)
    if relation not in Relation.values:
        raise ValidationError({"relation": "关系只能是新建、升级改造或整合"})
    try:
        system = InformationSystem.objects.select_related("unit").get(pk=int(system_id))
    except (InformationSystem.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404("信息系统不存在或无权查看") from exc
    if system.unit_id != project.unit_id:
        if system.status != SystemStatus.RUNNING:
            raise Http404("信息系统不存在或无权查看")
        if relation != Relation.INTEGRATE:
            raise ValidationError({"relation": "新建或升级改造只能关联本单位目录中的信息系统；其他单位运行中的系统只能整合"})
    if system.is_retired:
        raise ValidationError({"system": "已停用的信息系统不能关联到项目"})
    allowed, message = RELATION_STATUSES[Relation(relation)]
    if system.status not in allowed:
        raise ValidationError({"relation": f"{message}（该系统为“{system.get_status_display()}”）"})
    if project.system_links.filter(system=system).exists():
        raise ValidationError({"system": "项目已关联该信息系统"})
    link = ProjectSystemLink.objects.create(project=project, system=system, relation=relation, created_by=actor)
    record(actor=actor, action="catalogue.project_system_linked", obj=link, project=project,
           after={"system": system.code, "system_name": system.name, "system_unit": system.unit.code,
                  "relation": relation})
    return link


@transaction.atomic
def unlink_project_system(*, actor, project_id: int, link_id: int) -> None:
    project = _project_for_links(actor, project_id)
    link = project.system_links.select_related("system").filter(pk=link_id).first()
    if link is None:
        raise Http404("关联不存在")
    record(actor=actor, action="catalogue.project_system_unlinked", obj=link, project=project,
           before={"system": link.system.code, "system_name": link.system.name, "relation": link.relation})
    link.delete()


# --- Excel -------------------------------------------------------------------------------------------

@transaction.atomic
def catalogue_export(*, actor, unit: Organisation) -> bytes:
    """导出单位的系统目录 (.xlsx); audited as an export (SECURITY.md 14)."""
    if not (can_edit_catalogue(actor, unit.pk) or can_view_all_catalogues(actor)):
        raise Http404("单位不存在或无权查看")
    systems = InformationSystem.objects.filter(unit=unit).order_by("code").values(*excel.EXPORT_FIELDS)
    count = systems.count()
    content = excel.build_workbook((excel.export_row(values, unit.name) for values in systems.iterator(2000)), count)
    record(actor=actor, action="catalogue.exported", obj=unit, object_label=f"{unit.name} 政务信息系统目录",
           after={"unit": unit.code, "rows": count})
    return content


@dataclass
class ImportOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[excel.RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def message(self) -> str:
        return f"导入成功：新增 {self.created} 个、更新 {self.updated} 个、未变化 {self.unchanged} 个信息系统"


def _audit_refused_import(actor, unit, filename: str, reason: str, errors: int = 0) -> None:
    with transaction.atomic():
        record(actor=actor, action="catalogue.imported", obj=unit, outcome="refused",
               object_label=f"{unit.name} 政务信息系统目录",
               after={"unit": unit.code, "file": filename[:200], "reason": reason, "errors": errors})


def catalogue_import(*, actor, upload) -> ImportOutcome:
    """导入本单位的系统目录 (.xlsx). Every row is checked first — its own values, duplicates in the file and
    clashes with the unit's existing entries; if any row is wrong nothing is imported and the outcome lists
    every error (row, column, reason). Otherwise all rows are created or updated in one transaction with
    one audit event.

    A row with one of the unit's 系统编号 updates that entry; a row without one (or with a new one) is new.
    """
    if not is_unit_member(actor):
        raise PermissionDenied(MSG_NOT_EDITOR)
    unit = actor.organisation
    filename = getattr(upload, "name", "") or ""
    try:
        sheet = excel.read_catalogue(upload, unit_name=unit.name)
    except excel.ImportRefused as refused:
        _audit_refused_import(actor, unit, filename, refused.message)
        raise
    try:
        with transaction.atomic():
            existing = {row["code"]: row for row in InformationSystem.objects.select_for_update().filter(unit=unit)
                        .values("pk", "code", "version", "retired_at", *SYSTEM_FIELDS)}
            errors = excel.sort_errors(sheet.errors + _clashes(existing, sheet.rows))
            outcome = ImportOutcome(errors=errors) if errors else _apply_import(actor, unit, existing, sheet.rows)
    except IntegrityError as exc:
        raise ActionRefused("导入期间本单位的系统目录被他人修改，请重新导入") from exc
    if outcome.errors:
        _audit_refused_import(actor, unit, filename, "行数据有误", len(outcome.errors))
    return outcome


def _clashes(existing: dict[str, dict], rows: list[excel.ParsedRow]) -> list[excel.RowError]:
    """Names in the file that an entry keeps which the file does not update."""
    updated_codes = {r.code for r in rows if r.code in existing}
    kept_names = {e["name"]: code for code, e in existing.items() if code not in updated_codes}
    header = excel.HEADER_OF["name"]
    return [excel.RowError(r.row, header, f"本单位目录中已有同名信息系统（系统编号 {kept_names[r.name]}）；"
                                          "如要更新该系统，请在“系统编号”列填写该编号")
            for r in rows if r.name and r.name in kept_names]


def _apply_import(actor, unit: Organisation, existing: dict[str, dict],
                  rows: list[excel.ParsedRow]) -> ImportOutcome:
    outcome = ImportOutcome()
    now = timezone.now()
    new_rows = [r for r in rows if r.code not in existing]
    generated = iter(reserve_codes(unit, sum(1 for r in new_rows if not r.code),
                                   frozenset(r.code for r in new_rows if r.code)))
    to_create, to_update, before, after = [], [], {}, {}
    for row in new_rows:
        system = InformationSystem(unit=unit, code=row.code or next(generated), **row.values)
        if system.status == SystemStatus.RETIRED:
            system.retired_at = now
        to_create.append(system)
    for row in rows:
        current = existing.get(row.code)
        if current is None:
            continue
        changed = {f: v for f, v in row.values.items() if current[f] != v}
        if not changed:
            outcome.unchanged += 1
            continue
        before[row.code] = {f: current[f] for f in changed}
        after[row.code] = changed
        system = InformationSystem(unit=unit, **(current | changed))
        if "status" in changed:
            system.retired_at = now if system.status == SystemStatus.RETIRED else None
        system.version += 1
        system.updated_at = now
        to_update.append(system)
    renamed = [s for s in to_update if "name" in after[s.code]]
    if renamed:
        # Two entries may swap names in one file: free the names first, so the unique constraint holds at each step.
        for s in renamed:
            s.name = f"#导入中#{s.pk}"
        InformationSystem.objects.bulk_update(renamed, ["name"], batch_size=500)
        for s in renamed:
            s.name = after[s.code]["name"]
    InformationSystem.objects.bulk_create(to_create, batch_size=500)
    InformationSystem.objects.bulk_update(
        to_update, [*SYSTEM_FIELDS, "retired_at", "version", "updated_at"], batch_size=500)
    outcome.created, outcome.updated = len(to_create), len(to_update)
    # One event for the whole import; the detail of large imports is summarised to keep the event small.
    record(actor=actor, action="catalogue.imported", obj=unit, object_label=f"{unit.name} 政务信息系统目录",
           before={"changed": before} if len(before) <= 200 else {"changed_count": len(before)},
           after={"unit": unit.code, "created": outcome.created, "updated": outcome.updated,
                  "unchanged": outcome.unchanged, "created_codes": [s.code for s in to_create][:200],
                  "updated_values": after if len(after) <= 200 else {}})
    return outcome
