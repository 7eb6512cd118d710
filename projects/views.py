from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import PROJECT_UNIT_KINDS, Role
from audit.models import AuditEvent

from . import services
from .forms import ProjectFilterForm, ProjectForm
from .selectors import get_project_for_user, visible_projects

SORTS = {"number": "number", "-number": "-number", "investment": "total_investment",
         "-investment": "-total_investment", "year": "year", "-year": "-year"}


def filter_projects(user, params):
    form = ProjectFilterForm(params or None)
    qs = visible_projects(user)
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            qs = qs.filter(Q(name__contains=data["q"]) | Q(number__contains=data["q"]))
        if data["stage"]:
            qs = qs.filter(stage=data["stage"])
        if data["year"]:
            qs = qs.filter(year=data["year"])
        if data["delivery_mode"]:
            qs = qs.filter(delivery_mode=data["delivery_mode"])
        if data["unit"]:
            qs = qs.filter(unit__name__contains=data["unit"])
        if data["min_investment"] is not None:
            qs = qs.filter(total_investment__gte=data["min_investment"])
        if data["max_investment"] is not None:
            qs = qs.filter(total_investment__lte=data["max_investment"])
    return form, qs.order_by(SORTS.get(params.get("sort", ""), "-year"), "number")


@login_required
@require_GET
def project_list(request):
    form, qs = filter_projects(request.user, request.GET)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    can_create = request.user.org_kind in PROJECT_UNIT_KINDS and request.user.has_role(Role.FILER, Role.UNIT_HEAD)
    return render(request, "projects/list.html", {"form": form, "page": page, "query": query.urlencode(),
                                                  "can_create": can_create})


@login_required
@require_GET
def project_detail(request, pk: int):
    project = get_project_for_user(request.user, pk)
    events = AuditEvent.objects.filter(project=project).order_by("seq").only(
        "seq", "at", "actor_name", "organisation_name", "action", "before", "after", "findings")[:500]
    return render(request, "projects/detail.html", {"project": project, "events": events})


@login_required
@require_http_methods(["GET", "POST"])
def project_create(request):
    if not (request.user.org_kind in PROJECT_UNIT_KINDS and request.user.has_role(Role.FILER, Role.UNIT_HEAD)):
        raise PermissionDenied("只有项目单位的填报人或负责人可以新建项目")
    form = ProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            project = services.project_create(actor=request.user, **form.cleaned_data)
        except services.ActionRefused as refused:  # a replayed form token (SECURITY.md R36)
            form.add_error(None, refused.message)
            return render(request, "projects/form.html", {"form": form}, status=refused.status)
        except ValidationError as invalid:
            for message in invalid.messages:
                form.add_error(None, message)
            return render(request, "projects/form.html", {"form": form}, status=422)
        messages.success(request, f"已创建项目草稿 {project.number}")
        return redirect("projects:detail", pk=project.pk)
    return render(request, "projects/form.html", {"form": form})
