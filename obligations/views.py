"""The obligations list (filters, .xlsx export), one obligation with its waiver, and the notifications.
Who may see what is decided by obligations.selectors; the writes are obligations.services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import Organisation
from audit.services import record
from projects.selectors import can_see_portfolio
from projects.services import ActionRefused

from . import reminders, selectors, services
from .excel import obligations_workbook
from .forms import ObligationFilterForm, WaiveForm
from .models import Notification


def _filtered(request):
    organisations = None
    if can_see_portfolio(request.user):
        organisations = Organisation.objects.filter(obligations__isnull=False).distinct().order_by("code")
    form = ObligationFilterForm(request.GET or None, organisations=organisations)
    qs = selectors.filter_obligations(selectors.visible_obligations(request.user), **form.filters())
    return form, qs


@login_required
@require_GET
def obligation_list(request):
    form, qs = _filtered(request)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    today = timezone.localdate()
    return render(request, "obligations/list.html", {
        "form": form, "page": page, "query": query.urlencode(), "today": today,
        "calendar_warnings": selectors.calendar_warnings(today) if request.user.has_role("system_admin") else []})


@login_required
@require_GET
def obligation_export(request):
    _, qs = _filtered(request)
    rows = list(qs[:10000])
    today = timezone.localdate()
    content = obligations_workbook(rows, title=f"义务与期限（{today} 导出）")
    with transaction.atomic():
        record(actor=request.user, action="obligation.exported", object_label="义务与期限",
               after={"rows": len(rows), "filters": request.GET.dict(), "bytes": len(content)})
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="obligations-{today}.xlsx"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def obligation_detail(request, pk: int):
    obligation = selectors.get_obligation_for_user(request.user, pk)
    may_waive = selectors.can_waive(request.user, obligation) and obligation.status in ("open", "overdue")
    form = WaiveForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not may_waive:
            raise PermissionDenied("只有领导小组办公室或省发展改革委的审核人可以豁免义务")
        if form.is_valid():
            try:
                services.waive_obligation(actor=request.user, obligation_id=obligation.pk,
                                          reason=form.cleaned_data["reason"])
                messages.success(request, "已豁免该事项，理由已记入审计日志")
                return redirect("obligations:detail", pk=obligation.pk)
            except ValidationError as exc:
                for message in exc.message_dict.get("reason", []):
                    form.add_error("reason", message)
                status = 422
            except ActionRefused as exc:
                form.add_error(None, exc.message)
                status = exc.status
        else:
            status = 422
    return render(request, "obligations/detail.html", {"obligation": obligation, "form": form,
                                                       "may_waive": may_waive}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def notification_list(request):
    if request.method == "POST":
        reminders.mark_read(request.user)
        return redirect("obligations:notifications")
    notes = Notification.objects.filter(user=request.user)[:100]
    return render(request, "obligations/notifications.html", {"notifications": notes})


