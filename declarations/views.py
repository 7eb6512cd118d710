"""Pages of the annual declaration. Each view says who may use it and calls one service; no decisions here."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from projects.selectors import get_project_for_user
from projects.services import ActionRefused
from rules.findings import OUTCOME_LABELS, blocking
from web.templatetags.zw import yuan

from . import selectors, services
from .forms import DocumentUploadForm, InvestmentCodeForm, MaterialsForm, RoundForm
from .models import (
    COMMON_SYSTEM_CHOICES,
    PROJECT_CATEGORY_CHOICES,
    DeclarationMaterials,
    DocumentKind,
    FundingChannel,
)


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# --- Rounds ------------------------------------------------------------------------------------

@login_required
@require_GET
def rounds(request):
    user = request.user
    round_list = list(selectors.rounds())
    today = services.today()
    own = selectors.own_declarations(user)
    years = {r.year for r in round_list}
    return render(request, "declarations/rounds.html", {
        "rounds": [{"round": r, "open": r.is_open_on(today)} for r in round_list],
        "is_office": selectors.is_leading_group_office(user),
        "own_projects": own.filter(year__in=years) if years else own.none(),
        "today": today,
    })


@login_required
@require_http_methods(["GET", "POST"])
def round_create(request):
    if not selectors.is_leading_group_office(request.user):
        raise PermissionDenied("只有领导小组办公室的审核人可以开启申报批次")
    today = services.today()
    form = RoundForm(request.POST or None, initial={"year": today.year + 1, "opens_on": today})
    if request.method == "POST" and form.is_valid():
        try:
            created = services.round_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"已开启{created.title}（{created.opens_on} 至 {created.closes_on}）")
            return redirect("declarations:rounds")
    return render(request, "declarations/round_form.html", {"form": form})


@login_required
@require_POST
def round_close(request, pk: int):
    try:
        closed = services.round_close(actor=request.user, round_id=pk)
    except ActionRefused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已关闭{closed.title}")
    return redirect("declarations:rounds")


# --- One project's declaration ---------------------------------------------------------------

CHOICE_LABELS = {
    "funding_channels": dict(FundingChannel.choices),
    "common_system_kinds": dict(COMMON_SYSTEM_CHOICES),
    "categories": dict(PROJECT_CATEGORY_CHOICES),
}


def _shown(materials, name: str) -> str:
    if name.startswith("legal_basis_"):
        return (materials.legal_basis or {}).get(name.removeprefix("legal_basis_"), "") or "—"
    value = getattr(materials, name)
    if name in CHOICE_LABELS:
        return "、".join(CHOICE_LABELS[name].get(v, v) for v in value) or "—"
    if name == "linked_city_projects":
        return "、".join(value) or "—"
    if name == "construction_kind":
        return materials.get_construction_kind_display() or "未回答"
    if name == "om_funding":
        return yuan(value) if value is not None else "—"
    if value is None:
        return "未回答"
    if isinstance(value, bool):
        return "是" if value else "否"
    return value or "—"


def materials_summary(materials):
    """The materials as (section, article, [(label, text)]) for reading."""
    form_fields = MaterialsForm.base_fields
    sections = []
    for title, article, names in MaterialsForm.SECTIONS:
        rows = []
        for name in names:
            label = (form_fields[name].label if name in form_fields
                     else DeclarationMaterials._meta.get_field(name).verbose_name if not name.startswith("legal_basis_")
                     else f"法律法规依据（第八条第{name.removeprefix('legal_basis_')}项）")
            text = _shown(materials, name)
            if name.startswith("legal_basis_") and text == "—":
                continue
            rows.append((label, text))
        sections.append((title, article, rows))
    return sections


def _declaration_context(request, project, **extra):
    from catalogue.selectors import project_links

    materials = selectors.materials_for(project)
    return {
        "project": project,
        "system_links": list(project_links(project)),
        "materials": materials,
        "summary": materials_summary(materials),
        "can_edit": selectors.is_unit_member(request.user, project) and project.stage == "draft",
        "is_unit_member": selectors.is_unit_member(request.user, project),
        "latest_documents": selectors.latest_documents(project),
        "round_finding": selectors.round_finding(project, services.today()),
        **extra,
    }


@login_required
@require_GET
def declaration(request, pk: int):
    project = get_project_for_user(request.user, pk)
    return render(request, "declarations/detail.html", _declaration_context(
        request, project, code_form=InvestmentCodeForm(initial={"investment_code": project.investment_code})))


@login_required
@require_http_methods(["GET", "POST"])
def materials_edit(request, pk: int):
    project = get_project_for_user(request.user, pk)
    if not selectors.is_unit_member(request.user, project):
        raise PermissionDenied("只有本项目单位的填报人或负责人可以填写申报材料")
    materials = selectors.materials_for(project)
    form = MaterialsForm(request.POST or None, instance=materials)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.materials_update(actor=request.user, project_id=project.pk,
                                      expected_version=form.cleaned_data["version"], **form.changes())
        except ActionRefused as exc:
            form.add_error(None, exc.message)
            status = 409
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "申报材料已保存。提交前请运行体检，按提示补齐材料。")
            return redirect("declarations:detail", pk=project.pk)
    return render(request, "declarations/materials_form.html",
                  {"project": project, "form": form, "editable": project.stage == "draft"}, status=status)


def _precheck_context(request, project, findings, **extra):
    return {
        "project": project,
        "findings": findings,
        "counts": selectors.outcome_counts(findings),
        "blocking_count": len(blocking(findings)),
        "outcome_labels": {str(k): v for k, v in OUTCOME_LABELS.items()},
        "can_submit": selectors.is_unit_member(request.user, project) and project.stage == "draft",
        **extra,
    }


@login_required
@require_GET
def precheck(request, pk: int):
    """体检: the full page, or only the findings when htmx asks (the “运行体检” button)."""
    project = get_project_for_user(request.user, pk)
    findings = selectors.page_findings(project, services.today())
    template = "declarations/precheck.html#findings" if request.htmx else "declarations/precheck.html"
    response = render(request, template, _precheck_context(request, project, findings))
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_POST
def submit(request, pk: int):
    project = get_project_for_user(request.user, pk)
    try:
        services.declaration_submit(actor=request.user, project_id=project.pk)
    except ActionRefused as exc:
        findings = exc.findings or selectors.submission_findings(project, services.today())
        context = _precheck_context(request, project, findings, refusal=exc.message)
        return render(request, "declarations/precheck.html", context, status=exc.status)
    messages.success(request, f"项目 {project.number} 已提交申报。")
    return redirect("projects:detail", pk=project.pk)


@login_required
@require_POST
def investment_code(request, pk: int):
    project = get_project_for_user(request.user, pk)
    form = InvestmentCodeForm(request.POST)
    if form.is_valid():
        try:
            services.investment_code_record(actor=request.user, project_id=project.pk,
                                            code=form.cleaned_data["investment_code"])
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "项目代码已登记。")
            return redirect("declarations:detail", pk=project.pk)
    return render(request, "declarations/detail.html",
                  _declaration_context(request, project, code_form=form), status=422)


# --- Documents ---------------------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def documents(request, pk: int):
    project = get_project_for_user(request.user, pk)
    form = DocumentUploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                document = services.document_upload(
                    actor=request.user, project_id=project.pk, kind=form.cleaned_data["kind"],
                    name=upload.name, size=upload.size, fileobj=upload)
            except ValidationError as exc:
                _add_errors(form, exc)
                status = 422
            except ActionRefused as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                messages.success(request, f"已上传{document.get_kind_display()}第 {document.version} 版："
                                          f"{document.original_name}")
                return redirect("declarations:documents", pk=project.pk)
        else:
            status = 422
    return render(request, "declarations/documents.html", {
        "project": project, "form": form, "documents": selectors.documents_for(project),
        "can_upload": selectors.is_unit_member(request.user, project) and project.stage in services.UPLOAD_STAGES,
        "kinds": DocumentKind,
    }, status=status)


@login_required
@require_GET
def document_download(request, pk: int):
    try:
        document, handle = services.document_open(actor=request.user, document_id=pk)
    except services.DocumentTampered as exc:
        return render(request, "declarations/tampered.html", {"message": exc.message}, status=409)
    response = FileResponse(handle, as_attachment=True, filename=document.original_name,
                            content_type=document.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response

