"""决定签名核验 page (SECURITY.md R34): the latest signature of each signed decision, verified on the spot."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.models import Role

from .models import DecisionKind
from .signing import verify_all

PAGE_LIMIT = 200  # each SM2 verification costs ~25 ms in pure Python; the command checks everything


@login_required
@require_GET
def signatures(request):
    """Auditors and the security and audit administrators check that no signed decision was altered."""
    if not request.user.has_role(Role.AUDITOR, Role.AUDIT_ADMIN, Role.SECURITY_ADMIN):
        raise PermissionDenied("只有审计查阅人、安全管理员和审计管理员可以核验决定签名")
    kind = request.GET.get("kind") or None
    if kind not in DecisionKind.values:
        kind = None
    results = verify_all(kind, limit=PAGE_LIMIT)
    return render(request, "gmcrypto/signatures.html", {
        "results": results, "failed": sum(1 for r in results if not r.ok), "kinds": DecisionKind.choices,
        "kind": kind, "limit": PAGE_LIMIT})
