"""Write paths of the annual declaration. One function per action: permission, lock, rules, write,
audit, one transaction (docs/architecture.md)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import BinaryIO

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.http import Http404
from django.utils import timezone

from audit.services import record
from projects.models import Project, Stage
from projects.selectors import get_project_for_user
from projects.services import ActionRefused, transition_project

from . import documents
from .models import DeclarationMaterials, DeclarationRound, Document, DocumentKind
from .selectors import is_leading_group_office, is_unit_member, open_round, submission_findings


def today() -> date:
    """Today in Asia/Shanghai: every date of the measures is a local date."""
    return timezone.localdate()


# --- Rounds (第十五条) -------------------------------------------------------------------------

def _require_office(actor) -> None:
    if not is_leading_group_office(actor):
        raise PermissionDenied("只有领导小组办公室的审核人可以开启或关闭申报批次")


@transaction.atomic
def round_create(*, actor, year: int, title: str, opens_on: date, closes_on: date) -> DeclarationRound:
    """领导小组办公室开启次年度项目申报批次 (第十五条)."""
    _require_office(actor)
    title = (title or "").strip() or f"{year}年度政务信息化项目申报"
    errors = {}
    if closes_on < opens_on:
        errors["closes_on"] = f"申报截止日期（{closes_on}）不能早于开始日期（{opens_on}）"
    if year < opens_on.year:
        errors["year"] = f"申报年度（{year}）不能早于申报开始日期所在年度（{opens_on.year}）：申报的是次年度项目"
    if closes_on < today():
        errors.setdefault("closes_on", f"申报截止日期（{closes_on}）已过，不能开启已经结束的批次")
    if not errors:
        overlapping = (DeclarationRound.objects.select_for_update()
                       .filter(year=year, closed_at__isnull=True, opens_on__lte=closes_on, closes_on__gte=opens_on)
                       .first())
        if overlapping:
            errors["opens_on"] = (f"与{overlapping.title}（{overlapping.opens_on} 至 {overlapping.closes_on}）的申报期重叠，"
                                  "同一年度的批次不能重叠")
    if errors:
        raise ValidationError(errors)
    declaration_round = DeclarationRound(year=year, title=title, opens_on=opens_on, closes_on=closes_on,
                                         created_by=actor)
    declaration_round.full_clean()
    declaration_round.save()
    record(actor=actor, action="declaration_round.opened", obj=declaration_round,
           after={"year": year, "title": title, "opens_on": opens_on, "closes_on": closes_on})
    return declaration_round


@transaction.atomic
def round_close(*, actor, round_id: int) -> DeclarationRound:
    """领导小组办公室提前关闭申报批次: from now on nothing can be submitted in it."""
    _require_office(actor)
    try:
        declaration_round = DeclarationRound.objects.select_for_update().get(pk=int(round_id))
    except (DeclarationRound.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404("申报批次不存在") from exc
    if declaration_round.closed_at is not None:
        raise ActionRefused(f"{declaration_round.title}已于 {timezone.localdate(declaration_round.closed_at)} 关闭")
    if declaration_round.closes_on < today():
        raise ActionRefused(f"{declaration_round.title}已于 {declaration_round.closes_on} 截止，无需关闭")
    declaration_round.closed_at = timezone.now()
    declaration_round.closed_by = actor
    declaration_round.save(update_fields=["closed_at", "closed_by"])
    record(actor=actor, action="declaration_round.closed", obj=declaration_round,
           before={"closed_at": None}, after={"closed_at": declaration_round.closed_at})
    return declaration_round


# --- Materials (第十六条) ----------------------------------------------------------------------

# The fields a unit may set; everything else (project, version, submission) is never taken from input.
MATERIAL_FIELDS = tuple(
    f.name for f in DeclarationMaterials._meta.get_fields()
    if getattr(f, "concrete", False) and f.name not in {
        "id", "project", "version", "updated_at", "updated_by", "submitted_round", "submitted_at"}
)


def _unit_project_for_update(actor, project_id: int, what: str) -> Project:
    project = get_project_for_user(actor, project_id, for_update=True)
    if not is_unit_member(actor, project):
        raise PermissionDenied(f"只有本项目单位的填报人或负责人可以{what}")
    return project


@transaction.atomic
def materials_update(*, actor, project_id: int, expected_version: int, **changes) -> DeclarationMaterials:
    """项目单位填写或修改申报材料 (第十六条). Only a draft; a stale version is refused, not overwritten."""
    project = _unit_project_for_update(actor, project_id, "填写申报材料")
    if project.stage != Stage.DRAFT:
        raise ActionRefused(f"项目处于“{project.get_stage_display()}”阶段，只有草稿可以修改申报材料")
    unknown = sorted(set(changes) - set(MATERIAL_FIELDS))
    if unknown:
        raise ValidationError({f: "不允许修改此字段" for f in unknown})
    materials, _ = DeclarationMaterials.objects.select_for_update().get_or_create(project=project)
    if materials.version != expected_version:
        raise ActionRefused("申报材料已被他人修改，请刷新后在最新版本上修改（版本不一致）")
    before = {f: getattr(materials, f) for f in changes}
    for field, value in changes.items():
        setattr(materials, field, value)
    if isinstance(materials.legal_basis, dict):  # a blank basis is no basis; other values fail validation
        materials.legal_basis = {k: (v.strip() if isinstance(v, str) else v)
                                 for k, v in materials.legal_basis.items() if not (isinstance(v, str) and not v.strip())}
    materials.full_clean(exclude=["project"])
    materials.version += 1
    materials.updated_by = actor
    materials.save()
    changed = {f for f in changes if before[f] != getattr(materials, f)}
    record(actor=actor, action="declaration.materials_updated", obj=materials, project=project,
           before={f: before[f] for f in sorted(changed)} | {"version": expected_version},
           after={f: getattr(materials, f) for f in sorted(changed)} | {"version": materials.version})
    return materials


# --- 项目代码 (第九条) ---------------------------------------------------------------------------

def investment_code_problem(code: str) -> str:
    """Why a 项目代码 is not acceptable, in Chinese; empty when it is. The rules layer's check
    (rules.ch02_integration.investment_code_valid) decides; a strict pattern only if it is absent."""
    try:
        from rules.ch02_integration import investment_code_valid
    except ImportError:  # pragma: no cover - the rules layer ships it
        if re.fullmatch(r"\d{4}-\d{6}-\d{2}-\d{2}-\d{6}", code):
            return ""
        return (f"项目代码“{code}”格式不正确：应为“年份4位-行政区划代码6位-行业代码2位-项目类型代码2位-流水号6位”，"
                "例如 2021-510000-65-01-000001")
    finding = investment_code_valid(code, required=True)
    return finding.message if finding.blocks else ""


@transaction.atomic
def investment_code_record(*, actor, project_id: int, code: str) -> Project:
    """记录四川省投资项目在线审批监管平台赋予的项目代码 (第九条)."""
    project = _unit_project_for_update(actor, project_id, "登记项目代码")
    code = (code or "").strip()
    problem = investment_code_problem(code)
    if problem:
        raise ValidationError({"investment_code": problem})
    if code == project.investment_code:
        return project
    if Project.objects.filter(investment_code=code).exclude(pk=project.pk).exists():
        raise ValidationError({"investment_code": f"项目代码“{code}”已登记在其他项目上，请核对"})
    before = project.investment_code
    project.investment_code = code
    project.save(update_fields=["investment_code", "updated_at"])
    record(actor=actor, action="project.investment_code_recorded", obj=project, project=project,
           before={"investment_code": before}, after={"investment_code": code})
    return project


# --- Submission (第十五条) ---------------------------------------------------------------------

def declaration_submit(*, actor, project_id: int) -> Project:
    """项目单位提交申报 (第十五条). Refused with the findings while the pre-check blocks, the materials
    of 第十六条 are incomplete, or no round is open today."""
    on = today()

    def rules(project: Project):
        return submission_findings(project, on)

    def apply(project: Project) -> dict:
        declaration_round = open_round(project.year, on)
        materials = DeclarationMaterials.objects.select_for_update().get(project=project)
        materials.submitted_round = declaration_round
        materials.submitted_at = timezone.now()
        materials.save(update_fields=["submitted_round", "submitted_at"])
        return {"round": declaration_round.title, "materials_version": materials.version}

    with transaction.atomic():
        return transition_project(actor=actor, project_id=project_id, transition="submit",
                                  action="declaration.submitted", rules=rules, apply=apply)


# --- Documents (SECURITY.md 26–30) -----------------------------------------------------------

# Declaration materials while drafting (第十五条、第十六条); approval documents before they are sent (第十八条、第十九条).
UPLOAD_STAGES = (Stage.DRAFT, Stage.LISTED)


class DocumentTampered(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def document_upload(*, actor, project_id: int, kind: str, name: str, size: int, fileobj: BinaryIO) -> Document:
    """Upload one document; re-uploading a kind makes the next version and keeps the older ones."""
    if kind not in DocumentKind.values:
        raise ValidationError({"kind": "材料类型不在允许范围内"})
    try:
        file_type = documents.validate_upload(name, size, fileobj)  # before anything is stored
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from exc
    shown = documents.display_name(name)
    stored_name = documents.new_stored_name(file_type)
    try:
        with transaction.atomic():
            project = _unit_project_for_update(actor, project_id, "上传申报材料")
            if project.stage not in UPLOAD_STAGES:
                raise ActionRefused(f"项目处于“{project.get_stage_display()}”阶段，不能上传材料")
            documents.refuse_over_quota(project, size, shown)  # documents and archive together
            version = (Document.objects.filter(project=project, kind=kind).aggregate(v=Max("version"))["v"] or 0) + 1
            digest, written = documents.write(stored_name, fileobj)
            if written != size:
                raise ValidationError({"file": f"文件“{shown}”上传不完整，请重新上传"})
            document = Document.objects.create(
                project=project, kind=kind, version=version, original_name=shown, stored_name=stored_name,
                sha256=digest, size=written, content_type=file_type.content_type, uploaded_by=actor)
            record(actor=actor, action="document.uploaded", obj=document, project=project,
                   after={"kind": kind, "version": version, "name": shown, "sha256": digest, "size": written,
                          "digest_algorithm": documents.digest_algorithm(),
                          "content_type": file_type.content_type})
    except BaseException:
        # The transaction rolled back: leave no file behind (SECURITY.md 30).
        documents.remove(stored_name)
        raise
    return document


def document_open(*, actor, document_id) -> tuple[Document, BinaryIO]:
    """Open a document for download: permission through the project (404 otherwise), the SHA-256 checked
    against the digest stored at upload. A changed or missing file is refused and audited."""
    try:
        document = Document.objects.get(pk=int(document_id))
    except (Document.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404("文件不存在或无权查看") from exc
    handle = None
    with transaction.atomic():
        project = get_project_for_user(actor, document.project_id)
        # The digest taken at upload, checked in the handle that is served (documents.FileStore.open_verified).
        handle, current = documents.open_verified(document.stored_name, document.sha256)  # FileResponse closes it
        if handle is None:
            record(actor=actor, action="document.tampered", obj=document, project=project, outcome="refused",
                   before={"sha256": document.sha256}, after={"sha256": current or "文件缺失"})
            tampered = True
        else:
            record(actor=actor, action="document.downloaded", obj=document, project=project,
                   after={"kind": document.kind, "version": document.version, "sha256": document.sha256})
            tampered = False
    if tampered:
        raise DocumentTampered(f"文件“{document.original_name}”校验失败：存储的文件与上传时的 SHA-256 不一致"
                               "（可能已被篡改或损坏），已拒绝下载并记录。请联系安全管理员。")
    return document, handle


def document_path(document: Document) -> Path:
    return documents.path_of(document.stored_name)
