from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.models import Role

from .selectors import search_events

PAGE = 50


class AuditSearchForm(forms.Form):
    project = forms.CharField(label="项目编号", required=False, max_length=30)
    organisation = forms.CharField(label="机构", required=False, max_length=100)
    actor = forms.CharField(label="用户名", required=False, max_length=150)
    action = forms.CharField(label="操作", required=False, max_length=60)
    date_from = forms.DateField(label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    date_to = forms.DateField(label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


def can_read_audit(user) -> bool:
    # The system administrator may not read the trail (三权分立, SECURITY.md 11).
    return user.has_role(Role.AUDITOR, Role.AUDIT_ADMIN)


@login_required
@require_GET
def search(request):
    if not can_read_audit(request.user):
        raise PermissionDenied("只有审计查阅人和审计管理员可以查看审计日志")
    form = AuditSearchForm(request.GET or None)
    events = []
    if form.is_valid() or not request.GET:
        data = form.cleaned_data if request.GET else {}
        events = search_events(
            project=data.get("project"), organisation=data.get("organisation"), actor=data.get("actor"),
            action=data.get("action"), date_from=data.get("date_from"), date_to=data.get("date_to"),
            before_seq=data.get("before"), limit=PAGE + 1,
        )
    has_more = len(events) > PAGE
    events = events[:PAGE]
    query = request.GET.copy()
    if has_more:
        query["before"] = events[-1].seq
    return render(request, "audit/search.html", {
        "form": form, "events": events, "next_query": query.urlencode() if has_more else None,
    })
