from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import Role

from .models import PolicyProfile
from .parameters import PARAMETERS, ParameterError
from .profiles import parse_document
from .services import save_profile

READERS = (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN, Role.REVIEWER, Role.AUDITOR)


def _require(user, *roles):
    if not user.has_role(*roles):
        raise PermissionDenied("您没有查看或修改政策配置的权限")


@login_required
@require_GET
def profile_list(request):
    _require(request.user, *READERS)
    profiles = PolicyProfile.objects.select_related("jurisdiction", "parent_jurisdiction").order_by(
        "jurisdiction__code", "-effective_from", "-version")
    return render(request, "policy/list.html", {
        "profiles": profiles, "can_edit": request.user.has_role(Role.SYSTEM_ADMIN)})


@login_required
@require_GET
def profile_detail(request, pk: int):
    _require(request.user, *READERS)
    profile = get_object_or_404(PolicyProfile.objects.select_related("jurisdiction"), pk=pk)
    rows = [{"spec": PARAMETERS[name], "value": value} for name, value in profile.parameters.items() if name in PARAMETERS]
    return render(request, "policy/detail.html", {"profile": profile, "rows": rows})


class ProfileUploadForm(forms.Form):
    document = forms.CharField(label="配置内容（YAML 或 JSON）", widget=forms.Textarea(attrs={"rows": 18}),
                               max_length=50_000)


EXAMPLE = """key: chengdu-2024
name: 成都市政务信息化项目管理办法（示例）
jurisdiction: "510100"
parent_jurisdiction: "510000"
effective_from: 2024-01-01
source: 第五十三条 地方办法
parameters:
  merged_plan.max_total_investment: "10000000.00"
"""


@login_required
@require_http_methods(["GET", "POST"])
def profile_create(request):
    _require(request.user, Role.SYSTEM_ADMIN)
    form = ProfileUploadForm(request.POST or None, initial={"document": EXAMPLE})
    if request.method == "POST" and form.is_valid():
        try:
            profile = save_profile(parse_document(form.cleaned_data["document"]), actor=request.user)
        except ParameterError as exc:
            form.add_error("document", str(exc))
        else:
            messages.success(request, f"已保存配置“{profile.name}”第 {profile.version} 版")
            return redirect("policy:detail", pk=profile.pk)
    return render(request, "policy/create.html", {"form": form, "parameters": PARAMETERS.values()})
