"""Audit records for logins, failed logins, logouts and locks (SECURITY.md 14), and the session marks
the session middleware checks (SECURITY.md 4). Connected in AccountsConfig.ready."""

from __future__ import annotations

import time
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from audit.services import record

LOGIN_AT = "auth_login_at"
SEEN_AT = "auth_seen_at"


def on_logged_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[LOGIN_AT] = now
        request.session[SEEN_AT] = now
    with transaction.atomic():
        record(actor=user, action="auth.login", obj=user, object_label=user.get_username())


def on_logged_out(sender, request, user, **kwargs):
    if user is None:
        return
    reason = getattr(request, "logout_reason", "") if request is not None else ""
    with transaction.atomic():
        record(actor=user, action="auth.logout", obj=user, object_label=user.get_username(),
               after={"reason": reason or "用户退出"})


def on_login_failed(sender, credentials, request=None, **kwargs):
    from .models import User

    username = str((credentials or {}).get("username") or "")[:150]
    target = User.objects.filter(username=username).first() if username else None
    with transaction.atomic():
        record(actor=None, action="auth.login_failed", obj=target, object_label=username or "（未填写用户名）",
               outcome="failed")


def on_locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    # Axes sends this for the failure that reaches the limit and again for each refused attempt while
    # locked; only the first is a lock (its failure was counted: axes_failures_since_start is set).
    if request is None or getattr(request, "axes_failures_since_start", None) is None:
        return
    from .lockout import lockout_minutes
    from .models import User

    target = User.objects.filter(username=username).first() if username else None
    until = timezone.now() + timedelta(minutes=lockout_minutes())
    with transaction.atomic():
        record(actor=None, action="auth.locked", obj=target, object_label=(username or "")[:150],
               outcome="failed", after={"failures": request.axes_failures_since_start, "locked_until": until})


def connect():
    from axes.signals import user_locked_out
    from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

    user_logged_in.connect(on_logged_in, dispatch_uid="accounts-audit-login")
    user_logged_out.connect(on_logged_out, dispatch_uid="accounts-audit-logout")
    user_login_failed.connect(on_login_failed, dispatch_uid="accounts-audit-login-failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="accounts-audit-locked")
