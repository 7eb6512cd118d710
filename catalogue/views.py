"""Pages of the system catalogue (第九条). Views parse input, decide who may use the page and call one
service; every decision about the catalogue is in ``catalogue.services`` and ``catalogue.selectors``."""

import re
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import PROJECT_UNIT_KINDS, Organisation
from projects.models import Stage
from projects.selectors import get_project_for_user, visible_projects
from projects.services import ActionRefused

from . import excel, selectors, services
from .forms import ImportForm, LinkForm, SystemFilterForm, SystemForm
from .models import InformationSystem, Relation, SystemStatus

MSG_NO_CATALOGUE = "只有项目单位的填报人、负责人，以及审查机构和审计人员可以查看系统目录"
MAX_ERRORS_SHOWN = 500


def _require_unit_member(user) -> None:
    if not selectors.is_unit_member(user):
        raise PermissionDenied(services.MSG_NOT_EDITOR)


def _attachment(content: bytes, filename: str, fallback: str) -> HttpResponse:
    """An .xlsx download: ``Content-Disposition: attachment`` with an ASCII fallback and the RFC 6266 /
    RFC 5987 UTF-8 file name (SECURITY.md 28)."""
    fallback = re.sub(r"[^A-Za-z0-9._-]", "_", fallback)
    response = HttpResponse(content, content_type=excel.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def system_list(request):
    user = request.user
    unit = selectors.catalogue_unit_for(user, request.GET.get("unit"))
    if unit is None:
        if not selectors.can_view_all_catalogues(user):
            raise PermissionDenied(MSG_NO_CATALOGUE)
        units = Organisation.objects.filter(kind__in=PROJECT_UNIT_KINDS).annotate(n_systems=Count("information_systems"))
        # Provincial departments first, then the cities' and counties' units (the order of PROJECT_UNIT_KINDS).
        units = sorted(units, key=lambda u: (PROJECT_UNIT_KINDS.index(u.kind), u.code))
        return render(request, "catalogue/units.html", {"units": units})
    form = SystemFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.unit_systems(unit, status=filters.get("status", ""), network=filters.get("network", ""),
                                text=filters.get("q", ""))
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    own = unit.pk == user.organisation_id
    context = {
        "unit": unit, "own": own, "form": form, "page": page, "query": query.urlencode(),
        "unit_query": "" if own else f"unit={unit.pk}",
        "can_edit": selectors.can_edit_catalogue(user, unit.pk),
        "counts": [(SystemStatus(value).label, n) for value, n in selectors.status_counts(unit).items()],
        "outside": selectors.unit_projects_outside_catalogue(unit, user)[:20],
        "outside_message": selectors.PROJECT_OUTSIDE_CATALOGUE,
    }
    template = "catalogue/list.html#results" if request.htmx else "catalogue/list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_GET
def system_detail(request, pk: int):
    system = selectors.get_system_for_user(request.user, pk)
    links = (system.project_links.select_related("project")
             .filter(project__in=visible_projects(request.user)).order_by("project__number"))
    return render(request, "catalogue/detail.html", {
        "system": system, "links": links,
        "can_edit": selectors.can_edit_catalogue(request.user, system.unit_id) and not system.is_retired,
        "funding": selectors.funding_eligibility(system),
        "unit_query": "" if system.unit_id == request.user.organisation_id else f"unit={system.unit_id}",
    })


@login_required
@require_http_methods(["GET", "POST"])
def system_create(request):
    _require_unit_member(request.user)
    form = SystemForm(request.POST or None, initial=None if request.method == "POST" else {
        "status": SystemStatus.PLANNED, "mlps_level": "0"})
    if request.method == "POST" and form.is_valid():
        try:
            system = services.system_create(actor=request.user, code=form.cleaned_data["code"],
                                            **form.service_fields())
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, f"已登记信息系统 {system.code} {system.name}")
            return redirect("catalogue:detail", pk=system.pk)
    return render(request, "catalogue/form.html", {"form": form, "system": None})


@login_required
@require_http_methods(["GET", "POST"])
def system_edit(request, pk: int):
    system = selectors.get_system_for_user(request.user, pk)
    if not selectors.can_edit_catalogue(request.user, system.unit_id):
        raise PermissionDenied(services.MSG_NOT_EDITOR)
    if system.is_retired:
        messages.error(request, services.MSG_RETIRED_READ_ONLY)
        return redirect("catalogue:detail", pk=system.pk)
    form = SystemForm(request.POST or None, system=system)
    if request.method == "POST" and form.is_valid():
        try:
            services.system_update(actor=request.user, system_id=system.pk,
                                   expected_version=form.cleaned_data["version"] or 0, **form.service_fields())
        except ValidationError as exc:
            form.add_service_errors(exc)
        except ActionRefused as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已保存信息系统 {system.code} 的修改")
            return redirect("catalogue:detail", pk=system.pk)
    return render(request, "catalogue/form.html", {"form": form, "system": system})


@login_required
@require_POST
def system_retire(request, pk: int):
    try:
        system = services.system_retire(actor=request.user, system_id=pk)
    except ActionRefused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已停用信息系统 {system.code} {system.name}")
    return redirect("catalogue:detail", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def catalogue_import(request):
    _require_unit_member(request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            outcome = services.catalogue_import(actor=request.user, upload=form.cleaned_data["file"])
        except excel.ImportRefused as exc:
            form.add_error("file", exc.message)
        except ActionRefused as exc:
            form.add_error(None, exc.message)
        else:
            if outcome.ok:
                messages.success(request, outcome.message)
                return redirect("catalogue:list")
            errors = outcome.errors
    return render(request, "catalogue/import.html", {
        "form": form, "errors": errors[:MAX_ERRORS_SHOWN], "error_count": len(errors),
        "error_rows": len({e.row for e in errors}), "truncated": len(errors) > MAX_ERRORS_SHOWN,
        "columns": excel.COLUMNS, "unit": request.user.organisation,
    })


@login_required
@require_GET
def catalogue_export(request):
    unit = selectors.catalogue_unit_for(request.user, request.GET.get("unit"))
    if unit is None:
        raise PermissionDenied(MSG_NO_CATALOGUE)
    content = services.catalogue_export(actor=request.user, unit=unit)
    today = timezone.localdate()
    return _attachment(content, f"{unit.short_name or unit.name}-政务信息系统目录-{today:%Y%m%d}.xlsx",
                       f"catalogue-{unit.code}-{today:%Y%m%d}.xlsx")


@login_required
@require_GET
def import_template(request):
    _require_unit_member(request.user)
    return _attachment(excel.build_workbook([]), "政务信息系统目录-导入模板.xlsx", "catalogue-template.xlsx")


# --- A project's catalogue entries (第九条) ---------------------------------------------------------

def _project_page(request, project, link_form=None):
    catalogue_status = selectors.project_catalogue_status(project)
    can_edit = selectors.can_edit_catalogue(request.user, project.unit_id) and project.stage == Stage.DRAFT
    if link_form is None and can_edit:
        link_form = LinkForm(systems=_linkable_systems(project))
    visible_ids = set(selectors.visible_systems(request.user).filter(
        pk__in=[link.system_id for link in catalogue_status.links]).values_list("pk", flat=True))
    return render(request, "catalogue/project.html", {
        "project": project, "links": catalogue_status.links, "finding": catalogue_status.finding,
        "can_edit": can_edit, "is_project_unit": selectors.can_edit_catalogue(request.user, project.unit_id),
        "link_form": link_form, "visible_ids": visible_ids, "relations": Relation,
    })


def _linkable_systems(project):
    return (InformationSystem.objects.filter(unit_id=project.unit_id).exclude(status=SystemStatus.RETIRED)
            .order_by("code"))


@login_required
@require_GET
def project_catalogue(request, project_pk: int):
    project = get_project_for_user(request.user, project_pk)
    return _project_page(request, project)


@login_required
@require_POST
def project_link(request, project_pk: int):
    project = get_project_for_user(request.user, project_pk)
    form = LinkForm(request.POST, systems=_linkable_systems(project))
    if form.is_valid():
        system_id = form.cleaned_data["system"]
        if form.cleaned_data["other_code"]:
            other = selectors.integrable_system_by_code(form.cleaned_data["other_code"],
                                                        exclude_unit_id=project.unit_id)
            if other is None:
                form.add_error("other_code", "没有找到该编号的其他单位运行中的信息系统")
            system_id = other.pk if other else None
        if system_id is not None:
            try:
                link = services.link_project_system(actor=request.user, project_id=project.pk, system_id=system_id,
                                                    relation=form.cleaned_data["relation"])
            except ValidationError as exc:
                for name, msgs in exc.message_dict.items():
                    form.add_error(name if name == "relation" else None, msgs)
            except ActionRefused as exc:
                messages.error(request, exc.message)
                return redirect("catalogue:project", project_pk=project.pk)
            else:
                messages.success(request, f"已关联信息系统 {link.system.code} {link.system.name}"
                                          f"（{link.get_relation_display()}）")
                return redirect("catalogue:project", project_pk=project.pk)
    return _project_page(request, project, link_form=form)


@login_required
@require_POST
def project_unlink(request, project_pk: int, link_pk: int):
    try:
        services.unlink_project_system(actor=request.user, project_id=project_pk, link_id=link_pk)
    except ActionRefused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已取消关联")
    return redirect(reverse("catalogue:project", args=[project_pk]))
