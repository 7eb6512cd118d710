"""Pages for 项目负责人与联系人 and the account holder's mobile; each POST calls one service."""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from audit.services import record
from projects.selectors import get_project_for_user

from . import selectors, services
from .forms import ContactForm, MobileForm

EXPORT_HEADER = ["平台项目编号", "项目名称", "项目单位", "身份", "姓名", "职务", "身份证号", "手机号码"]


def _add_errors(form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@login_required
@require_http_methods(["GET", "POST"])
def project_contacts(request, pk):
    project = get_project_for_user(request.user, pk)
    can_edit = selectors.needs_full_contacts(request.user, project)
    form = ContactForm(request.POST or None) if can_edit else None
    status = 200
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("只有本项目单位的填报人或负责人可以登记项目负责人与联系人")
        if form.is_valid():
            try:
                services.contact_save(actor=request.user, project_id=project.pk, **form.cleaned_data)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, "已保存项目负责人与联系人。")
                return redirect("contacts:project", project.pk)
        status = 400
    return render(request, "contacts/project.html", {
        "project": project, "contacts": selectors.contact_views(request.user, project), "form": form,
        "can_edit": can_edit}, status=status)


@login_required
@require_GET
def export_csv(request):
    """项目负责人与联系人清单 (CSV, UTF-8 with BOM for Excel): masked for whoever does not need the full values."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_HEADER)
    rows = 0
    for row in selectors.export_rows(request.user):
        # Formula injection: a cell must not start with = + - @ (OWASP CSV injection).
        writer.writerow(["'" + v if v[:1] in ("=", "+", "-", "@") else v for v in row])
        rows += 1
    with transaction.atomic():  # every export is audited (SECURITY.md 14)
        record(actor=request.user, action="contacts.exported", object_label="项目负责人与联系人清单",
               after={"format": "csv", "rows": rows})
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="project-contacts.csv"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def my_mobile(request):
    form = MobileForm(request.POST or None, initial={"mobile": selectors.own_mobile(request.user)})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.account_mobile_save(actor=request.user, mobile=form.cleaned_data["mobile"])
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, "已保存手机号码。")
                return redirect("contacts:my_mobile")
        status = 400
    return render(request, "contacts/my_mobile.html", {"form": form}, status=status)
